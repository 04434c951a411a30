// Package slackconfig is the `slack:` config section: its type, defaults
// and checks, next to the Slack notifier that uses them (package slack).
// It is a leaf that config imports without linking slack-go: standard
// library, notifyconfig, route and secret only (arch_test.go checks it).
package slackconfig

import (
	"strings"

	"github.com/tocsin-alerts/tocsin/notify/notifyconfig"
	"github.com/tocsin-alerts/tocsin/route"
)

// Config is the `slack:` section. The notifier is on when a token is set.
type Config struct {
	// Token is the bot token (xoxb-…), with chat:write and
	// channels:history (to find a message again after a crash).
	notifyconfig.BotToken `yaml:",inline"`
	// APIURL is the Web API base; a proxy or slacktest in tests.
	APIURL string `yaml:"api_url"`
	// Channels route incidents to channels (ids, C…); mention lists user
	// group ids (S…) per severity.
	Channels           []notifyconfig.RouteSpec `yaml:"channels"`
	notifyconfig.Retry `yaml:",inline"`
}

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = "https://slack.com/api/"

// Default is the section's defaults.
func Default() Config {
	return Config{APIURL: DefaultAPIURL, Channels: []notifyconfig.RouteSpec{}, Retry: notifyconfig.DefaultRetry()}
}

// Check fills defaults and reports every problem (fields relative to the
// section). It never echoes the token.
func (c *Config) Check(add func(field, msg string)) {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	c.Retry.Check(add)
	notifyconfig.CheckURL(add, "api_url", c.APIURL)
	notifyconfig.CheckCredential(add, "token", c.Token != "", len(c.Channels))
	if t := c.Token.Reveal(); t != "" && !strings.HasPrefix(t, "xox") {
		add("token", "a Slack bot token starts with xoxb-")
	}
	notifyconfig.CheckRoutes(add, "channels", c.Channels)
}

// Routes are the section's routes, for the check of their categories
// against the rule set.
func (c *Config) Routes() []route.Named { return notifyconfig.Named("channels", c.Channels) }

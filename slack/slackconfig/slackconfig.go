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

// Config is the `slack:` section. The notifier is on when a token is set:
// the bot token (xoxb-…), with chat:write and channels:history (to find a
// message again after a crash); api_url is the Web API base (a proxy, or
// slacktest in tests).
type Config struct {
	notifyconfig.Bot `yaml:",inline"`
	// Channels route incidents to channels (ids, C…); mention lists user
	// group ids (S…) per severity.
	Channels []notifyconfig.RouteSpec `yaml:"channels"`
}

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = "https://slack.com/api/"

// Default is the section's defaults.
func Default() Config {
	return Config{Bot: notifyconfig.Bot{APIURL: DefaultAPIURL, Retry: notifyconfig.DefaultRetry()}, Channels: []notifyconfig.RouteSpec{}}
}

// Check fills defaults and reports every problem (fields relative to the
// section). It never echoes the token.
func (c *Config) Check(add func(field, msg string)) {
	c.Bot.Check(add, DefaultAPIURL, len(c.Channels))
	if t := c.Token.Reveal(); t != "" && !strings.HasPrefix(t, "xox") {
		add("token", "a Slack bot token starts with xoxb-")
	}
	notifyconfig.CheckRoutes(add, "channels", c.Channels)
}

// Routes are the section's routes, for the check of their categories
// against the rule set.
func (c *Config) Routes() []route.Named { return notifyconfig.Named("channels", c.Channels) }

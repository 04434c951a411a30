// Package telegramconfig is the `telegram:` config section: its type,
// defaults and checks, next to the Telegram notifier that uses them
// (package telegram). It is a leaf that config imports without linking
// go-telegram/bot: standard library, notifyconfig, route and secret only
// (arch_test.go checks it).
package telegramconfig

import (
	"strings"

	"github.com/tocsin-alerts/tocsin/notify/notifyconfig"
	"github.com/tocsin-alerts/tocsin/route"
)

// DefaultAPIURL is Telegram's Bot API server.
const DefaultAPIURL = "https://api.telegram.org"

// Config is the `telegram:` section. The notifier is on when a token is
// set: the bot token from @BotFather ("123456:ABC…"); api_url is the Bot
// API server (a local telegram-bot-api server, or telegramtest in tests).
type Config struct {
	notifyconfig.Bot `yaml:",inline"`
	// Chats route incidents to chats: channel is a chat id ("-100…") or
	// "@channelname"; mention lists usernames ("@oncall") per severity.
	Chats []notifyconfig.RouteSpec `yaml:"chats"`
}

// Default is the section's defaults.
func Default() Config {
	return Config{Bot: notifyconfig.Bot{APIURL: DefaultAPIURL, Retry: notifyconfig.DefaultRetry()}, Chats: []notifyconfig.RouteSpec{}}
}

// Check fills defaults and reports every problem. It never echoes the
// token.
func (c *Config) Check(add func(field, msg string)) {
	c.Bot.Check(add, DefaultAPIURL, len(c.Chats))
	if t := c.Token.Reveal(); t != "" && !strings.Contains(t, ":") {
		add("token", "a bot token looks like 123456:ABC-DEF… (from @BotFather)")
	}
	notifyconfig.CheckRoutes(add, "chats", c.Chats)
}

// Routes are the section's routes, for the check of their categories
// against the rule set.
func (c *Config) Routes() []route.Named { return notifyconfig.Named("chats", c.Chats) }

package config

import (
	"github.com/tocsin-alerts/tocsin/matrix/matrixconfig"
	"github.com/tocsin-alerts/tocsin/route"
	"github.com/tocsin-alerts/tocsin/secret"
	"github.com/tocsin-alerts/tocsin/slack/slackconfig"
	"github.com/tocsin-alerts/tocsin/telegram/telegramconfig"
	"github.com/tocsin-alerts/tocsin/webhook/webhookconfig"
)

// Each notifier owns its section — type, defaults, checks, secrets and
// routes — next to its code (Gatus's alerting/provider/ is the model), in a
// leaf package beside it (slack/slackconfig, ...) that imports no SDK, so
// that config links none either. config holds the sections, reads their
// *_file secrets the one way it reads every secret, reports their problems
// with the others and lists their routes (Config.Routes). A new notifier is
// one field in Config, one line in Default and one entry here.

// notifierSection is what config needs of a notifier's section.
type notifierSection interface {
	Enabled() bool
	Check(add func(field, msg string))
	Secrets() []secret.Ref
	Routes() []route.Named
}

// notifierSections lists the sections by their top-level key.
func (c *Config) notifierSections() map[string]notifierSection {
	return map[string]notifierSection{"webhook": &c.Webhook, "slack": &c.Slack, "telegram": &c.Telegram, "matrix": &c.Matrix}
}

func defaultNotifiers(c *Config) {
	c.Webhook, c.Slack, c.Telegram, c.Matrix = webhookconfig.Default(), slackconfig.Default(), telegramconfig.Default(), matrixconfig.Default()
}

// anyNotifier reports whether a notifier besides the console and Discord
// is configured (config.Demo).
func (c *Config) anyNotifier() bool {
	for _, s := range c.notifierSections() {
		if s.Enabled() {
			return true
		}
	}
	return false
}

func (c *Config) checkNotifiers(errs *Errors) {
	for name, s := range c.notifierSections() {
		s.Check(func(field, msg string) { errs.Add(name+"."+field, "%s", msg) })
	}
}

// notifierSecrets are the notifiers' secrets as secretRefs.
func (c *Config) notifierSecrets() []secretRef {
	var out []secretRef
	for name, s := range c.notifierSections() {
		for _, r := range s.Secrets() {
			out = append(out, secretRef{section: name, path: name + "." + r.Path, file: r.File, set: r.Set, isSet: r.IsSet})
		}
	}
	return out
}

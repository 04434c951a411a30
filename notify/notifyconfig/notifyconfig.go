// Package notifyconfig holds the config forms the notifiers share: a bot
// token with its *_file key, the retry settings, and a channel route
// (RouteSpec: a channel, its route.Spec filter and whom to notify per
// severity), with their defaults and checks.
//
// It is a leaf that config imports through each notifier's own config
// package (slack/slackconfig, ...): it imports only the standard library,
// route, vocab and secret, never a platform SDK or package notify, so that
// reading a config file does not link every chat client (arch_test.go
// checks it). Package notify turns these forms into what delivery uses
// (notify.Routes, notify.LimiterOf).
package notifyconfig

import (
	"fmt"
	"net/url"
	"time"

	"github.com/tocsin-alerts/tocsin/route"
	"github.com/tocsin-alerts/tocsin/secret"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// BotToken is a bot token and its *_file key, as the Slack and Telegram
// sections write them (inline).
type BotToken struct {
	Token     secret.Secret `yaml:"token"`
	TokenFile string        `yaml:"token_file"`
}

// Enabled reports whether a token (or its file) is set.
func (t *BotToken) Enabled() bool { return t.Token != "" || t.TokenFile != "" }

// Secrets lists the token for config's *_file reading.
func (t *BotToken) Secrets() []secret.Ref {
	return []secret.Ref{{Path: "token", File: t.TokenFile, Set: func(v string) { t.Token = secret.Secret(v) },
		IsSet: func() bool { return t.Token != "" }}}
}

// Bot is what a chat section with a bot token has (Slack, Telegram),
// inline: the token, the platform's API base and the retry settings.
type Bot struct {
	BotToken `yaml:",inline"`
	// APIURL is the API base: a proxy, a self-hosted server, or the
	// platform's loopback twin in tests.
	APIURL string `yaml:"api_url"`
	Retry  `yaml:",inline"`
}

// Check fills the defaults (defaultURL for an empty API URL) and reports
// the problems: the API URL, the retry settings, and the token once the
// section has routes. It never echoes the token.
func (b *Bot) Check(add func(field, msg string), defaultURL string, routes int) {
	if b.APIURL == "" {
		b.APIURL = defaultURL
	}
	b.Retry.Check(add)
	CheckURL(add, "api_url", b.APIURL)
	CheckCredential(add, "token", b.Token != "", routes)
}

// Retry is how a notifier waits out rate limits and 5xx answers (inline
// in each section): RetryBudget attempts per request, MaxRetryWait the
// longest wait (a Retry-After) honoured inside one delivery attempt;
// beyond either the outbox retries later.
type Retry struct {
	RetryBudget  int           `yaml:"retry_budget"`
	MaxRetryWait time.Duration `yaml:"max_retry_wait"`
}

// DefaultRetry is every notifier's default.
func DefaultRetry() Retry { return Retry{RetryBudget: 4, MaxRetryWait: 30 * time.Second} }

// Fill sets the defaults of zero fields.
func (r *Retry) Fill() {
	d := DefaultRetry()
	if r.RetryBudget == 0 {
		r.RetryBudget = d.RetryBudget
	}
	if r.MaxRetryWait == 0 {
		r.MaxRetryWait = d.MaxRetryWait
	}
}

// Check fills the defaults and reports the problems.
func (r *Retry) Check(add func(field, msg string)) {
	r.Fill()
	if r.RetryBudget < 1 || r.RetryBudget > 20 {
		add("retry_budget", "must be between 1 and 20")
	}
	if r.MaxRetryWait < 0 {
		add("max_retry_wait", "must not be negative")
	}
}

// CheckURL refuses anything but an absolute http(s) URL without
// credentials. It never echoes the URL: it may hold a token.
func CheckURL(add func(field, msg string), field, raw string) {
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add(field, "must be an absolute http(s) URL")
	} else if u.User != nil {
		add(field, "must not contain credentials")
	}
}

// CheckCredential asks for the credential once channels are configured.
func CheckCredential(add func(field, msg string), field string, set bool, channels int) {
	if channels > 0 && !set {
		add(field, "required when channels are configured (or its _file)")
	}
}

// RouteSpec is a route as a chat notifier's config writes it: the channel
// and its filter (route.Spec, inline) and whom to notify at each severity.
type RouteSpec struct {
	Channel    string `yaml:"channel"`
	route.Spec `yaml:",inline"`
	// Mention lists, per severity, the ids notified (Slack user group ids,
	// Matrix user ids); report text never notifies anyone.
	Mention map[string][]string `yaml:"mention"`
}

// Check reports config problems (field paths relative to the route).
func (r RouteSpec) Check() []route.Problem {
	var out []route.Problem
	if r.Channel == "" {
		out = append(out, route.Problem{Field: "channel", Msg: "required"})
	}
	out = append(out, r.Spec.Check()...)
	for sev := range r.Mention {
		if s, err := vocab.ParseSeverity(sev); err != nil || s == vocab.SevNone {
			out = append(out, route.Problem{Field: "mention." + sev, Msg: "not one of low, medium, high, critical"})
		}
	}
	return out
}

// CheckRoutes checks a section's routes, named key[i].field.
func CheckRoutes(add func(field, msg string), key string, routes []RouteSpec) {
	for i, r := range routes {
		for _, p := range r.Check() {
			add(fmt.Sprintf("%s[%d].%s", key, i, p.Field), p.Msg)
		}
	}
}

// Named lists a section's routes by their paths within it (key[i]), for
// the check of every route's categories against the rule set.
func Named(key string, routes []RouteSpec) []route.Named {
	out := make([]route.Named, len(routes))
	for i, r := range routes {
		out[i] = route.Named{Path: fmt.Sprintf("%s[%d]", key, i), Spec: r.Spec}
	}
	return out
}

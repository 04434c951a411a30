package notify

import (
	"time"

	"github.com/tocsin-alerts/tocsin/secret"
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

// Retry is how a chat notifier waits out rate limits (inline in each
// section): RetryBudget attempts per request, MaxRetryWait the longest
// Retry-After waited out inside one attempt.
type Retry struct {
	RetryBudget  int           `yaml:"retry_budget"`
	MaxRetryWait time.Duration `yaml:"max_retry_wait"`
}

// DefaultRetry is every chat notifier's default.
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

// Limiter is the Limiter of these settings.
func (r Retry) Limiter() Limiter { return Limiter{Budget: r.RetryBudget, MaxWait: r.MaxRetryWait} }

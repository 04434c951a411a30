// Package webhookconfig is the `webhook:` config section: its type,
// defaults and checks, next to the webhook notifier that uses them
// (package webhook). It is a leaf that config imports without linking the
// notifier (which links the API's wire types and net/http): standard
// library, notifyconfig, route and secret only (arch_test.go checks it).
package webhookconfig

import (
	"fmt"
	"net/url"
	"time"

	"github.com/tocsin-alerts/tocsin/notify/notifyconfig"
	"github.com/tocsin-alerts/tocsin/route"
	"github.com/tocsin-alerts/tocsin/secret"
)

// Config is the `webhook:` section. The notifier is on with an endpoint.
type Config struct {
	Endpoints []Endpoint `yaml:"endpoints"`
	// Timeout bounds one POST.
	Timeout time.Duration `yaml:"timeout"`
	// RetryBudget is the attempts per event within one delivery;
	// MaxRetryWait the longest wait between two.
	notifyconfig.Retry `yaml:",inline"`
}

// Endpoint is one receiver and the incidents it takes.
type Endpoint struct {
	URL string `yaml:"url"`
	// Secret is the HMAC-SHA256 key of the signature header; empty sends
	// no signature.
	Secret     secret.Secret `yaml:"secret"`
	SecretFile string        `yaml:"secret_file"`
	route.Spec `yaml:",inline"`
}

// DefaultTimeout bounds one POST unless the section says otherwise.
const DefaultTimeout = 10 * time.Second

// Default is the section's defaults.
func Default() Config {
	return Config{Endpoints: []Endpoint{}, Timeout: DefaultTimeout, Retry: notifyconfig.DefaultRetry()}
}

// Enabled reports whether an endpoint is configured.
func (c *Config) Enabled() bool { return len(c.Endpoints) > 0 }

// Secrets lists the endpoints' secrets for config's *_file reading.
func (c *Config) Secrets() []secret.Ref {
	var out []secret.Ref
	for i := range c.Endpoints {
		e := &c.Endpoints[i]
		out = append(out, secret.Ref{Path: fmt.Sprintf("endpoints[%d].secret", i), File: e.SecretFile,
			Set: func(v string) { e.Secret = secret.Secret(v) }, IsSet: func() bool { return e.Secret != "" }})
	}
	return out
}

// Check fills defaults and reports every problem. It never echoes a URL
// (it may hold a token) or a secret.
func (c *Config) Check(add func(field, msg string)) {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Timeout < 0 {
		add("timeout", "must be positive")
	}
	c.Retry.Check(add)
	for i, e := range c.Endpoints {
		p := fmt.Sprintf("endpoints[%d].", i)
		if u, err := url.Parse(e.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(p+"url", "must be an absolute http(s) URL")
		}
		if s := e.Secret.Reveal(); s != "" && len(s) < 16 {
			add(p+"secret", "must be at least 16 characters (e.g. openssl rand -hex 32)")
		}
		for _, pr := range e.Spec.Check() {
			add(p+pr.Field, pr.Msg)
		}
	}
}

// Routes are the endpoints' routes, for the check of their categories
// against the rule set.
func (c *Config) Routes() []route.Named {
	out := make([]route.Named, len(c.Endpoints))
	for i, e := range c.Endpoints {
		out[i] = route.Named{Path: fmt.Sprintf("endpoints[%d]", i), Spec: e.Spec}
	}
	return out
}

// Package matrixconfig is the `matrix:` config section: its type, defaults
// and checks, next to the Matrix notifier that uses them (package matrix).
// It is a leaf that config imports without linking mautrix: standard
// library, notifyconfig, route and secret only (arch_test.go checks it).
package matrixconfig

import (
	"fmt"
	"strings"

	"github.com/tocsin-alerts/tocsin/notify/notifyconfig"
	"github.com/tocsin-alerts/tocsin/route"
	"github.com/tocsin-alerts/tocsin/secret"
)

// Config is the `matrix:` section. The notifier is on when an access token
// is set.
type Config struct {
	// Homeserver is the client-server API base (https://matrix.example.org).
	Homeserver string `yaml:"homeserver"`
	// UserID is the bot's user (@tocsin:example.org); it must have joined
	// the rooms.
	UserID string `yaml:"user_id"`
	// AccessToken is the bot's access token.
	AccessToken     secret.Secret `yaml:"access_token"`
	AccessTokenFile string        `yaml:"access_token_file"`
	// Rooms route incidents to rooms: channel is a room id (!abc:server);
	// mention lists user ids per severity.
	Rooms              []notifyconfig.RouteSpec `yaml:"rooms"`
	notifyconfig.Retry `yaml:",inline"`
}

// Default is the section's defaults.
func Default() Config {
	return Config{Rooms: []notifyconfig.RouteSpec{}, Retry: notifyconfig.DefaultRetry()}
}

// Enabled reports whether Matrix is configured.
func (c *Config) Enabled() bool { return c.AccessToken != "" || c.AccessTokenFile != "" }

// Secrets lists the section's secrets for config's *_file reading.
func (c *Config) Secrets() []secret.Ref {
	return []secret.Ref{{Path: "access_token", File: c.AccessTokenFile, Set: func(v string) { c.AccessToken = secret.Secret(v) },
		IsSet: func() bool { return c.AccessToken != "" }}}
}

// Check fills defaults and reports every problem. It never echoes the
// token.
func (c *Config) Check(add func(field, msg string)) {
	c.Retry.Check(add)
	if !c.Enabled() && c.Homeserver == "" && len(c.Rooms) == 0 {
		return
	}
	if c.Homeserver == "" {
		add("homeserver", "required (https://matrix.example.org)")
	} else {
		notifyconfig.CheckURL(add, "homeserver", c.Homeserver)
	}
	notifyconfig.CheckCredential(add, "access_token", c.AccessToken != "", len(c.Rooms)+1)
	if c.UserID != "" && !strings.HasPrefix(c.UserID, "@") {
		add("user_id", "a Matrix user id looks like @tocsin:example.org")
	}
	notifyconfig.CheckRoutes(add, "rooms", c.Rooms)
	for i, r := range c.Rooms {
		if r.Channel != "" && !strings.HasPrefix(r.Channel, "!") {
			add(fmt.Sprintf("rooms[%d].channel", i), "a room id looks like !abcdef:example.org (not an alias)")
		}
	}
}

// Routes are the section's routes, for the check of their categories
// against the rule set.
func (c *Config) Routes() []route.Named { return notifyconfig.Named("rooms", c.Rooms) }

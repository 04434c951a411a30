package config

import (
	"os"
	"strings"
)

// secretRef is one secret the config can hold: its value key, its *_file
// key, and where the value goes. Every secret is read the same way, so a
// *_file key works for each of them (issue 10: discord.token_file and
// summary.api_key_file used to fail a second validation).
type secretRef struct {
	section string // top-level key: secrets are read only for the sections a command uses
	path    string // the value key's path, e.g. "discord.token"
	file    string // the *_file value
	set     func(string)
	isSet   func() bool
}

func (c *Config) secrets() []secretRef {
	return append([]secretRef{
		{"http", "http.push_token", c.HTTP.PushTokenFile,
			func(v string) { c.HTTP.PushToken = Secret(v) }, func() bool { return c.HTTP.PushToken != "" }},
		{"http", "http.api_token", c.HTTP.APITokenFile,
			func(v string) { c.HTTP.APIToken = Secret(v) }, func() bool { return c.HTTP.APIToken != "" }},
		{"http", "http.api_read_token", c.HTTP.APIReadTokenFile,
			func(v string) { c.HTTP.APIReadToken = Secret(v) }, func() bool { return c.HTTP.APIReadToken != "" }},
		{"store", "store.dsn", c.Store.DSNFile,
			func(v string) { c.Store.DSN = v }, func() bool { return c.Store.DSN != "" && c.Store.DSN != defaultDSN }},
		{"discord", "discord.token", c.Discord.TokenFile,
			func(v string) { c.Discord.Token = Secret(v) }, func() bool { return c.Discord.Token != "" }},
		{"summary", "summary.api_key", c.Summary.APIKeyFile,
			func(v string) { c.Summary.APIKey = Secret(v) }, func() bool { return c.Summary.APIKey != "" }},
		{"web", "web.read_token", c.Web.ReadTokenFile,
			func(v string) { c.Web.ReadToken = Secret(v) }, func() bool { return c.Web.ReadToken != "" }},
		{"web", "web.admin_token", c.Web.AdminTokenFile,
			func(v string) { c.Web.AdminToken = Secret(v) }, func() bool { return c.Web.AdminToken != "" }},
	}, c.notifierSecrets()...)
}

// readSecretFiles fills each secret whose *_file key is set from that file
// (trimmed), for the sections in scope. It runs once, on the values the file
// gave, so "both set" means the operator set both.
func (c *Config) readSecretFiles(inScope func(string) bool, errs *Errors) {
	for _, s := range c.secrets() {
		if s.file == "" || !inScope(s.section) {
			continue
		}
		fileKey := s.path + "_file"
		if s.isSet() {
			errs.Add(fileKey, "%s is set too; choose one", s.path)
			continue
		}
		b, err := os.ReadFile(s.file)
		if err != nil {
			// The path is not secret; the error names only it.
			errs.Add(fileKey, "cannot read: %v", err)
			continue
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			errs.Add(fileKey, "%s is empty", s.file)
			continue
		}
		s.set(v)
	}
}

// ReadSecretFiles reads every *_file secret of a config built in code (Load
// does it for files). Call it once, before Validate.
func (c *Config) ReadSecretFiles() error {
	var errs Errors
	c.readSecretFiles(func(string) bool { return true }, &errs)
	return errs.Err()
}

package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes content under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSecretFilesFromDisk loads a config file from disk that takes every
// secret from a *_file key (issue 10: token_file alone used to fail with
// "set both token and token_file" because the config was validated twice).
func TestSecretFilesFromDisk(t *testing.T) {
	dir := t.TempDir()
	dsn := "postgres://tocsin:pg-pass-1@127.0.0.1:5432/tocsin?sslmode=disable"
	files := map[string]string{
		"push":    writeFile(t, dir, "push", "push-tok-1\n"),
		"dsn":     writeFile(t, dir, "dsn", dsn+"\n"),
		"discord": writeFile(t, dir, "discord", "  disc.tok.1\n"),
		"llm":     writeFile(t, dir, "llm", "sk-llm-1\n"),
	}
	cfgPath := writeFile(t, dir, "tocsin.yaml", fmt.Sprintf(`
http:
  push_token_file: %s
store:
  dsn_file: %s
discord:
  token_file: %s
  application_id: "123456789012345678"
summary:
  base_url: http://127.0.0.1:11434/v1
  model: m
  api_key_file: %s
`, files["push"], files["dsn"], files["discord"], files["llm"]))

	overridden := false
	c, err := LoadWith(cfgPath, Options{Getenv: env(nil), Override: func(c *Config) { overridden = true; c.HTTP.Addr = "" }})
	if err != nil {
		t.Fatalf("config with every secret in a file: %v", err)
	}
	if !overridden || c.HTTP.Addr != "" {
		t.Errorf("override not applied: %q", c.HTTP.Addr)
	}
	got := map[string]string{"push": c.HTTP.PushToken.Reveal(), "dsn": c.Store.DSN, "discord": c.Discord.Token.Reveal(), "llm": c.Summary.APIKey.Reveal()}
	want := map[string]string{"push": "push-tok-1", "dsn": dsn, "discord": "disc.tok.1", "llm": "sk-llm-1"}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("%s secret = %q, want %q", k, got[k], want[k])
		}
	}
	if !c.Discord.Enabled() {
		t.Error("discord with token_file is not enabled")
	}
	// Validating again (as a caller that changes a field may) changes
	// nothing and finds nothing: Validate does no I/O.
	if err := c.Validate(); err != nil {
		t.Errorf("second Validate: %v", err)
	}
	// No secret shows in the printed or marshalled config.
	js, _ := json.Marshal(c)
	for _, out := range []string{fmt.Sprintf("%v %+v", c.HTTP, c.Discord), string(js)} {
		for _, s := range []string{"push-tok-1", "disc.tok.1", "sk-llm-1"} {
			if strings.Contains(out, s) {
				t.Errorf("secret %s printed: %s", s, out)
			}
		}
	}
}

func TestSecretFileProblems(t *testing.T) {
	dir := t.TempDir()
	empty := writeFile(t, dir, "empty", "\n \n")
	tok := writeFile(t, dir, "tok", "abc")
	missing := filepath.Join(dir, "missing")
	src := fmt.Sprintf(`
http: {push_token: inline, push_token_file: %s}
store: {dsn_file: %s}
discord: {token_file: %s, application_id: "123456789012345678"}
summary: {base_url: "http://127.0.0.1:1/v1", model: m, api_key: inline, api_key_file: %s}
`, tok, missing, empty, tok)
	_, err := Parse([]byte(src), env(nil))
	errs, ok := err.(Errors)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	byPath := map[string]string{}
	for _, e := range errs {
		byPath[e.Path] = e.Msg
	}
	for path, want := range map[string]string{
		"http.push_token_file": "http.push_token is set too",
		"store.dsn_file":       "cannot read",
		"discord.token_file":   "is empty",
		"summary.api_key_file": "summary.api_key is set too",
	} {
		if !strings.Contains(byPath[path], want) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", path, byPath[path], want, err)
		}
	}
	if strings.Contains(err.Error(), "abc") {
		t.Errorf("an error shows a secret: %v", err)
	}
}

// TestSectionsScope: a command that reads only the store (tocsin status)
// needs neither the Discord token's variable nor its file, and is not
// stopped by problems in sections it does not use; the sections it uses
// are checked as usual.
func TestSectionsScope(t *testing.T) {
	src := `
store:
  dsn: ${TOCSIN_DB:-/var/lib/tocsin/tocsin.db}
discord:
  token: ${DISCORD_TOKEN}
  token_file: /nonexistent/token
  channels: [{channel_id: "not-an-id"}]
summary:
  api_key: ${OPENAI_API_KEY}
`
	c, err := ParseWith([]byte(src), Options{Getenv: env(nil), Sections: []string{"store"}})
	if err != nil {
		t.Fatalf("status-like load: %v", err)
	}
	if c.Store.DSN != "/var/lib/tocsin/tocsin.db" {
		t.Errorf("dsn = %q", c.Store.DSN)
	}
	// All sections: every problem, each named by its field.
	_, err = Parse([]byte(src), env(nil))
	if err == nil {
		t.Fatal("full load accepted an unset ${DISCORD_TOKEN}")
	}
	for _, want := range []string{"discord.token (line 5): environment variable DISCORD_TOKEN is not set",
		"summary.api_key (line 9): environment variable OPENAI_API_KEY"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("full load error lacks %q:\n%v", want, err)
		}
	}
	// The store's own variable is still required when it has no default.
	_, err = ParseWith([]byte("store: {dsn: \"${TOCSIN_DB}\"}\n"), Options{Getenv: env(nil), Sections: []string{"store"}})
	if err == nil || !strings.Contains(err.Error(), "store.dsn (line 1)") {
		t.Errorf("unset store variable: %v", err)
	}
	// A typo is a typo wherever it is.
	_, err = ParseWith([]byte("discord: {tokn: x}\n"), Options{Getenv: env(nil), Sections: []string{"store"}})
	if err == nil || !strings.Contains(err.Error(), "unknown key tokn") {
		t.Errorf("unknown key outside scope: %v", err)
	}
}

func TestDurationDays(t *testing.T) {
	c, err := Parse([]byte("store: {retention: 30d}\nalerts: {quiet_after: 1d12h}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.Retention.D().Hours() != 720 || c.Alerts.QuietAfter.D().Hours() != 36 {
		t.Errorf("retention %v, quiet_after %v", c.Store.Retention, c.Alerts.QuietAfter)
	}
	if _, err := Parse([]byte("store: {retention: xd}\n"), env(nil)); err == nil || !strings.Contains(err.Error(), "not a duration") {
		t.Errorf("bad days: %v", err)
	}
	if _, err := Parse([]byte("store: {retention: 10m}\n"), env(nil)); err == nil || !strings.Contains(err.Error(), "store.retention") {
		t.Errorf("ten-minute retention accepted: %v", err)
	}
}

func TestSourceLabels(t *testing.T) {
	c, err := Parse([]byte(`
sources:
  - {id: a, kind: feed, url: "https://example.org/rss", labels: {region: sahel, trust: wire}}
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Sources[0].Labels["region"] != "sahel" || c.Sources[0].Labels["trust"] != "wire" {
		t.Errorf("labels = %v", c.Sources[0].Labels)
	}
	_, err = Parse([]byte(`
sources:
  - {id: a, kind: feed, url: "https://example.org/rss", labels: {Region: x, trust: "", desk: "a\nb"}}
`), env(nil))
	for _, want := range []string{"sources[0].labels.Region", "sources[0].labels.trust: empty value", "sources[0].labels.desk: value must be one line"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad labels: error lacks %q: %v", want, err)
		}
	}
}

package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default() invalid: %v", err)
	}
	if c.HTTP.Addr != "127.0.0.1:8080" || c.Store.DSN != "tocsin.db" || !c.Console.Enabled || len(c.Sources) != 0 {
		t.Errorf("unexpected defaults: %+v", c)
	}
}

func TestParseFull(t *testing.T) {
	dir := t.TempDir()
	tok := filepath.Join(dir, "tok")
	os.WriteFile(tok, []byte("s3cret\n"), 0o600)
	src := `
log: {level: debug, format: json}
http:
  addr: ${ADDR:-127.0.0.1:9999}
  push_token_file: ` + tok + `
store: {dsn: "${DB}"}
sources:
  - {id: wire, kind: feed, url: "https://example.org/rss", interval: 2m, full_text: true}
  - {id: seeds, kind: folder, path: ./seeds}
alerts:
  min_severity: high
  corroboration: {high: 2}
`
	c, err := Parse([]byte(src), env(map[string]string{"DB": "/var/lib/tocsin.db"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "127.0.0.1:9999" || c.Store.DSN != "/var/lib/tocsin.db" || c.HTTP.PushToken.Reveal() != "s3cret" {
		t.Errorf("expansion/secret file: %+v", c.HTTP)
	}
	if c.Sources[0].Interval.D() != 2*time.Minute || !c.Sources[0].FullText || c.Sources[1].Path != "./seeds" {
		t.Errorf("sources = %+v", c.Sources)
	}
	// Maps merge onto defaults: high overridden, others kept.
	if c.Alerts.Corroboration["high"] != 2 || c.Alerts.Corroboration["low"] != 2 {
		t.Errorf("corroboration = %v", c.Alerts.Corroboration)
	}
	// The secret never prints.
	b, _ := json.Marshal(c.HTTP)
	for _, out := range []string{fmt.Sprint(c.HTTP), fmt.Sprintf("%+v %#v", c.HTTP, c.HTTP.PushToken), string(b)} {
		if strings.Contains(out, "s3cret") {
			t.Errorf("secret leaked: %s", out)
		}
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	src := `
log: {level: loud}
htp: {addr: x}
poller: {workers: 0, timeout: 5 parsecs}
`
	_, err := Parse([]byte(src), env(nil))
	if err == nil {
		t.Fatal("bad config accepted")
	}
	msg := err.Error()
	// Decoding problems (unknown key, bad duration) come with line numbers.
	for _, want := range []string{"line 3", "unknown key htp", "line 4", "not a duration"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	src = `
log: {level: loud}
poller: {workers: 0}
sources:
  - {id: a, kind: feed, url: "ftp://x"}
  - {id: a, kind: folder}
  - {kind: carrier-pigeon}
alerts: {min_severity: apocalyptic, dup_threshold: 2}
console: {format: xml}
store: {dsn: "${MISSING:-}"}
`
	_, err = Parse([]byte(src), env(nil))
	if err == nil {
		t.Fatal("bad config accepted")
	}
	errs, ok := err.(Errors)
	if !ok {
		t.Fatalf("error is %T, want Errors", err)
	}
	paths := map[string]bool{}
	for _, e := range errs {
		paths[e.Path] = true
	}
	for _, want := range []string{"log.level", "poller.workers", "sources[0].url", "sources[1].id", "sources[1].path",
		"sources[2].id", "sources[2].kind", "alerts.min_severity", "alerts.dup_threshold", "console.format", "store.dsn"} {
		if !paths[want] {
			t.Errorf("no problem reported at %s; got %v", want, err)
		}
	}
}

func TestMissingEnvIsAnError(t *testing.T) {
	_, err := Parse([]byte("store: {dsn: ${TOCSIN_DB}}\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "TOCSIN_DB is not set") || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("err = %v", err)
	}
	// Comments are not expanded.
	if _, err := Parse([]byte("# ${NOPE}\n"), env(nil)); err != nil {
		t.Errorf("comment expanded: %v", err)
	}
}

// TestExampleConfig: the documented example parses strictly and its values
// are the defaults it claims.
func TestExampleConfig(t *testing.T) {
	c, err := Load("../config.example.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	d.Sources = []Source{} // "sources: []" in the example
	got, _ := json.Marshal(c)
	want, _ := json.Marshal(d)
	if string(got) != string(want) {
		t.Errorf("example differs from defaults:\n got %s\nwant %s", got, want)
	}
}

// TestExampleDocumentsEveryKey: every key of the config (each a field of
// Default(), at any depth) is shown in config.example.yaml, set or in a
// comment, so a new key cannot go undocumented.
func TestExampleDocumentsEveryKey(t *testing.T) {
	raw, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	var walk func(rt reflect.Type, path string)
	walk = func(rt reflect.Type, path string) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		// The notifiers' sections and route specs live in their own
		// packages of the module: walk those too.
		if rt.Kind() != reflect.Struct || !strings.HasPrefix(rt.PkgPath(), "github.com/tocsin-alerts/tocsin/") {
			return
		}
		for i := range rt.NumField() {
			tag := rt.Field(i).Tag.Get("yaml")
			name := strings.Split(tag, ",")[0]
			if strings.Contains(tag, ",inline") {
				walk(rt.Field(i).Type, path)
				continue
			}
			if name == "" || name == "-" {
				continue
			}
			keys = append(keys, path+name)
			walk(rt.Field(i).Type, path+name+".")
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	for _, k := range []string{"slack.channels.mention", "webhook.endpoints.secret_file", "alerts.inhibit_rules.source.max_severity",
		"matrix.rooms.labels"} {
		if !slices.Contains(keys, k) {
			t.Errorf("the walk missed %s: a key in another package would go unchecked", k)
		}
	}
	text := string(raw)
	for _, k := range keys {
		leaf := k[strings.LastIndex(k, ".")+1:]
		if !regexp.MustCompile(`(?m)(^|[\s{,#-])` + regexp.QuoteMeta(leaf) + `:`).MatchString(text) {
			t.Errorf("config.example.yaml does not show %s", k)
		}
	}
	if len(keys) < 60 {
		t.Errorf("only %d keys found", len(keys))
	}
}

func TestWebTokens(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "admin")
	if err := os.WriteFile(file, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte("web: {read_token: readreadreadread1, admin_token_file: "+file+"}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Web.AdminToken.Reveal() != "0123456789abcdef0123" || c.Web.ReadToken.Reveal() != "readreadreadread1" {
		t.Errorf("tokens not read: %q %q", c.Web.AdminToken.Reveal(), c.Web.ReadToken.Reveal())
	}
	for _, tc := range []struct{ yaml, path string }{
		{"web: {read_token: short}", "web.read_token"},
		{"web: {read_token: samesamesamesame1, admin_token: samesamesamesame1}", "web.admin_token"},
		{"web: {admin_token: x, admin_token_file: " + file + "}", "web.admin_token_file"},
		{"web: {preview_reports: 0}", "web.preview_reports"},
	} {
		_, err := Parse([]byte(tc.yaml+"\n"), env(nil))
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 || errs[0].Path != tc.path {
			t.Errorf("%s: err = %v, want a problem at %s", tc.yaml, err, tc.path)
		}
		if err != nil && strings.Contains(err.Error(), "samesame") {
			t.Errorf("error shows the token: %v", err)
		}
	}
}

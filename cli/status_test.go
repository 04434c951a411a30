package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/store"
)

// TestStatusShowsWhoOnlyWithTheToken: `tocsin status` lists each silence
// in force by id, matchers and end; who added it and why only when it has
// an API token (the config's, or --token / TOCSIN_API_TOKEN equal to it),
// as GET /status does. It never prints a token, and it still needs none of
// the config's other secrets.
func TestStatusShowsWhoOnlyWithTheToken(t *testing.T) {
	const full, read = "full-token-0123456789", "read-token-0123456789"
	dir := t.TempDir()
	db := filepath.Join(dir, "tocsin.db")
	ctx := context.Background()
	s, err := store.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := s.AddSilence(ctx, alerts.NewSilence([]alerts.Matcher{{Kind: alerts.SilencePlace, Value: "Kharkiv"},
		{Kind: alerts.SilenceCategory, Value: "airstrike"}}, now.Add(4*time.Hour), "ana@desk", "covered by the live desk", now)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withTokens := write("tokens.yaml", "store: {dsn: "+db+"}\nhttp: {api_token: "+full+", api_read_token: "+read+"}\n"+
		"discord:\n  token: ${DISCORD_TOKEN}\n  application_id: \"123456789012345678\"\n")
	noTokens := write("plain.yaml", "store: {dsn: "+db+"}\n")
	unsetToken := write("unset.yaml", "store: {dsn: "+db+"}\nhttp:\n  api_read_token: ${API_READ_TOKEN}\n")

	run := func(env map[string]string, args ...string) (int, string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := Main(ctx, Env{Args: append([]string{"status"}, args...), Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Getenv: func(k string) string { return env[k] }})
		for _, tok := range []string{full, read} {
			if strings.Contains(out.String()+errb.String(), tok) {
				t.Errorf("status %v prints a token:\n%s%s", args, out.String(), errb.String())
			}
		}
		return code, out.String(), errb.String()
	}
	for _, tc := range []struct {
		name   string
		env    map[string]string
		args   []string
		detail bool
		note   string // on stderr
	}{
		{"the config's token", nil, []string{"--config", withTokens}, true, ""},
		{"--token equal to the read token", nil, []string{"--config", withTokens, "--token", read}, true, ""},
		{"TOCSIN_API_TOKEN equal to the full token", map[string]string{"TOCSIN_API_TOKEN": full}, []string{"--config", withTokens}, true, ""},
		{"a wrong token", nil, []string{"--config", withTokens, "--token", "wrong-token-0123456789"}, false, "neither http.api_token"},
		{"no token in the config", nil, []string{"--config", noTokens}, false, ""},
		{"only the store", nil, []string{"--db", db}, false, ""},
		{"a token and nothing to check it against", nil, []string{"--db", db, "--token", read}, false, "no http.api_token"},
		{"the config's token unreadable", nil, []string{"--config", unsetToken, "--token", read}, false, "cannot be read"},
	} {
		code, out, errOut := run(tc.env, tc.args...)
		if code != ExitOK || !strings.Contains(out, "silences in force: 1") || !strings.Contains(out, "place=Kharkiv") ||
			!strings.Contains(out, "category=airstrike") || !strings.Contains(out, "sil-") {
			t.Errorf("%s: exit %d, want the silence's id and matchers:\n%s\n%s", tc.name, code, out, errOut)
			continue
		}
		if got := strings.Contains(out, "ana@desk") && strings.Contains(out, "covered by the live desk"); got != tc.detail {
			t.Errorf("%s: who and why shown = %v, want %v:\n%s", tc.name, got, tc.detail, out)
		}
		if !tc.detail && (strings.Contains(out, "ana@desk") || !strings.Contains(out, "who added them and why")) {
			t.Errorf("%s: want the silence without who and why, and the hint:\n%s", tc.name, out)
		}
		if tc.note != "" && !strings.Contains(errOut, tc.note) || tc.note == "" && errOut != "" {
			t.Errorf("%s: stderr %q, want %q", tc.name, errOut, tc.note)
		}
	}
}

// TestPrintCluster: tocsin status lists every replica seen or holding
// something, marks the leader and counts what each holds.
func TestPrintCluster(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ago := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return now.Sub(t).String() + " ago"
	}
	var b bytes.Buffer
	printCluster(&b, app.ClusterStatus{Store: "postgres", Leader: "web-2",
		Replicas: []store.Replica{{ID: "web-1", SeenAt: now.Add(-3 * time.Second)}, {ID: "web-2", SeenAt: now.Add(-time.Second)}},
		Holdings: map[string]store.Holding{"web-2": {Sources: []string{"a", "b"}, OutboxLeases: 1}, "gone-9": {Sources: []string{"c"}}},
	}, ago)
	out := b.String()
	for _, want := range []string{"leader: web-2", "web-1  ", "3s ago", "gone-9", "never"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("want a header, a table header and 3 replicas:\n%s", out)
	}
	if f := strings.Fields(lines[4]); len(f) < 5 || f[0] != "web-2" || f[1] != "yes" || f[len(f)-2] != "2" || f[len(f)-1] != "1" {
		t.Errorf("leader row = %q; want web-2, yes, 2 sources, 1 lease", lines[4])
	}
	b.Reset()
	printCluster(&b, app.ClusterStatus{Store: "sqlite"}, ago)
	if !strings.Contains(b.String(), "the one process (SQLite)") {
		t.Errorf("sqlite cluster: %s", b.String())
	}
}

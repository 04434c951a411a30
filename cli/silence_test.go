package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/config"
)

// runningTocsin starts a tocsin with the API on a loopback port, polling
// a folder with the Aleppo seed story, and returns a config file naming
// its address and token, as an operator's would.
func runningTocsin(t *testing.T) (cfgPath string, a *app.App) {
	t.Helper()
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	if err := os.Mkdir(inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../seeds/aleppo-offensive.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inbox, "aleppo.txt"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Store.DSN = filepath.Join(dir, "tocsin.db")
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.HTTP.APIToken = "cli-token-0123456789"
	cfg.Sources = []config.Source{{ID: "desk", Kind: "folder", Path: inbox, AlertBacklog: true}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err = app.New(context.Background(), cfg, app.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second): // failure guard only
			t.Error("Run did not return")
		}
	})
	cfgPath = filepath.Join(dir, "tocsin.yaml")
	yaml := "http:\n  addr: " + a.Addr() + "\n  api_token_file: " + filepath.Join(dir, "token") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("cli-token-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, a
}

// TestSilenceAndIncidentsCommands drives the amtool-style commands against
// a running tocsin: add (matchers, duration, comment), list (table, json,
// ids), expire, and incidents (list with filters, one with its timeline).
func TestSilenceAndIncidentsCommands(t *testing.T) {
	cfg, _ := runningTocsin(t)
	code, out, errs := runCLI(t, "", "silence", "add", "place=Kharkiv", "labels.trust=social", "--duration", "6h",
		"--comment", "live desk covers it", "--author", "ops", "-c", cfg)
	id := strings.TrimSpace(out)
	if code != ExitOK || !strings.HasPrefix(id, "sil-") {
		t.Fatalf("silence add = %d %q %q", code, out, errs)
	}
	code, out, errs = runCLI(t, "", "silence", "list", "-c", cfg)
	if code != ExitOK || !strings.Contains(out, id) || !strings.Contains(out, "place=Kharkiv label=region") &&
		!strings.Contains(out, "place=Kharkiv label=trust=social") || !strings.Contains(out, "live desk covers it") {
		t.Errorf("silence list = %d\n%s%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "", "silence", "list", "-q", "-c", cfg)
	if code != ExitOK || strings.TrimSpace(out) != id {
		t.Errorf("silence list -q = %d %q", code, out)
	}
	// A typo is the server's answer, with the closest category, exit 2.
	code, _, errs = runCLI(t, "", "silence", "add", "category=airstrik", "--comment", "x", "-c", cfg)
	if code != ExitUsage || !strings.Contains(errs, "did you mean airstrike") {
		t.Errorf("silence add with a typo = %d %q", code, errs)
	}
	// No comment, a bad matcher: usage errors before any request.
	for _, args := range [][]string{{"silence", "add", "place=Gao"}, {"silence", "add", "city=Gao", "--comment", "x"}} {
		if code, _, errs := runCLI(t, "", append(args, "-c", cfg)...); code != ExitUsage || errs == "" {
			t.Errorf("%v = %d %q", args, code, errs)
		}
	}
	// No token: refused, and told where the token comes from.
	code, _, errs = runCLI(t, "", "silence", "list", "--url", "http://"+strings.TrimPrefix(readAddr(t, cfg), "http://"))
	if code != ExitFailure || !strings.Contains(errs, "--token") {
		t.Errorf("silence list without token = %d %q", code, errs)
	}
	code, out, errs = runCLI(t, "", "silence", "expire", id, "-c", cfg)
	if code != ExitOK || !strings.Contains(out, "expired "+id) {
		t.Errorf("silence expire = %d %q %q", code, out, errs)
	}
	code, out, _ = runCLI(t, "", "silence", "list", "--expired", "--output", "json", "-c", cfg)
	var list []struct{ ID, State string }
	if code != ExitOK || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].ID != id || list[0].State != "expired" {
		t.Errorf("silence list --expired -o json = %d %s", code, out)
	}
	if code, _, errs = runCLI(t, "", "silence", "expire", "sil-none", "-c", cfg); code != ExitUsage || !strings.Contains(errs, "404") {
		t.Errorf("expire unknown = %d %q", code, errs)
	}

	// incidents: the Aleppo story, once the poller has seen it.
	var incID string
	deadline := time.Now().Add(20 * time.Second) // failure guard
	for incID == "" {
		code, out, errs = runCLI(t, "", "incidents", "--place", "Syria", "--output", "json", "-c", cfg)
		var incs []struct{ ID string }
		if code == ExitOK && json.Unmarshal([]byte(out), &incs) == nil && len(incs) == 1 {
			incID = incs[0].ID
		} else if time.Now().After(deadline) {
			t.Fatalf("incidents --place Syria = %d %s %s", code, out, errs)
		}
		time.Sleep(25 * time.Millisecond)
	}
	if code, out, _ = runCLI(t, "", "incidents", "--place", "Ukraine", "-c", cfg); code != ExitOK || strings.Contains(out, incID) {
		t.Errorf("incidents --place Ukraine = %d %s", code, out)
	}
	code, out, errs = runCLI(t, "", "incidents", incID, "-c", cfg)
	if code != ExitOK || !strings.Contains(out, "timeline:") || !strings.Contains(out, "opened") || !strings.Contains(out, "Aleppo") {
		t.Errorf("incidents %s = %d\n%s%s", incID, code, out, errs)
	}
	if code, _, errs = runCLI(t, "", "incidents", "--severity", "urgent", "-c", cfg); code != ExitUsage || !strings.Contains(errs, "severity") {
		t.Errorf("incidents --severity urgent = %d %q", code, errs)
	}
}

func readAddr(t *testing.T, cfg string) string {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "addr: "); ok {
			return v
		}
	}
	t.Fatal("no addr in config")
	return ""
}

package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/seeds"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for the dispatcher goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testConfig(t *testing.T) *config.Config {
	cfg := config.Default()
	cfg.Store.DSN = filepath.Join(t.TempDir(), "tocsin.db")
	cfg.HTTP.Addr = ""
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestSeedStoryAlertsWithDefaultRules is the product's promise: with no
// config at all, one cycle over the seeds prints the Aleppo alert.
//
// It uses the real built-in rules (rules.Default). Until the rules engine
// lands, it skips (and only then) when the built-in rules find no evidence
// in the seed story.
func TestSeedStoryAlertsWithDefaultRules(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	seed, err := seeds.FS.ReadFile("aleppo-offensive.txt")
	if err != nil {
		t.Fatal(err)
	}
	if res := set.Score(report.ParseText("aleppo-offensive.txt", seed)); len(res.Evidence) == 0 {
		t.Fatal("the built-in rules find no evidence in the seed story")
	}
	var out syncBuffer
	cfg := testConfig(t)
	a, err := app.New(context.Background(), cfg, app.Deps{Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	st, sent, err := a.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Sources != 1 || sent == 0 {
		t.Fatalf("once = %+v, sent %d", st, sent)
	}
	text := out.String()
	if !strings.Contains(text, "OPENED") || !strings.Contains(text, "Aleppo") {
		t.Fatalf("no Aleppo alert printed:\n%s", text)
	}
	// A second run on the same store prints nothing new.
	a.Stop()
	out2 := &syncBuffer{}
	a2, err := app.New(context.Background(), cfg, app.Deps{Stdout: out2})
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Stop()
	if _, _, err := a2.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out2.String() != "" {
		t.Errorf("second run re-printed alerts:\n%s", out2.String())
	}
}

// pushRecorder records alerts delivered through the app's notifier list.
type pushRecorder struct {
	mu  sync.Mutex
	got []alerts.Alert
}

func (p *pushRecorder) Name() string { return "recorder" }
func (p *pushRecorder) Notify(_ context.Context, a alerts.Alert) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, a)
	return false, nil
}

// TestRunServesHTTPAndStops runs the service on a loopback port: health,
// readiness, the app's own metrics, the push endpoint's auth; then cancels
// and checks Run returns and stops everything.
func TestRunServesHTTPAndStops(t *testing.T) {
	cfg := testConfig(t)
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.HTTP.PushToken = "tok"
	cfg.Console.Enabled = false
	// A push token means this is no demo: the seeds are a configured source.
	cfg.Sources = []config.Source{{ID: "seeds", Kind: "folder", Path: "../seeds"}}
	rec := &pushRecorder{}
	a, err := app.New(context.Background(), cfg, app.Deps{Notifiers: []alerts.Notifier{rec}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	base := "http://" + a.Addr()

	get := func(path string) (int, string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second) // failure guard while Run starts
		for {
			resp, err := http.Get(base + path)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK || time.Now().After(deadline) {
					return resp.StatusCode, string(b)
				}
			} else if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v", path, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, "rules_version") {
		t.Errorf("/readyz = %d %s", code, body)
	}
	if code, body := get("/status"); code != 200 || !strings.Contains(body, `"id":"seeds"`) || !strings.Contains(body, `"rules_reload":"ok"`) {
		t.Errorf("/status = %d %s", code, body)
	}
	_, metrics := get("/metrics")
	for _, m := range []string{"tocsin_rules_last_reload_success 1", "tocsin_reports_scored_total", "go_goroutines"} {
		if !strings.Contains(metrics, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	body := `{"guid":"p1","title":"Pushed","text":"Pushed report text.","outlet":"Test"}`
	resp, err := http.Post(base+"/v1/reports", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("push without token = %d; want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", base+"/v1/reports", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("push with token = %d; want 202", resp.StatusCode)
	}
	// Accepted means stored and scored.
	known, err := a.Store.Known(context.Background(), []string{"guid:push:p1"})
	if err != nil || len(known) != 1 {
		t.Errorf("pushed report not stored: %v %v", known, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(30 * time.Second): // failure guard only
		t.Fatal("Run did not return after cancel")
	}
	if err := a.Stop(); err != nil {
		t.Errorf("second Stop = %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("HTTP server still serving after Run returned")
	}
}

func writeDefaultRules(t *testing.T, dir string) {
	files, err := rules.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRulesReloadKeepsOldRulesOnBadEdit: a broken edit is refused, the old
// rules stay live and the failure is visible; a fixed edit is picked up by
// the file watcher; SIGHUP (the hup channel) reloads too.
func TestRulesReloadKeepsOldRulesOnBadEdit(t *testing.T) {
	dir := t.TempDir()
	writeDefaultRules(t, dir)
	st, _ := storetest.SQLite(t)
	r, err := app.NewRules(dir, st, prometheus.NewRegistry(), discard())
	if err != nil {
		t.Fatalf("load default rules from a dir: %v", err)
	}
	v1 := r.Version()
	bad := filepath.Join(dir, "zz-broken.yaml")
	if err := os.WriteFile(bad, []byte("rules:\n  - id: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(context.Background()); err == nil {
		t.Fatal("broken rule file accepted")
	}
	if r.Version() != v1 || r.Last().OK || r.Last().Err == "" {
		t.Fatalf("after bad edit: version %s (was %s), last %+v", r.Version(), v1, r.Last())
	}
	// The failure is visible in status, with the live version unchanged.
	status, err := app.ReadStatus(context.Background(), st)
	if err != nil || !strings.HasPrefix(status.RulesReload, "error: ") || status.RulesVersion != v1 {
		t.Errorf("status after bad edit = %q version %q, %v", status.RulesReload, status.RulesVersion, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal, 1)
	watched := make(chan struct{})
	go func() { defer close(watched); r.Watch(ctx, hup, 50*time.Millisecond) }()
	// Fixing the file (removing it) is seen by the watcher. The watcher
	// starts asynchronously, so keep touching a rule file until it reloads.
	os.Remove(bad)
	files, _ := rules.DefaultFiles()
	var name string
	var content []byte
	for name, content = range files {
		break
	}
	waitFor(t, func() bool {
		if r.Last().OK {
			return true
		}
		os.WriteFile(filepath.Join(dir, name), content, 0o644)
		time.Sleep(100 * time.Millisecond)
		return r.Last().OK
	})
	if r.Version() != v1 {
		t.Errorf("after fix: version %s, want %s", r.Version(), v1)
	}
	before := r.Last().At
	hup <- os.Interrupt // any signal value: the channel is the SIGHUP channel
	waitFor(t, func() bool { return !r.Last().At.Equal(before) })
	cancel()
	<-watched
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second) // failure guard only
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestNewFailsCleanly: a broken rules directory at start is a clear error,
// and what was already built (the store) is released.
func TestNewFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("rules:\n  - id: [unclosed\n"), 0o644)
	cfg := testConfig(t)
	cfg.Rules.Dir = dir
	cfg.HTTP.Addr = "127.0.0.1:0"
	a, err := app.New(context.Background(), cfg, app.Deps{})
	if err == nil || a != nil {
		t.Fatalf("New with broken rules = %v, %v", a, err)
	}
	if !strings.Contains(err.Error(), "bad.yaml") {
		t.Errorf("error does not name the file: %v", err)
	}
	// A second start on the same store works once the rules are fixed.
	os.Remove(filepath.Join(dir, "bad.yaml"))
	writeDefaultRules(t, dir)
	a, err = app.New(context.Background(), cfg, app.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	a.Stop()
}

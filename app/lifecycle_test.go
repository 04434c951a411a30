package app_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/store"
)

// stuckWriter is stdout piped to a process that never reads: the first
// write blocks until the test ends.
type stuckWriter struct {
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func newStuckWriter(t *testing.T) *stuckWriter {
	w := &stuckWriter{entered: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() { close(w.release) })
	return w
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.entered) })
	<-w.release
	return 0, errors.New("reader gone")
}

// startRun runs a until the returned cancel; wait returns Run's error, or
// fails the test if Run has not returned within the guard.
func startRun(t *testing.T, a *app.App) (cancel func(), wait func() error) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(stop)
	return stop, func() error {
		t.Helper()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second): // failure guard only
			t.Fatal("Run did not return after its context ended")
			return nil
		}
	}
}

func waitClosed(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(20 * time.Second): // failure guard only
		t.Fatalf("%s: not within 20s", what)
	}
}

// TestShutdownWithStdoutNobodyReads: stdout is a pipe nobody reads, so the
// console's write blocks for good. SIGTERM used to leave tocsin hanging
// (40 s and counting, nothing logged); it must stop within shutdown_timeout,
// say so, return no error, and keep the alert pending for the next start.
func TestShutdownWithStdoutNobodyReads(t *testing.T) {
	cfg := testConfig(t)
	cfg.ShutdownTimeout = config.Duration(500 * time.Millisecond)
	out := newStuckWriter(t)
	var logs syncBuffer
	a, err := app.New(context.Background(), cfg, app.Deps{Stdout: out, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	cancel, wait := startRun(t, a)
	waitClosed(t, "the console blocked in a write", out.entered)
	cancel()
	if err := wait(); err != nil {
		t.Errorf("Run after SIGTERM = %v; want nil (a requested stop)", err)
	}
	for _, want := range []string{"shutting down", "msg=stopped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	s, err := store.Open(context.Background(), cfg.Store.DSN, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if depth, _ := s.OutboxDepth(context.Background()); depth[store.OutboxPending] == 0 || depth[store.OutboxFailed] != 0 {
		t.Errorf("outbox after the stop = %v; want the undelivered alerts still pending", depth)
	}
}

// slowNotifier is a notifier that is busy (a platform rate-limiting it):
// every send lasts until its context ends.
type slowNotifier struct {
	once    sync.Once
	entered chan struct{}
}

func (s *slowNotifier) Name() string { return "slow" }
func (s *slowNotifier) Notify(ctx context.Context, _ alerts.Alert) (bool, error) {
	s.once.Do(func() { close(s.entered) })
	<-ctx.Done()
	return true, ctx.Err()
}

// TestBusyShutdownStaysWithinTimeout: a notifier busy with a long send (30 s
// send timeout) used to hold the shutdown past shutdown_timeout, which then
// exited 1. Every step now shares one deadline; the stop is clean.
func TestBusyShutdownStaysWithinTimeout(t *testing.T) {
	cfg := testConfig(t)
	cfg.ShutdownTimeout = config.Duration(500 * time.Millisecond)
	cfg.Console.Enabled = false
	slow := &slowNotifier{entered: make(chan struct{})}
	a, err := app.New(context.Background(), cfg, app.Deps{Notifiers: []alerts.Notifier{slow}})
	if err != nil {
		t.Fatal(err)
	}
	cancel, wait := startRun(t, a)
	waitClosed(t, "the notifier busy with a send", slow.entered)
	cancel()
	if err := wait(); err != nil {
		t.Errorf("Run = %v; want nil", err)
	}
}

// fetch gets an HTTP endpoint of the app and returns status and body.
func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestReadyzWhenTheStoreTakesNoWrites: another process holds the SQLite
// write lock (as a stuck backup or migration would), so nothing can be
// recorded. /readyz used to stay 200 and no metric moved.
func TestReadyzWhenTheStoreTakesNoWrites(t *testing.T) {
	cfg := testConfig(t)
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Console.Enabled = false
	a, err := app.New(context.Background(), cfg, app.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	cancel, wait := startRun(t, a)
	base := "http://" + a.Addr()
	waitFor(t, func() bool { code, _ := fetch(t, base+"/readyz"); return code == 200 })

	// The other process waits its turn for the lock like tocsin does (the
	// app may be writing right now), then holds it.
	other, err := sql.Open("sqlite", "file:"+cfg.Store.DSN+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	code, body := fetch(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "store takes no writes") {
		t.Errorf("/readyz with the store locked = %d %s; want 503 naming the store", code, body)
	}
	if _, m := fetch(t, base+"/metrics"); !strings.Contains(m, "tocsin_store_writable 0") || !strings.Contains(m, "tocsin_ready 0") {
		t.Errorf("metrics do not show the unwritable store:\n%s", grepLines(m, "tocsin_store_writable", "tocsin_ready"))
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if code, body := fetch(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz after the lock was released = %d %s", code, body)
	}
	cancel()
	if err := wait(); err != nil {
		t.Error(err)
	}
}

// downNotifier fails every send, retryably.
type downNotifier struct{}

func (downNotifier) Name() string { return "down" }
func (downNotifier) Notify(context.Context, alerts.Alert) (bool, error) {
	return true, errors.New("503 service unavailable")
}

// TestReadyzWhenTheOutboxIsStuck: alerts recorded but not delivered for
// longer than outbox.stuck_after make /readyz fail and show in the metrics.
func TestReadyzWhenTheOutboxIsStuck(t *testing.T) {
	cfg := testConfig(t)
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Console.Enabled = false
	cfg.Outbox.StuckAfter = config.Duration(5 * time.Minute)
	clock := poller.NewManualClock(time.Now())
	a, err := app.New(context.Background(), cfg, app.Deps{Clock: clock, Notifiers: []alerts.Notifier{downNotifier{}}})
	if err != nil {
		t.Fatal(err)
	}
	cancel, wait := startRun(t, a)
	base := "http://" + a.Addr()
	waitFor(t, func() bool {
		depth, _ := a.Store.OutboxDepth(context.Background())
		return depth[store.OutboxPending] > 0
	})
	if code, body := fetch(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz with a fresh pending alert = %d %s; want 200", code, body)
	}
	clock.Advance(6 * time.Minute)
	code, body := fetch(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "outbox stuck") {
		t.Errorf("/readyz with an alert 6 minutes undelivered = %d %s; want 503 naming the outbox", code, body)
	}
	if _, m := fetch(t, base+"/metrics"); !strings.Contains(m, "tocsin_ready 0") || strings.Contains(m, "tocsin_outbox_oldest_pending_seconds 0\n") {
		t.Errorf("metrics do not show the stuck outbox:\n%s", grepLines(m, "tocsin_ready", "tocsin_outbox_oldest"))
	}
	cancel()
	if err := wait(); err != nil {
		t.Error(err)
	}
}

func grepLines(s string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}

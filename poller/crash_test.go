package poller_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/delivery"
	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/store"
)

// Environment of the crash child process.
const (
	envChild       = "TOCSIN_CRASH_CHILD"        // run as the child: one cycle
	envCrash       = "TOCSIN_CRASH_AFTER_RECORD" // exit 137 right after the commit that recorded an alert
	envChildDB     = "TOCSIN_CRASH_DB"
	envChildFeed   = "TOCSIN_CRASH_FEED"
	envChildOutput = "TOCSIN_CRASH_OUT"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		if err := crashChild(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fileNotifier appends one line per delivered alert to a file: delivery is
// observable across processes.
type fileNotifier struct {
	mu   sync.Mutex
	path string
}

func (f *fileNotifier) Name() string { return "file" }

func (f *fileNotifier) Notify(_ context.Context, a alerts.Alert) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fh, err := os.OpenFile(f.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return true, err
	}
	defer fh.Close()
	b, _ := json.Marshal(map[string]string{"id": a.ID, "kind": string(a.Kind)})
	_, err = fh.Write(append(b, '\n'))
	return true, err
}

// crashChild is one tocsin process: poll once, deliver, exit. With
// envCrash set it dies (like kill -9: no deferred cleanup, no flush) right
// after the transaction that recorded the alert committed, before delivery.
func crashChild() error {
	ctx := context.Background()
	s, err := store.Open(ctx, os.Getenv(envChildDB), nil)
	if err != nil {
		return err
	}
	if err := s.SyncSources(ctx, []store.SourceSpec{{ID: "wire", Kind: poller.KindFeed, URL: os.Getenv(envChildFeed), Interval: time.Hour}}); err != nil {
		return err
	}
	disp, err := delivery.New(delivery.Options{Outbox: s, Notifiers: []alerts.Notifier{&fileNotifier{path: os.Getenv(envChildOutput)}},
		Backoff: func(int) time.Duration { return time.Second }})
	if err != nil {
		return err
	}
	wake := disp.Wake
	if os.Getenv(envCrash) != "" {
		wake = func() { os.Exit(137) }
	}
	p, err := poller.New(poller.Options{Store: s, Scorer: &kwScorer{}, Policy: alerts.DefaultPolicy(), Notifiers: disp.Names(),
		Wake: wake, Fetcher: &poller.Sources{Feed: feed.NewFetcher(feed.Options{Timeout: 10 * time.Second})},
		Backoff: func(int) time.Duration { return time.Minute }})
	if err != nil {
		return err
	}
	if _, err := p.Tick(ctx); err != nil {
		return err
	}
	_, err = disp.Drain(ctx)
	return err
}

func runChild(t *testing.T, env ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, envChild+"=1")...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	return 0, string(out)
}

// TestCrashBetweenRecordAndSendDeliversOnce kills a process right after the
// alert was recorded and before it was sent, restarts on the same SQLite
// file, and checks the alert was delivered exactly once.
func TestCrashBetweenRecordAndSendDeliversOnce(t *testing.T) {
	dir := t.TempDir()
	db, out := filepath.Join(dir, "tocsin.db"), filepath.Join(dir, "delivered.jsonl")
	wire := newFeed(t, "Wire", item{"w1", "Rebels storm Aleppo", "Rebel fighters storm Aleppo.", time.Now()})
	env := []string{envChildDB + "=" + db, envChildFeed + "=" + wire.URL, envChildOutput + "=" + out}

	code, log := runChild(t, append(env, envCrash+"=1")...)
	if code != 137 {
		t.Fatalf("crashing child exited %d, want 137:\n%s", code, log)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("crashing child delivered before dying")
	}
	for i := 0; i < 2; i++ { // restart, then restart again
		if code, log := runChild(t, env...); code != 0 {
			t.Fatalf("restart %d exited %d:\n%s", i, code, log)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("nothing delivered after restart: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"kind":"opened"`) {
		t.Fatalf("deliveries = %q; want exactly one opened", lines)
	}
	s := reopen(t, db)
	depth, _ := s.OutboxDepth(context.Background())
	if depth[store.OutboxSent] != 1 || depth[store.OutboxPending] != 0 {
		t.Errorf("outbox = %v", depth)
	}
}

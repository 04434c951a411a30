package delivery_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/delivery"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

var t0 = time.Date(2025, 3, 2, 5, 0, 0, 0, time.UTC)

// fake is a notifier whose behaviour the test sets per call.
type fake struct {
	name string
	mu   sync.Mutex
	got  []string
	// do decides each call: nil records the alert.
	do func(ctx context.Context, a alerts.Alert) (bool, error)
}

func (f *fake) Name() string { return f.name }
func (f *fake) Notify(ctx context.Context, a alerts.Alert) (bool, error) {
	if f.do != nil {
		if retry, err := f.do(ctx, a); err != nil {
			return retry, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, a.ID)
	return false, nil
}

func (f *fake) ids() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got...)
}

// record stores n opened incidents and their events for the notifiers.
func record(t *testing.T, s *store.Store, n int, notifiers ...string) []alerts.Alert {
	t.Helper()
	var b store.Batch
	for i := range n {
		inc := alerts.Incident{ID: "inc-" + string(rune('a'+i)), Title: "Strike", Location: "Kharkiv, Ukraine",
			Categories: []string{"airstrike"}, Severity: rules.SevHigh, Seq: 1, Alerted: true, FirstSeen: t0, LastSeen: t0}
		b.Incidents = append(b.Incidents, inc)
		b.Alerts = append(b.Alerts, alerts.Alert{ID: inc.ID + "/1-opened", Kind: alerts.Opened, Incident: inc, At: t0})
	}
	b.Notifiers = notifiers
	if err := s.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	return b.Alerts
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newDispatcher(t *testing.T, s *store.Store, c *clock, ns ...alerts.Notifier) *delivery.Dispatcher {
	t.Helper()
	d, err := delivery.New(delivery.Options{Outbox: s, Notifiers: ns, MaxAttempts: 3, Clock: c, SendTimeout: time.Minute,
		Backoff: func(n int) time.Duration { return time.Duration(n) * time.Minute }})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second) // failure guard only
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSlowNotifierHoldsUpNoOther: one notifier stuck in a send (a platform
// rate-limiting it) must not delay another: each has its own lane.
func TestSlowNotifierHoldsUpNoOther(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		release := make(chan struct{})
		slow := &fake{name: "slow", do: func(ctx context.Context, _ alerts.Alert) (bool, error) {
			select {
			case <-release:
				return false, nil
			case <-ctx.Done():
				return true, ctx.Err()
			}
		}}
		quick := &fake{name: "quick"}
		record(t, s, 3, "slow", "quick")
		d := newDispatcher(t, s, &clock{t0}, slow, quick)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); d.Run(ctx) }()
		waitUntil(t, "the quick notifier delivered all three while the slow one is stuck", func() bool { return len(quick.ids()) == 3 })
		close(release)
		waitUntil(t, "the slow notifier caught up", func() bool { return len(slow.ids()) == 3 })
		cancel()
		<-done
	})
}

// TestRetryGiveUpAndPanics: a retryable failure is retried after its
// backoff and given up after MaxAttempts; a final failure is given up at
// once; a notifier that panics is retried, not a crash.
func TestRetryGiveUpAndPanics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := &clock{t0}
		down := &fake{name: "down", do: func(context.Context, alerts.Alert) (bool, error) { return true, errors.New("503") }}
		refuses := &fake{name: "refuses", do: func(context.Context, alerts.Alert) (bool, error) { return false, errors.New("400 bad payload") }}
		calls := 0
		panics := &fake{name: "panics", do: func(context.Context, alerts.Alert) (bool, error) {
			calls++
			if calls == 1 {
				panic("boom")
			}
			return false, nil
		}}
		as := record(t, s, 1, "down", "refuses", "panics")
		d := newDispatcher(t, s, c, down, refuses, panics)
		for i := range 3 {
			if _, err := d.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			c.t = c.t.Add(time.Duration(i+1) * time.Minute) // the backoff of that attempt
		}
		rows, err := s.OutboxFor(ctx, as[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]struct {
			state    string
			attempts int
		}{"down": {store.OutboxFailed, 3}, "refuses": {store.OutboxFailed, 1}, "panics": {store.OutboxSent, 2}}
		for _, r := range rows {
			if w := want[r.Notifier]; r.State != w.state || r.Attempts != w.attempts {
				t.Errorf("%s: %s after %d attempts (%s); want %s after %d", r.Notifier, r.State, r.Attempts, r.LastError, w.state, w.attempts)
			}
		}
	})
}

// TestShutdownReleasesTheSendItCut: a send cut by shutdown is not counted
// as an attempt and its row is claimable again at once (not after its
// lease), so the next start sends it.
func TestShutdownReleasesTheSendItCut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		entered := make(chan struct{})
		var once sync.Once
		stuck := &fake{name: "stuck", do: func(ctx context.Context, _ alerts.Alert) (bool, error) {
			once.Do(func() { close(entered) })
			<-ctx.Done()
			return true, ctx.Err()
		}}
		as := record(t, s, 1, "stuck")
		d := newDispatcher(t, s, &clock{t0}, stuck)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); d.Run(ctx) }()
		<-entered
		cancel()
		<-done
		rows, _ := s.OutboxFor(context.Background(), as[0].ID)
		if len(rows) != 1 || rows[0].State != store.OutboxPending || rows[0].Attempts != 0 {
			t.Fatalf("after the cut send: %+v; want pending, no attempt counted", rows)
		}
		again, err := s.ClaimOutbox(context.Background(), t0, 1, []string{"stuck"}, time.Minute)
		if err != nil || len(again) != 1 {
			t.Errorf("the released row is not claimable at once: %v, %v", again, err)
		}
	})
}

// TestTwoDispatchersSendEachAlertOnce: two dispatchers (a final drain beside
// Run, or two replicas) on one outbox never send an alert twice.
func TestTwoDispatchersSendEachAlertOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := &fake{name: "n"}
		record(t, s, 20, "n")
		c := &clock{t0}
		a, b := newDispatcher(t, s, c, n), newDispatcher(t, s, c, n)
		var wg sync.WaitGroup
		for _, d := range []*delivery.Dispatcher{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := d.Drain(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for _, id := range n.ids() {
			seen[id]++
		}
		if len(seen) != 20 {
			t.Errorf("delivered %d distinct alerts; want 20", len(seen))
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("%s delivered %d times", id, k)
			}
		}
	})
}

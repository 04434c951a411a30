package deliverytest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
)

// Platform is a notifier on a loopback platform that can be made to fail:
// what RunFaults needs beyond Run's Factory.
type Platform struct {
	// New returns a notifier on the platform; each call is a new instance
	// on the same refs, as a restarted process would build.
	New func() alerts.Notifier
	// Read returns the platform's messages in the order they were made.
	Read ReadBack
	// Fail makes the platform answer the next n requests with status
	// (429 with Retry-After: 1).
	Fail func(status, n int)
}

// PlatformFactory builds a Platform; RunFaults calls it once per subtest.
type PlatformFactory func(t *testing.T) Platform

// Lifecycle is the suite incident's life at high severity: opened, a
// second outlet (a full update), escalated to critical, resolved.
func Lifecycle() []alerts.Alert {
	inc := Incident()
	inc.Severity = rules.SevHigh
	out := []alerts.Alert{Opened(inc)}
	upd := QuietUpdate(inc)
	upd.Quiet, upd.Kind, upd.Reason = false, alerts.Updated, "another source reported it"
	out = append(out, upd)
	esc := Escalated(upd.Incident)
	out = append(out, esc)
	return append(out, Resolved(esc.Incident))
}

// RunFaults runs the cases issue 10 names that need a platform's faults:
// an incident's events in order, exactly once across a restart, a 5xx
// retried (never lost, never doubled), a 429 with Retry-After waited out.
func RunFaults(t *testing.T, f PlatformFactory) {
	t.Run("an incident's events arrive in order, the latest state shown", func(t *testing.T) {
		p := f(t)
		n := p.New()
		for _, a := range Lifecycle() {
			mustNotify(t, n, a)
		}
		all := joined(p.Read(t))
		last := -1
		for _, want := range []string{"updated", "escalated", "resolved"} {
			i := strings.LastIndex(strings.ToLower(all), want)
			if i < 0 || i < last {
				t.Errorf("%q missing or out of order:\n%s", want, all)
			}
			last = i
		}
		if !containsFold(all, "Beta Wire") {
			t.Errorf("the update's new source is not shown:\n%s", all)
		}
	})
	t.Run("exactly once across a retry and a restart", func(t *testing.T) {
		p := f(t)
		evs := Lifecycle()
		mustNotify(t, p.New(), evs[0])
		mustNotify(t, p.New(), evs[1])
		before := p.Read(t)
		// The same alerts again: the outbox retrying after a lost answer,
		// and a restarted process replaying what it had not marked sent.
		mustNotify(t, p.New(), evs[0])
		mustNotify(t, p.New(), evs[1])
		if after := p.Read(t); len(after) != len(before) || joined(after) != joined(before) {
			t.Errorf("delivering again changed the platform: %d messages before, %d after", len(before), len(after))
		}
	})
	t.Run("a 5xx is retried, and delivered once", func(t *testing.T) {
		p := f(t)
		n := p.New()
		p.Fail(503, 1)
		// The notifier may retry within its attempt (a webhook does) or
		// hand the alert back to the outbox: either way, never lose it.
		retry, err := notifyBounded(t, n, context.Background(), Lifecycle()[0])
		if err != nil && !retry {
			t.Fatalf("Notify during a 503 failed for good (%v): the alert would be lost", err)
		}
		if err != nil {
			mustNotify(t, n, Lifecycle()[0])
		}
		if msgs := p.Read(t); len(msgs) != 1 {
			t.Errorf("after the retry the platform has %d messages, want 1", len(msgs))
		}
	})
	t.Run("a 429 with Retry-After is waited out", func(t *testing.T) {
		p := f(t)
		p.Fail(429, 1)
		mustNotify(t, p.New(), Lifecycle()[0])
		if msgs := p.Read(t); len(msgs) != 1 {
			t.Errorf("after the rate limit the platform has %d messages, want 1", len(msgs))
		}
	})
}

// MemRefs keeps a notifier's refs in memory (a test's notifier_refs),
// shared by the notifiers of one Platform.
type MemRefs struct {
	mu sync.Mutex
	m  map[string]string
}

// GetRef returns a stored value.
func (r *MemRefs) GetRef(_ context.Context, key string) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[key]
	return v, ok, nil
}

// PutRef stores a value.
func (r *MemRefs) PutRef(_ context.Context, key, value string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]string{}
	}
	r.m[key] = value
	return nil
}

// Forget drops the refs whose key starts with prefix: a crash between a
// platform's answer and the write of what it answered.
func (r *MemRefs) Forget(prefix string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.m {
		if strings.HasPrefix(k, prefix) {
			delete(r.m, k)
		}
	}
}

// Refs is where a notifier records what it did (bot.Refs, notify.Refs).
type Refs interface {
	GetRef(ctx context.Context, key string) (string, bool, error)
	PutRef(ctx context.Context, key, value string) error
}

// ErrKilled is the write a dead process did not make.
var ErrKilled = errors.New("the process died before this write")

// CutRefs is refs on which a process dies at its CutAt-th write (counted
// from 1; 0 never): that write and every later one fail with ErrKilled,
// so a test can put a SIGKILL before each write of an attempt in turn.
// Puts counts the writes made.
type CutRefs struct {
	Refs
	CutAt, Puts int
}

// PutRef writes through, until the cut.
func (r *CutRefs) PutRef(ctx context.Context, key, value string) error {
	if r.CutAt > 0 && r.Puts+1 >= r.CutAt {
		return ErrKilled
	}
	if err := r.Refs.PutRef(ctx, key, value); err != nil {
		return err
	}
	r.Puts++
	return nil
}

// Faults is the failure switch a loopback platform embeds for
// Platform.Fail: the next n requests are answered with a status.
type Faults struct {
	mu   sync.Mutex
	n    int
	code int
}

// Fail makes the next n requests fail with status.
func (f *Faults) Fail(status, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.code, f.n = status, n
}

// Take returns the status the current request must fail with, or 0.
func (f *Faults) Take() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		return 0
	}
	f.n--
	return f.code
}

// Package notifytest is the conformance suite the chat notifiers (webhook,
// Slack, Telegram, Matrix) pass against their loopback platforms: what an
// alert shows, an incident's events in order on one living message,
// exactly once across retries and a restart, hostile report text that
// pings no one, a 5xx retried by the outbox and a 429 waited out.
//
// It is the smallest suite issue 10 asks for, written while the delivery
// stage's own suite (issue 13, delivery/deliverytest) had not landed; when
// it lands, these notifiers join that suite and this one goes.
package notifytest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// Message is one message as the platform holds it, latest version.
type Message struct {
	Text string
	// Pings are whom the platform notified for it, as it computes them.
	Pings []string
}

// Rig is a notifier on a fresh loopback platform.
type Rig struct {
	// Notifier returns a notifier on the platform; each call is a new
	// instance on the same refs, as a restarted process would build.
	Notifier func() alerts.Notifier
	// Read returns the platform's messages in the order they were made.
	Read func() []Message
	// Fail makes the platform answer the next n requests with status
	// (429 comes with Retry-After: 1).
	Fail func(status, n int)
}

// Factory builds a Rig; Run calls it once per subtest.
type Factory func(t *testing.T) Rig

var t0 = time.Date(2025, 3, 2, 5, 10, 0, 0, time.UTC)

// Incident is the suite's incident: a high missile strike on Kharkiv.
func Incident() alerts.Incident {
	return alerts.Incident{ID: "inc-0c0ffee123", Title: "Russian missiles strike Kharkiv apartment blocks",
		Location: "Kharkiv, Ukraine", Categories: []string{"airstrike"}, Severity: rules.SevHigh, Corroboration: 1,
		Sources: []alerts.SourceRef{{Source: "alpha", Outlet: "Alpha Wire", Title: "Missiles hit Kharkiv",
			URL: "https://alpha.example/kharkiv", Seen: t0, Labels: report.NewLabels(map[string]string{"region": "europe"})}},
		Evidence: []rules.Evidence{{Rule: "missile-strike", Category: "airstrike", Severity: rules.SevHigh,
			Sentence: "Russian missiles struck two apartment blocks in Kharkiv.", Why: "missile strike on a city"}},
		Summary:   "Russian missiles struck two apartment blocks in Kharkiv, killing at least 14 people.",
		FirstSeen: t0, LastSeen: t0, Alerted: true, Seq: 1, LastAlertAt: t0}
}

// Event is the incident's event of kind after seq changes.
func Event(inc alerts.Incident, kind alerts.EventKind, reason string) alerts.Alert {
	return alerts.Alert{ID: inc.ID + "/" + string(rune('0'+inc.Seq)) + "-" + string(kind), Kind: kind, Incident: inc,
		Report: report.Report{Source: "alpha", Outlet: "Alpha Wire", Title: inc.Title, URL: "https://alpha.example/kharkiv"},
		Reason: reason, At: inc.LastSeen}
}

// Lifecycle is opened, updated (a second outlet), escalated to critical
// and resolved.
func Lifecycle() []alerts.Alert {
	inc := Incident()
	out := []alerts.Alert{Event(inc, alerts.Opened, "new incident")}
	inc.Seq, inc.Corroboration = 2, 2
	inc.Sources = append(inc.Sources, alerts.SourceRef{Source: "beta", Outlet: "Beta Wire", Title: "Kharkiv struck", Seen: t0})
	out = append(out, Event(inc, alerts.Updated, "another source reported it"))
	inc.Seq, inc.Severity = 3, rules.SevCritical
	esc := Event(inc, alerts.Escalated, "severity rose")
	esc.PrevSeverity = rules.SevHigh
	out = append(out, esc)
	inc.Seq, inc.ResolvedAt = 4, t0.Add(time.Hour)
	res := Event(inc, alerts.Resolved, "de-escalation reported for the place")
	res.PrevSeverity = rules.SevCritical
	return append(out, res)
}

// Hostile is an opening whose every text field is hostile.
func Hostile() alerts.Alert {
	inc := Incident()
	bad := "@everyone @here @room <!channel> <!everyone> <@U0123ABCD> <@&234567890123456789> @some_user_name " +
		"<script>alert(1)</script> <b>bold</b> *bold* _it_ [click](https://evil.example) \x1b[31mred\x1b[0m \u202eevil \xff\xfe broken &amp; &"
	inc.ID, inc.Title, inc.Location = "inc-hostile01", bad, bad
	inc.Summary = strings.Repeat(bad+" ", 400)
	inc.Categories = []string{bad}
	inc.Sources = []alerts.SourceRef{{Source: bad, Outlet: bad, Title: bad, URL: "javascript:alert(1)", Seen: t0}}
	inc.Evidence = []rules.Evidence{{Rule: bad, Category: bad, Severity: rules.SevCritical, Sentence: strings.Repeat(bad, 50), Why: bad}}
	a := Event(inc, alerts.Opened, bad)
	a.Report.Title, a.Report.Outlet = bad, bad
	return a
}

// Run runs the suite.
func Run(t *testing.T, f Factory) {
	t.Run("opened shows what, where and how bad", func(t *testing.T) {
		r := f(t)
		mustNotify(t, r.Notifier(), Lifecycle()[0])
		all := joined(r.Read())
		for _, want := range []string{"Russian missiles strike Kharkiv", "Kharkiv, Ukraine", "HIGH", "Alpha Wire", "killing at least 14"} {
			if !strings.Contains(all, want) {
				t.Errorf("the platform does not show %q:\n%s", want, all)
			}
		}
	})
	t.Run("an incident's events in order, latest state shown", func(t *testing.T) {
		r := f(t)
		n := r.Notifier()
		for _, a := range Lifecycle() {
			mustNotify(t, n, a)
		}
		msgs := r.Read()
		all := joined(msgs)
		// The events appear in the order they happened.
		last := -1
		for _, want := range []string{"updated", "escalated (high → critical)", "resolved"} {
			i := strings.LastIndex(all, want)
			if i < 0 || i < last {
				t.Errorf("%q missing or out of order:\n%s", want, all)
			}
			last = i
		}
		if !strings.Contains(all, "Beta Wire") {
			t.Errorf("the update's new source is not shown:\n%s", all)
		}
	})
	t.Run("exactly once across a retry and a restart", func(t *testing.T) {
		r := f(t)
		evs := Lifecycle()
		mustNotify(t, r.Notifier(), evs[0])
		mustNotify(t, r.Notifier(), evs[1])
		before := r.Read()
		// The same alerts again: the outbox retrying after a lost answer,
		// and a restarted process replaying what it had not marked sent.
		mustNotify(t, r.Notifier(), evs[0])
		mustNotify(t, r.Notifier(), evs[1])
		if after := r.Read(); len(after) != len(before) || joined(after) != joined(before) {
			t.Errorf("delivering again changed the platform: %d messages before, %d after", len(before), len(after))
		}
	})
	t.Run("hostile report text never pings and stays valid text", func(t *testing.T) {
		r := f(t)
		mustNotify(t, r.Notifier(), Hostile())
		msgs := r.Read()
		if len(msgs) == 0 {
			t.Fatal("a hostile alert reached nobody")
		}
		for i, m := range msgs {
			if len(m.Pings) > 0 {
				t.Errorf("message %d pinged %v", i, m.Pings)
			}
			if !utf8.ValidString(m.Text) || strings.ContainsAny(m.Text, "\x1b\u202e") {
				t.Errorf("message %d is not clean text: %q", i, m.Text)
			}
			if strings.Contains(m.Text, "<script>") {
				t.Errorf("message %d renders a script tag", i)
			}
		}
	})
	t.Run("a 5xx is retried by the outbox, once", func(t *testing.T) {
		r := f(t)
		n := r.Notifier()
		r.Fail(503, 1)
		retry, err := notify(t, n, context.Background(), Lifecycle()[0])
		if err == nil || !retry {
			t.Fatalf("Notify during a 503 = retry %v, %v; want a retryable error", retry, err)
		}
		mustNotify(t, n, Lifecycle()[0])
		if msgs := r.Read(); len(msgs) != 1 {
			t.Errorf("after the retry the platform has %d messages, want 1", len(msgs))
		}
	})
	t.Run("a 429 with Retry-After is waited out", func(t *testing.T) {
		r := f(t)
		r.Fail(429, 1)
		mustNotify(t, r.Notifier(), Lifecycle()[0])
		if msgs := r.Read(); len(msgs) != 1 {
			t.Errorf("after the rate limit the platform has %d messages, want 1", len(msgs))
		}
	})
	t.Run("a cancelled context makes Notify return, retryable", func(t *testing.T) {
		r := f(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if retry, err := notify(t, r.Notifier(), ctx, Lifecycle()[0]); err != nil && !retry {
			t.Errorf("Notify on a cancelled context failed for good (%v): the alert would be lost", err)
		}
	})
}

func mustNotify(t *testing.T, n alerts.Notifier, a alerts.Alert) {
	t.Helper()
	if retry, err := notify(t, n, context.Background(), a); err != nil {
		t.Fatalf("Notify(%s) = retry %v, %v", a.ID, retry, err)
	}
}

// notify bounds one Notify: a failure guard, not a measurement.
func notify(t *testing.T, n alerts.Notifier, ctx context.Context, a alerts.Alert) (bool, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	type res struct {
		retry bool
		err   error
	}
	done := make(chan res, 1)
	go func() {
		r, err := n.Notify(ctx, a)
		done <- res{r, err}
	}()
	select {
	case r := <-done:
		return r.retry, r.err
	case <-time.After(25 * time.Second):
		t.Fatalf("Notify(%s) did not return after its context ended", a.ID)
		return false, nil
	}
}

func joined(msgs []Message) string {
	parts := make([]string, len(msgs))
	for i, m := range msgs {
		parts[i] = m.Text
	}
	return strings.Join(parts, "\n---\n")
}

// MemRefs is an in-memory Refs for tests, shared by a rig's notifiers.
type MemRefs struct {
	mu sync.Mutex
	m  map[string]string
}

// GetRef implements notify.Refs.
func (r *MemRefs) GetRef(_ context.Context, key string) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[key]
	return v, ok, nil
}

// PutRef implements notify.Refs.
func (r *MemRefs) PutRef(_ context.Context, key, value string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]string{}
	}
	r.m[key] = value
	return nil
}

// Delete forgets a ref: a crash between the platform's answer and the
// write of what it answered.
func (r *MemRefs) Delete(prefix string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.m {
		if strings.HasPrefix(k, prefix) {
			delete(r.m, k)
		}
	}
}

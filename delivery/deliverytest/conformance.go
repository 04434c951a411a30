// Package deliverytest is the conformance suite every notifier passes: the
// console, Discord, and each new one (webhook, Slack, Telegram, Matrix).
//
// A notifier joins with one test:
//
//	func TestConformance(t *testing.T) {
//		deliverytest.Run(t, func(t *testing.T) (alerts.Notifier, deliverytest.ReadBack) {
//			platform := newLoopbackPlatform(t) // a fresh one per subtest
//			n := mynotifier.New(platform.URL, ...)
//			return n, func(t *testing.T) []deliverytest.Message { return platform.Messages() }
//		})
//	}
//
// The read-back reports what the platform holds now, as its members would
// see it: each message's visible text (content, embed titles, fields, ...;
// an edited message shows its latest text) and whom it notified. The suite
// drives one incident through its life and checks what every notifier
// owes its users: the alert shows what happened where and how bad; a quiet
// update and a model summary reach the living message without pinging
// anyone; the same alert delivered twice shows once; hostile report text
// pings no one and stays valid text; a cancelled context makes Notify
// return instead of hang.
package deliverytest

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// Message is one message as the platform holds it.
type Message struct {
	// Text is everything a member can read in it, in its latest version.
	Text string
	// Pings are those it notified ("everyone", "role:<id>", ...), as the
	// platform computes them; a console never notifies anyone.
	Pings []string
}

// ReadBack returns what the platform holds now.
type ReadBack func(t *testing.T) []Message

// Factory builds a notifier that delivers to a fresh platform, and the
// read-back of that platform. Run calls it once per subtest.
type Factory func(t *testing.T) (alerts.Notifier, ReadBack)

// notifyTimeout bounds one Notify in the suite: a failure guard, not a
// measurement.
const notifyTimeout = 20 * time.Second

// Run runs the conformance suite against the notifier f builds.
func Run(t *testing.T, f Factory) {
	t.Run("name", func(t *testing.T) {
		n, _ := f(t)
		name := n.Name()
		if !regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`).MatchString(name) || n.Name() != name {
			t.Errorf("Name() = %q: outbox rows are keyed by it, so it must be a stable lower-case word", name)
		}
	})
	t.Run("opened shows what, where, how bad and from whom", func(t *testing.T) {
		n, read := f(t)
		inc := Incident()
		mustNotify(t, n, Opened(inc))
		all := joined(read(t))
		for _, want := range []string{inc.Title, "Kharkiv", "critical", "Alpha Wire", inc.Summary} {
			if !containsFold(all, want) {
				t.Errorf("the platform's messages do not show %q:\n%s", want, all)
			}
		}
	})
	for _, q := range []struct {
		name, shows string
		event       func(alerts.Incident) alerts.Alert
	}{
		// A second source within the repeat interval: the living message
		// must show it (it used to stay at "1 source").
		{"quiet update reaches the living message and pings no one", "Beta Wire", QuietUpdate},
		{"model summary reaches the incident and pings no one", "rescuers are searching the rubble", func(inc alerts.Incident) alerts.Alert {
			return Summarized(inc, "Model summary: two apartment blocks were hit and rescuers are searching the rubble.")
		}},
	} {
		t.Run(q.name, func(t *testing.T) {
			n, read := f(t)
			inc := Incident()
			mustNotify(t, n, Opened(inc))
			before := read(t)
			mustNotify(t, n, q.event(inc))
			after := read(t)
			if !containsFold(joined(after), q.shows) {
				t.Errorf("after the quiet event no message shows %q (the message went stale):\n%s", q.shows, joined(after))
			}
			if p := pings(after) - pings(before); p > 0 {
				t.Errorf("a quiet event pinged %d more", p)
			}
		})
	}
	t.Run("escalation and resolution are shown", func(t *testing.T) {
		n, read := f(t)
		inc := Incident()
		inc.Severity = rules.SevHigh
		mustNotify(t, n, Opened(inc))
		esc := Escalated(inc)
		mustNotify(t, n, esc)
		mustNotify(t, n, Resolved(esc.Incident))
		all := joined(read(t))
		for _, want := range []string{"critical", "resolved"} {
			if !containsFold(all, want) {
				t.Errorf("after escalation and resolution the platform does not show %q:\n%s", want, all)
			}
		}
	})
	t.Run("the same alert twice is delivered once", func(t *testing.T) {
		n, read := f(t)
		a := Opened(Incident())
		mustNotify(t, n, a)
		before := read(t)
		mustNotify(t, n, a)
		after := read(t)
		if len(after) != len(before) || joined(after) != joined(before) {
			t.Errorf("delivering %s again changed the platform: %d messages before, %d after", a.ID, len(before), len(after))
		}
	})
	t.Run("hostile report text never pings and stays valid text", func(t *testing.T) {
		n, read := f(t)
		a := Opened(Hostile())
		retry, err := notifyBounded(t, n, context.Background(), a)
		if err != nil {
			t.Fatalf("Notify of a hostile alert failed (retry=%v): %v", retry, err)
		}
		msgs := read(t)
		if len(msgs) == 0 {
			t.Fatal("a hostile alert reached nobody")
		}
		for i, m := range msgs {
			if len(m.Pings) > 0 {
				t.Errorf("message %d pinged %v", i, m.Pings)
			}
			if !utf8.ValidString(m.Text) {
				t.Errorf("message %d is not valid UTF-8", i)
			}
		}
	})
	t.Run("a cancelled context makes Notify return", func(t *testing.T) {
		n, _ := f(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		retry, err := notifyBounded(t, n, ctx, Opened(Incident()))
		if err != nil && !retry {
			t.Errorf("Notify on a cancelled context failed for good (%v): the alert would be lost instead of retried", err)
		}
	})
}

func mustNotify(t *testing.T, n alerts.Notifier, a alerts.Alert) {
	t.Helper()
	if retry, err := notifyBounded(t, n, context.Background(), a); err != nil {
		t.Fatalf("Notify(%s) = retry %v, %v", a.ID, retry, err)
	}
}

// notifyBounded calls Notify and fails the test if it has not returned
// within notifyTimeout after its context could have ended.
func notifyBounded(t *testing.T, n alerts.Notifier, ctx context.Context, a alerts.Alert) (bool, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	defer cancel()
	type result struct {
		retry bool
		err   error
	}
	done := make(chan result, 1)
	go func() {
		r, err := n.Notify(ctx, a)
		done <- result{r, err}
	}()
	select {
	case r := <-done:
		return r.retry, r.err
	case <-time.After(notifyTimeout + 5*time.Second):
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

func pings(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		n += len(m.Pings)
	}
	return n
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

var t0 = time.Date(2025, 3, 2, 5, 10, 0, 0, time.UTC)

// Incident is the suite's incident: a critical missile strike on Kharkiv
// reported by one outlet, in the real category vocabulary.
func Incident() alerts.Incident {
	return alerts.Incident{
		ID: "inc-0c0ffee123", Title: "Russian missiles strike Kharkiv apartment blocks", Location: "Kharkiv, Ukraine",
		Categories: []string{"airstrike", "mass_casualty"}, Severity: rules.SevCritical, Corroboration: 1,
		Sources: []alerts.SourceRef{{Source: "alpha", Outlet: "Alpha Wire", Title: "Missiles hit Kharkiv",
			URL: "https://alpha.example/kharkiv", Seen: t0}},
		Evidence: []rules.Evidence{{Rule: "missile-strike", Category: "airstrike", Severity: rules.SevCritical,
			Sentence: "Russian missiles struck two apartment blocks in the centre of Kharkiv early on Sunday.",
			Why:      "missile strike on a city"}},
		Summary:   "Russian missiles struck two apartment blocks in Kharkiv, killing at least 14 people.",
		FirstSeen: t0, LastSeen: t0, Alerted: true, Seq: 1, LastAlertAt: t0,
	}
}

func event(inc alerts.Incident, kind alerts.EventKind, reason string) alerts.Alert {
	return alerts.Alert{ID: inc.ID + "/" + strconv.Itoa(inc.Seq) + "-" + string(kind), Kind: kind, Incident: inc,
		Report: report.Report{Source: "alpha", Outlet: "Alpha Wire", Title: inc.Title, URL: "https://alpha.example/kharkiv"},
		Reason: reason, At: inc.LastSeen}
}

// Opened is the incident's opening event.
func Opened(inc alerts.Incident) alerts.Alert { return event(inc, alerts.Opened, "new incident") }

// QuietUpdate folds a second outlet, Beta Wire, into the incident within the
// repeat interval.
func QuietUpdate(inc alerts.Incident) alerts.Alert {
	inc.Seq++
	inc.LastSeen = inc.LastSeen.Add(2 * time.Minute)
	inc.Sources = append(append([]alerts.SourceRef(nil), inc.Sources...), alerts.SourceRef{Source: "beta", Outlet: "Beta Wire",
		Title: "Kharkiv struck overnight", URL: "https://beta.example/kharkiv", Seen: inc.LastSeen})
	inc.Corroboration = 2
	a := event(inc, alerts.Updated, "another source reported it (message updated quietly: repeat interval not over)")
	a.Quiet = true
	return a
}

// Summarized brings a model's summary to the incident.
func Summarized(inc alerts.Incident, text string) alerts.Alert {
	inc.Seq++
	inc.Summary = text
	a := event(inc, alerts.Summarized, "model summary arrived")
	a.Quiet = true
	return a
}

// Escalated raises the incident to critical.
func Escalated(inc alerts.Incident) alerts.Alert {
	prev := inc.Severity
	inc.Seq++
	inc.Severity = rules.SevCritical
	inc.LastSeen = inc.LastSeen.Add(5 * time.Minute)
	a := event(inc, alerts.Escalated, "severity rose")
	a.PrevSeverity = prev
	return a
}

// Resolved closes the incident.
func Resolved(inc alerts.Incident) alerts.Alert {
	prev := inc.Severity
	inc.Seq++
	inc.ResolvedAt = inc.LastSeen.Add(time.Hour)
	a := event(inc, alerts.Resolved, "de-escalation reported for the place")
	a.PrevSeverity = prev
	return a
}

// Hostile is an incident whose every text field is hostile: mass mentions,
// role and user mentions, markup, a script tag, a masked link, terminal
// escapes, broken UTF-8 and a huge body.
func Hostile() alerts.Incident {
	inc := Incident()
	bad := "@everyone @here <@123456789012345678> <@&234567890123456789> <script>alert(1)</script> " +
		"[click](https://evil.example) \x1b[31mred\x1b[0m \xff\xfe broken"
	inc.ID = "inc-hostile01"
	inc.Title = bad
	inc.Location = bad
	inc.Summary = strings.Repeat(bad+" ", 400)
	inc.Categories = []string{bad}
	inc.Sources = []alerts.SourceRef{{Source: bad, Outlet: bad, Title: bad, URL: "javascript:alert(1)", Seen: t0}}
	inc.Evidence = []rules.Evidence{{Rule: bad, Category: bad, Severity: rules.SevCritical, Sentence: strings.Repeat(bad, 50), Why: bad}}
	return inc
}

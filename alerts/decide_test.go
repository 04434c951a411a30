package alerts

import (
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

var t0 = time.Date(2024, 11, 30, 12, 0, 0, 0, time.UTC)

func result(sev rules.Severity, place string, cats ...string) rules.Result {
	return rules.Result{Alert: true, Severity: sev, Location: place, Categories: cats, RulesVersion: "v1",
		Evidence: []rules.Evidence{{Rule: "r-" + sev.String(), Category: cats[0], Severity: sev, Sentence: "s"}}}
}

func rep(source, text string) report.Report {
	return report.Report{GUID: source + text, Source: source, Title: "T", Text: text}
}

func repURL(source, text, url string) report.Report {
	r := rep(source, text)
	r.URL = url
	return r
}

// deesc is the rules' verdict on a report that only de-escalates: no alert,
// the de_escalation category, and the place it is about.
func deesc(place string) rules.Result {
	return rules.Result{RulesVersion: "v1", Categories: []string{"de_escalation"}, Location: place,
		Evidence: []rules.Evidence{{Rule: "ceasefire-agreed", Category: "de_escalation", Sentence: "s"}}}
}

// open is an announced incident at t0 from source "a".
func openInc(sev rules.Severity) *Incident {
	inc := newIncident(result(sev, "Aleppo, Syria", "offensive"), rep("a", "Rebels entered Aleppo"), t0)
	inc.Alerted = true
	inc.Seq = 1
	inc.LastAlertAt = t0
	return &inc
}

func pending(sev rules.Severity) *Incident {
	inc := openInc(sev)
	inc.Alerted, inc.Seq, inc.LastAlertAt = false, 0, time.Time{}
	return inc
}

func TestDecide(t *testing.T) {
	p := DefaultPolicy() // min medium; low needs 2 sources; repeat 10m
	quiet := DefaultPolicy()
	quiet.RepeatInterval = 0
	resolved := openInc(rules.SevHigh)
	resolved.ResolvedAt = t0

	noAlert := rules.Result{RulesVersion: "v1"}
	calm := deesc("Aleppo, Syria")
	for _, tc := range []struct {
		name       string
		prev       *Incident
		res        rules.Result
		r          report.Report
		now        time.Time
		p          Policy
		wantAction Action
		wantEmit   EventKind
		wantReason Reason
		wantQuiet  bool
	}{
		// Nothing fires without evidence, with or without an incident.
		{"no evidence, no incident", nil, noAlert, rep("a", "Weather fine"), t0, p, Ignore, "", ReasonNoEvidence, false},
		// A high report with no incident opens and announces one.
		{"new high", nil, result(rules.SevHigh, "Aleppo, Syria", "offensive"), rep("a", "x"), t0, p, Open, Opened, ReasonNewIncident, false},
		// Below the minimum severity nothing is tracked.
		{"low below min", nil, result(rules.SevLow, "Aleppo, Syria", "threat"), rep("a", "x"), t0, p, Ignore, "", ReasonBelowMinSeverity, false},
		// When low is allowed but needs two sources, the first opens silently...
		{"low awaits corroboration", nil, result(rules.SevLow, "Aleppo, Syria", "threat"), rep("a", "x"), t0,
			Policy{MinSeverity: rules.SevLow, Corroboration: p.Corroboration}, Open, "", ReasonAwaitingCorroboration, false},
		// ...the same source again does not corroborate...
		{"same source does not corroborate", pending(rules.SevLow), result(rules.SevLow, "Aleppo, Syria", "offensive"), rep("a", "y"), t0.Add(time.Minute),
			Policy{MinSeverity: rules.SevLow, Corroboration: p.Corroboration}, Join, "", ReasonAwaitingCorroboration, false},
		// ...and a second source announces it as opened.
		{"second source corroborates", pending(rules.SevLow), result(rules.SevLow, "Aleppo, Syria", "offensive"), rep("b", "y"), t0.Add(time.Minute),
			Policy{MinSeverity: rules.SevLow, Corroboration: p.Corroboration}, Join, Opened, ReasonCorroborated, false},
		// A new source on an announced incident is an update once the repeat interval is over...
		{"new source after repeat interval", openInc(rules.SevHigh), result(rules.SevHigh, "Aleppo, Syria", "offensive"), rep("b", "y"), t0.Add(11 * time.Minute), p, Join, Updated, ReasonNewSource, false},
		// ...and before it a quiet update: the living message shows the new
		// source at once, but nothing is posted and nobody is pinged.
		{"new source within repeat interval", openInc(rules.SevHigh), result(rules.SevHigh, "Aleppo, Syria", "offensive"), rep("b", "y"), t0.Add(time.Minute), p, Join, Updated, ReasonThrottled, true},
		{"no repeat interval", openInc(rules.SevHigh), result(rules.SevHigh, "Aleppo, Syria", "offensive"), rep("b", "y"), t0.Add(time.Minute), quiet, Join, Updated, ReasonNewSource, false},
		// The same source again with nothing new to show is silent...
		{"same source again", openInc(rules.SevHigh), result(rules.SevHigh, "Aleppo, Syria", "offensive"), rep("a", "Rebels entered Aleppo"), t0.Add(time.Hour), p, Join, "", ReasonSameSource, false},
		// ...but a new article of that outlet (another URL, a new category)
		// brings the message up to date, quietly.
		{"same source, new article", openInc(rules.SevHigh), result(rules.SevHigh, "Aleppo, Syria", "offensive", "shelling"), repURL("a", "y", "https://a.example/2"), t0.Add(time.Hour), p, Join, Updated, ReasonRefresh, true},
		// A rise in severity is news even from the same source and within the repeat interval.
		{"escalation", openInc(rules.SevHigh), result(rules.SevCritical, "Aleppo, Syria", "offensive"), rep("a", "y"), t0.Add(time.Minute), p, Join, Escalated, ReasonSeverityRose, false},
		// A lower severity is not a de-escalation by itself.
		{"lower severity joins", openInc(rules.SevHigh), result(rules.SevMedium, "Aleppo, Syria", "offensive"), rep("b", "y"), t0.Add(time.Hour), p, Join, Updated, ReasonNewSource, false},
		// The rules' de-escalation verdict for the place resolves the incident.
		{"airport reopened", openInc(rules.SevHigh), calm, rep("c", "Aleppo airport reopened on Monday."), t0.Add(time.Hour), p, Close, Resolved, ReasonDeescalation, false},
		// A phrase without the rules' verdict resolves nothing (this used
		// to match "ceasefire" as a substring and close the incident).
		{"hopes for a ceasefire faded", openInc(rules.SevHigh), noAlert, rep("c", "Fighting went on in Aleppo as hopes for a ceasefire faded."), t0.Add(time.Hour), p, Ignore, "", ReasonNoEvidence, false},
		// A pending incident closes without an event: nobody heard of it.
		{"ceasefire on pending", pending(rules.SevHigh), calm, rep("c", "A ceasefire was agreed for Aleppo."), t0.Add(time.Hour), p, Close, "", ReasonDeescalation, false},
		// A resolved incident is not joined: a fresh report opens a new one.
		{"resolved prev opens anew", resolved, result(rules.SevHigh, "Aleppo, Syria", "offensive"), rep("b", "z"), t0.Add(time.Hour), p, Open, Opened, ReasonNewIncident, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before Incident
			if tc.prev != nil {
				before = cloneIncident(*tc.prev)
			}
			d, reason := Decide(tc.prev, tc.res, tc.r, tc.now, tc.p)
			if d.Action != tc.wantAction || d.Emit != tc.wantEmit || reason != tc.wantReason || d.Quiet != tc.wantQuiet {
				t.Fatalf("Decide = %v/%q/%q quiet=%v; want %v/%q/%q quiet=%v", d.Action, d.Emit, reason, d.Quiet,
					tc.wantAction, tc.wantEmit, tc.wantReason, tc.wantQuiet)
			}
			if tc.prev != nil && tc.prev.Corroboration != before.Corroboration {
				t.Errorf("Decide mutated prev")
			}
			if d.Action == Join && tc.prev != nil && d.Incident.ID != tc.prev.ID {
				t.Errorf("join changed incident id")
			}
		})
	}
}

func TestDecideDetails(t *testing.T) {
	p := DefaultPolicy()
	prev := openInc(rules.SevHigh)
	d, _ := Decide(prev, result(rules.SevCritical, "Aleppo, Syria", "airstrike"), rep("b", "y"), t0.Add(time.Minute), p)
	if d.Incident.Severity != rules.SevCritical || d.PrevSeverity != rules.SevHigh || d.Incident.Corroboration != 2 {
		t.Errorf("escalated incident = sev %v prev %v corr %d", d.Incident.Severity, d.PrevSeverity, d.Incident.Corroboration)
	}
	if len(d.Incident.Categories) != 2 {
		t.Errorf("categories not merged: %v", d.Incident.Categories)
	}
	a, inc := d.Alert(result(rules.SevCritical, "Aleppo, Syria", "airstrike"), rep("b", "y"), ReasonSeverityRose, t0.Add(time.Minute))
	if a.ID != prev.ID+"/2-escalated" || inc.Seq != 2 || a.PrevSeverity != rules.SevHigh || a.Reason != "severity rose" {
		t.Errorf("alert = %+v (seq %d)", a, inc.Seq)
	}
	// Silencing an opened event leaves the incident unannounced.
	d, _ = Decide(nil, result(rules.SevHigh, "Aleppo, Syria", "offensive"), rep("a", "x"), t0, p)
	s := d.Silence()
	if s.Emit != "" || s.Incident.Alerted {
		t.Errorf("silenced decision = %+v", s)
	}
	// Same inputs, same id: replays are stable.
	d2, _ := Decide(nil, result(rules.SevHigh, "Aleppo, Syria", "offensive"), rep("a", "x"), t0, p)
	if d.Incident.ID != d2.Incident.ID {
		t.Errorf("incident id not deterministic")
	}
}

func TestExpire(t *testing.T) {
	p := DefaultPolicy()
	for _, tc := range []struct {
		name   string
		inc    *Incident
		after  time.Duration
		emit   EventKind
		reason Reason
	}{
		// Inside the quiet period an incident stays open.
		{"active", openInc(rules.SevHigh), time.Hour, "", ReasonStillActive},
		// Past it, an announced incident resolves with an event...
		{"quiet announced", openInc(rules.SevHigh), 25 * time.Hour, Resolved, ReasonQuiet},
		// ...and a never-announced one closes silently.
		{"quiet pending", pending(rules.SevHigh), 25 * time.Hour, "", ReasonQuiet},
	} {
		d, r := Expire(*tc.inc, t0.Add(tc.after), p)
		if d.Emit != tc.emit || r != tc.reason {
			t.Errorf("%s: Expire = %q/%q; want %q/%q", tc.name, d.Emit, r, tc.emit, tc.reason)
		}
		if r == ReasonQuiet && d.Incident.Open() {
			t.Errorf("%s: expired incident still open", tc.name)
		}
	}
}

func TestReasonStrings(t *testing.T) {
	seen := map[string]bool{}
	for r := ReasonNoEvidence; r <= ReasonTooOld; r++ {
		s := r.String()
		if s == "" || seen[s] {
			t.Errorf("reason %d has empty or duplicate name %q", r, s)
		}
		seen[s] = true
	}
	if Reason(200).String() != "reason(200)" {
		t.Errorf("unknown reason = %q", Reason(200).String())
	}
}

package alerts

import (
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/rules"
)

// TestPlanReports runs batches through the whole pure plan (match, decide,
// silence, build the events) without a store, and checks what would be
// stored and delivered.
func TestPlanReports(t *testing.T) {
	p := DefaultPolicy()
	aleppo := result(rules.SevHigh, "Aleppo, Syria", "offensive")
	critical := result(rules.SevCritical, "Aleppo, Syria", "offensive", "airstrike")
	kharkiv := result(rules.SevHigh, "Kharkiv, Ukraine", "shelling")
	in := func(source, text string, res rules.Result) Input {
		return Input{Report: rep(source, text), Result: res, Summary: "summary of " + text}
	}
	mute := func(kind SilenceKind, v string) []Silence {
		return []Silence{{ID: "sil-1", Kind: kind, Value: v, ExpiresAt: t0.Add(24 * time.Hour)}}
	}
	for _, tc := range []struct {
		name     string
		open     []Incident
		in       []Input
		silences []Silence
		// events are "kind[~]:location" (~ marks a quiet event).
		events    []string
		incidents int
		links     int
		reasons   []Reason
	}{
		// Two reports about one place in one batch: one incident, the second
		// report folded in quietly (the repeat interval has not passed).
		{"one event, two outlets", nil, []Input{in("a", "one", aleppo), in("b", "two", aleppo)}, nil,
			[]string{"opened:Aleppo, Syria", "updated~:Aleppo, Syria"}, 1, 2, []Reason{ReasonNewIncident, ReasonThrottled}},
		// Two places in one batch: two incidents.
		{"two places", nil, []Input{in("a", "one", aleppo), in("a", "two", kharkiv)}, nil,
			[]string{"opened:Aleppo, Syria", "opened:Kharkiv, Ukraine"}, 2, 2, []Reason{ReasonNewIncident, ReasonNewIncident}},
		// An escalation in the batch after the opening.
		{"open then escalate", nil, []Input{in("a", "one", aleppo), in("b", "two", critical)}, nil,
			[]string{"opened:Aleppo, Syria", "escalated:Aleppo, Syria"}, 1, 2, []Reason{ReasonNewIncident, ReasonSeverityRose}},
		// A backlog report is stored but plans nothing.
		{"backlog", nil, []Input{{Report: rep("a", "old"), Result: aleppo, Backlog: true}}, nil,
			nil, 0, 0, []Reason{ReasonBacklog}},
		// A silenced place: the incident is tracked but not announced.
		{"silenced place", nil, []Input{in("a", "one", aleppo)}, mute(SilencePlace, "Syria"),
			nil, 1, 1, []Reason{ReasonSilenced}},
		// A silence on another category does not apply.
		{"other silence", nil, []Input{in("a", "one", aleppo)}, mute(SilenceCategory, "shelling"),
			[]string{"opened:Aleppo, Syria"}, 1, 1, []Reason{ReasonNewIncident}},
		// The rules' de-escalation for the open incident's place resolves it.
		{"resolved", []Incident{*openInc(rules.SevHigh)}, []Input{in("c", "calm", deesc("Aleppo, Syria"))}, nil,
			[]string{"resolved:Aleppo, Syria"}, 1, 1, []Reason{ReasonDeescalation}},
		// A ceasefire for a place closes every open incident there, and none
		// elsewhere.
		{"ceasefire closes the place", []Incident{*openInc(rules.SevHigh), func() Incident {
			i := *openInc(rules.SevMedium)
			i.ID = "inc-aleppo-2"
			return i
		}(), func() Incident {
			i := *openInc(rules.SevHigh)
			i.ID, i.Location = "inc-k", "Kharkiv, Ukraine"
			return i
		}()}, []Input{in("c", "calm", deesc("Aleppo, Syria"))}, nil,
			[]string{"resolved:Aleppo, Syria", "resolved:Aleppo, Syria"}, 2, 2, []Reason{ReasonDeescalation, ReasonDeescalation}},
		// Reports that alert on nothing plan nothing.
		{"nothing", nil, []Input{in("a", "weather", rules.Result{})}, nil, nil, 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			openBefore := len(tc.open)
			pl := PlanReports(tc.open, tc.in, tc.silences, p, t0.Add(time.Hour))
			var got []string
			for _, a := range pl.Alerts {
				q := ""
				if a.Quiet {
					q = "~"
				}
				got = append(got, string(a.Kind)+q+":"+a.Incident.Location)
			}
			if strings.Join(got, " ") != strings.Join(tc.events, " ") {
				t.Errorf("events = %q; want %q", got, tc.events)
			}
			if len(pl.Incidents) != tc.incidents || len(pl.Links) != tc.links {
				t.Errorf("plan stores %d incidents, %d links; want %d, %d", len(pl.Incidents), len(pl.Links), tc.incidents, tc.links)
			}
			var reasons []Reason
			for _, s := range pl.Steps {
				reasons = append(reasons, s.Reason)
			}
			if len(reasons) != len(tc.reasons) {
				t.Fatalf("reasons = %v; want %v", reasons, tc.reasons)
			}
			for i := range reasons {
				if reasons[i] != tc.reasons[i] {
					t.Errorf("reason %d = %v; want %v", i, reasons[i], tc.reasons[i])
				}
			}
			if len(tc.open) != openBefore {
				t.Errorf("PlanReports changed the caller's open incidents")
			}
			// Every event's incident is stored in the state the event shows.
			for _, a := range pl.Alerts {
				found := false
				for _, inc := range pl.Incidents {
					found = found || (inc.ID == a.Incident.ID && inc.Seq >= a.Incident.Seq)
				}
				if !found {
					t.Errorf("event %s has no stored incident", a.ID)
				}
			}
		})
	}
}

// TestPlanKeepsSummaryAcrossUpdates: the report that opens (or escalates) an
// incident writes its summary; later updates keep it, so a model's better
// text is not overwritten by the next outlet's extractive one.
func TestPlanKeepsSummaryAcrossUpdates(t *testing.T) {
	p := DefaultPolicy()
	p.RepeatInterval = 0
	now := t0.Add(time.Hour)
	pl := PlanReports(nil, []Input{{Report: rep("a", "one"), Result: result(rules.SevHigh, "Aleppo, Syria", "offensive"), Summary: "first"}}, nil, p, now)
	inc := pl.Incidents[0]
	inc.Summary = "model text"
	pl = PlanReports([]Incident{inc}, []Input{{Report: rep("b", "two"), Result: result(rules.SevHigh, "Aleppo, Syria", "offensive"), Summary: "second"}}, nil, p, now)
	if got := pl.Alerts[0]; got.Kind != Updated || got.Incident.Summary != "model text" {
		t.Errorf("update = %s with summary %q; want updated keeping %q", got.Kind, got.Incident.Summary, "model text")
	}
	pl = PlanReports(pl.Incidents, []Input{{Report: rep("c", "three"), Result: result(rules.SevCritical, "Aleppo, Syria", "offensive"), Summary: "third"}}, nil, p, now)
	if got := pl.Alerts[0]; got.Kind != Escalated || got.Incident.Summary != "third" {
		t.Errorf("escalation = %s with summary %q; want escalated with %q", got.Kind, got.Incident.Summary, "third")
	}
}

func TestPlanSummary(t *testing.T) {
	now := t0.Add(time.Minute)
	base := Alert{ID: "inc/1-opened", Kind: Opened, Incident: *openInc(rules.SevHigh)}
	base.Incident.Summary = "extractive"
	cur := base.Incident
	resolved := cur
	resolved.ResolvedAt = now
	escalated := cur
	escalated.Severity, escalated.Summary = rules.SevCritical, "escalation's extractive"
	unannounced := cur
	unannounced.Alerted = false
	for _, tc := range []struct {
		name string
		cur  Incident
		text string
		want bool
	}{
		// The model's text arrives for an incident that is as it was: a
		// quiet "summarized" event.
		{"arrives", cur, "A model summary.", true},
		// Nothing to say, or nothing new.
		{"empty", cur, "  ", false},
		{"same", cur, "extractive", false},
		// The incident moved on meanwhile: the text is about an old state.
		{"resolved meanwhile", resolved, "A model summary.", false},
		{"escalated meanwhile", escalated, "A model summary.", false},
		{"never announced", unannounced, "A model summary.", false},
	} {
		pl := PlanSummary(tc.cur, base, tc.text, now)
		if got := len(pl.Alerts) == 1; got != tc.want {
			t.Errorf("%s: planned %d events; want event=%v", tc.name, len(pl.Alerts), tc.want)
			continue
		}
		if !tc.want {
			continue
		}
		a, inc := pl.Alerts[0], pl.Incidents[0]
		if a.Kind != Summarized || !a.Quiet || a.Incident.Summary != "A model summary." || inc.Summary != "A model summary." {
			t.Errorf("%s: event %s quiet=%v summary %q, incident summary %q", tc.name, a.Kind, a.Quiet, a.Incident.Summary, inc.Summary)
		}
		if inc.Seq != cur.Seq+1 || !inc.LastAlertAt.Equal(cur.LastAlertAt) {
			t.Errorf("%s: seq %d→%d, last alert %v→%v; a quiet event takes a seq but does not restart the repeat interval",
				tc.name, cur.Seq, inc.Seq, cur.LastAlertAt, inc.LastAlertAt)
		}
	}
}

func TestPlanExpiry(t *testing.T) {
	p := DefaultPolicy()
	active := *openInc(rules.SevHigh)
	stale := *openInc(rules.SevHigh)
	stale.ID = "inc-stale"
	active.LastSeen = t0.Add(24 * time.Hour)
	pl := PlanExpiry([]Incident{active, stale}, p, t0.Add(25*time.Hour))
	if len(pl.Incidents) != 1 || pl.Incidents[0].ID != "inc-stale" || pl.Incidents[0].Open() {
		t.Fatalf("expiry plan = %+v; want only the stale incident, resolved", pl.Incidents)
	}
	if len(pl.Alerts) != 1 || pl.Alerts[0].Kind != Resolved || pl.Alerts[0].Reason != ReasonQuiet.String() {
		t.Errorf("expiry events = %+v", pl.Alerts)
	}
}

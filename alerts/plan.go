package alerts

import (
	"slices"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// Input is one new or changed report, scored, for PlanReports.
type Input struct {
	Report report.Report
	Result rules.Result
	// Summary is the report's extractive summary, written before planning
	// (no model is waited for); it becomes the incident's summary when the
	// report opens or escalates the incident.
	Summary string
	// Backlog marks a report that was already in its source when tocsin
	// first polled it: stored and scored, never alerted.
	Backlog bool
	// TooOld marks a report published before what the store keeps
	// (store.retention): stored and scored, never alerted.
	TooOld bool
}

// Step is one decision of a plan, as logged: "why did (not) this fire?".
type Step struct {
	// Identity is the report's; empty for expiry and summaries.
	Identity   string
	IncidentID string
	Action     Action
	Emit       EventKind
	Quiet      bool
	Reason     Reason
	Severity   rules.Severity
	Location   string
	// Silence is the silence that dropped the event, when one did.
	Silence *Silence
	// InhibitedBy is the incident whose inhibition rule held the event
	// back, when one did.
	InhibitedBy string
}

// Plan is what a batch of decisions changes: the incidents (each once, in
// its final state), the events to deliver, and the links of reports to the
// incidents they joined. The caller stores all of it in one transaction, so
// an event is recorded exactly when the change that caused it is.
type Plan struct {
	Incidents []Incident
	Alerts    []Alert
	Links     []Link
	Steps     []Step
}

// Empty reports whether the plan changes nothing.
func (pl Plan) Empty() bool {
	return len(pl.Incidents) == 0 && len(pl.Alerts) == 0 && len(pl.Links) == 0
}

func (pl *Plan) put(inc Incident) {
	for i := range pl.Incidents {
		if pl.Incidents[i].ID == inc.ID {
			pl.Incidents[i] = inc
			return
		}
	}
	pl.Incidents = append(pl.Incidents, inc)
}

// PlanReports decides a batch of scored reports, in order, against the open
// incidents: match each to an incident, decide, drop events that an active
// silence covers, and build the events. A report sees the incidents as the
// reports before it in the batch left them. A de-escalation closes every
// open incident at its place (a ceasefire for Kharkiv is over for each
// Kharkiv incident). It is a pure function of its arguments; open is not
// modified.
func PlanReports(open []Incident, in []Input, silences []Silence, p Policy, now time.Time) Plan {
	pl := planner{open: slices.Clone(open), silences: silences, p: p, now: now}
	for _, x := range in {
		r, res := x.Report, x.Result
		if x.Backlog || x.TooOld {
			if res.Alert {
				reason := ReasonBacklog
				if x.TooOld {
					reason = ReasonTooOld
				}
				pl.Steps = append(pl.Steps, Step{Identity: r.Identity(), Action: Ignore, Reason: reason,
					Severity: res.Severity, Location: res.Location})
			}
			continue
		}
		if !res.Alert {
			for _, inc := range slices.Clone(pl.open) {
				if IsDeescalation(inc, res) {
					pl.decide(&inc, x)
				}
			}
			continue
		}
		pl.decide(Match(pl.open, res, r, now, p), x)
	}
	return pl.Plan
}

// planner is PlanReports' state: the plan so far and the incidents as it
// left them.
type planner struct {
	Plan
	open     []Incident
	silences []Silence
	p        Policy
	now      time.Time
}

// decide decides one report against one incident (or none) and adds the
// outcome to the plan.
func (pl *planner) decide(prev *Incident, x Input) {
	r, res := x.Report, x.Result
	d, reason := Decide(prev, res, r, pl.now, pl.p)
	if d.Action == Ignore {
		return
	}
	st := Step{Identity: r.Identity()}
	if d.Emit != "" {
		if sl, ok := Silenced(pl.silences, Alert{Incident: d.Incident, Result: res}, pl.now); ok {
			d = d.Silence()
			reason = ReasonSilenced
			st.Silence = &sl
		} else if _, src, ok := Inhibited(pl.p.Inhibit, pl.open, d.Incident, d.Emit); ok && !d.Quiet {
			// A quiet event only brings a message up to date: never held.
			d = d.Silence()
			reason = ReasonInhibited
			st.InhibitedBy = src.ID
		}
	}
	// The summary follows the report that set the incident's current
	// severity; updates keep it (and a model's better text with it).
	if d.Emit == Opened || d.Emit == Escalated || d.Incident.Summary == "" {
		d.Incident.Summary = strings.TrimSpace(x.Summary)
		if d.Incident.Summary == "" {
			d.Incident.Summary = EvidenceSummary(d.Incident)
		}
	}
	inc := d.Incident
	if d.Emit != "" {
		var a Alert
		a, inc = d.Alert(res, r, reason, pl.now)
		pl.Alerts = append(pl.Alerts, a)
	}
	st.IncidentID, st.Action, st.Emit, st.Quiet, st.Reason = inc.ID, d.Action, d.Emit, d.Quiet, reason
	st.Severity, st.Location = inc.Severity, inc.Location
	pl.Steps = append(pl.Steps, st)
	pl.put(inc)
	pl.Links = append(pl.Links, Link{IncidentID: inc.ID, Identity: r.Identity()})
	pl.open = replaceIncident(pl.open, inc)
}

// PlanExpiry resolves the open incidents that have been quiet for
// p.QuietAfter; announced ones get a "resolved" event.
func PlanExpiry(open []Incident, p Policy, now time.Time) Plan {
	var pl Plan
	for _, inc := range open {
		d, reason := Expire(inc, now, p)
		if d.Action != Close {
			continue
		}
		next := d.Incident
		if d.Emit != "" {
			var a Alert
			a, next = d.Alert(Restate(inc), report.Report{}, reason, now)
			pl.Alerts = append(pl.Alerts, a)
		}
		pl.Steps = append(pl.Steps, Step{IncidentID: inc.ID, Action: d.Action, Emit: d.Emit, Reason: reason,
			Severity: inc.Severity, Location: inc.Location})
		pl.put(next)
	}
	return pl
}

// PlanSummary plans the quiet "summarized" event that brings a model's
// summary to an incident whose event went out with the extractive one. cur
// is the incident as stored now; base is the event the summary was written
// for. Nothing is planned when the incident was resolved or never announced
// meanwhile, when a later opening or escalation replaced the summary the
// model was asked to improve, or when the text is empty or the same.
func PlanSummary(cur Incident, base Alert, text string, now time.Time) Plan {
	text = strings.TrimSpace(text)
	st := Step{IncidentID: cur.ID, Action: Ignore, Reason: ReasonSummary, Severity: cur.Severity, Location: cur.Location}
	if !cur.Open() || !cur.Alerted || text == "" || text == cur.Summary ||
		cur.Summary != base.Incident.Summary || cur.Severity != base.Incident.Severity {
		return Plan{Steps: []Step{st}}
	}
	inc := cloneIncident(cur)
	inc.Summary = text
	d := Decision{Action: Join, Emit: Summarized, Quiet: true, Incident: inc, PrevSeverity: cur.Severity}
	a, next := d.Alert(Restate(cur), base.Report, ReasonSummary, now)
	st.Action, st.Emit, st.Quiet = Join, Summarized, true
	return Plan{Incidents: []Incident{next}, Alerts: []Alert{a}, Steps: []Step{st}}
}

// WantsSummary reports whether an event is worth a model's summary: the
// events that set an incident's summary (see PlanReports).
func WantsSummary(a Alert) bool { return a.Kind == Opened || a.Kind == Escalated }

// EvidenceSummary is the summary of last resort: the first evidence
// sentence, which is by construction a sentence of a report, else the title.
func EvidenceSummary(inc Incident) string {
	if len(inc.Evidence) > 0 {
		return report.TruncateBytes(strings.TrimSpace(inc.Evidence[0].Sentence), 1000)
	}
	return inc.Title
}

// Restate restates an incident as a verdict, for events that no report
// caused (quiet expiry, a summary).
func Restate(inc Incident) rules.Result {
	return rules.Result{Alert: false, Severity: inc.Severity, Categories: inc.Categories, Location: inc.Location,
		Contested: inc.Contested, Evidence: inc.Evidence}
}

func replaceIncident(open []Incident, inc Incident) []Incident {
	for i := range open {
		if open[i].ID == inc.ID {
			if !inc.Open() {
				return append(open[:i:i], open[i+1:]...)
			}
			open[i] = inc
			return open
		}
	}
	if inc.Open() {
		open = append(open, inc)
	}
	return open
}

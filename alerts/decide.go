package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// Action is what a decision does to the incident state.
type Action uint8

// Actions of a Decision.
const (
	// Ignore leaves the state as it was.
	Ignore Action = iota
	// Open creates a new incident.
	Open
	// Join adds the report to the existing incident.
	Join
	// Close resolves the incident.
	Close
)

func (a Action) String() string {
	switch a {
	case Ignore:
		return "ignore"
	case Open:
		return "open"
	case Join:
		return "join"
	case Close:
		return "close"
	}
	return fmt.Sprintf("action(%d)", a)
}

// Reason says why a decision was taken. It is logged with every decision and
// kept short enough to show to an admin asking "why did (not) this fire?".
type Reason uint8

// Reasons, one per branch of Decide and Expire.
const (
	ReasonNoEvidence Reason = iota
	ReasonBelowMinSeverity
	ReasonNewIncident
	ReasonAwaitingCorroboration
	ReasonCorroborated
	ReasonNewSource
	ReasonThrottled
	ReasonSameSource
	ReasonSeverityRose
	ReasonDeescalation
	ReasonQuiet
	ReasonStillActive
	ReasonSilenced
	ReasonBacklog
	ReasonRefresh
	ReasonSummary
	ReasonTooOld
	ReasonInhibited
)

var reasonNames = [...]string{
	ReasonNoEvidence:            "no alerting evidence",
	ReasonBelowMinSeverity:      "severity below the alerting minimum",
	ReasonNewIncident:           "new incident",
	ReasonAwaitingCorroboration: "waiting for corroboration by another source",
	ReasonCorroborated:          "corroborated by enough sources",
	ReasonNewSource:             "another source reported it",
	ReasonThrottled:             "another source reported it (message updated quietly: repeat interval not over)",
	ReasonSameSource:            "same source again, nothing new to announce",
	ReasonSeverityRose:          "severity rose",
	ReasonDeescalation:          "de-escalation reported for the place",
	ReasonQuiet:                 "quiet for the configured time",
	ReasonStillActive:           "still active",
	ReasonSilenced:              "silenced",
	ReasonBacklog:               "backlog of a newly added source",
	ReasonRefresh:               "same source again (message brought up to date)",
	ReasonSummary:               "model summary arrived",
	ReasonTooOld:                "published before what the store keeps (store.retention)",
	ReasonInhibited:             "held back by a more severe incident (inhibition rule)",
}

func (r Reason) String() string {
	if int(r) < len(reasonNames) && reasonNames[r] != "" {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", r)
}

// Decision is the outcome of Decide or Expire: what to do with the incident
// and which event, if any, to deliver.
type Decision struct {
	Action Action
	// Emit is the event to deliver; empty when the change is silent.
	Emit EventKind
	// Incident is the incident's state after the decision (zero on Ignore).
	Incident Incident
	// PrevSeverity is the severity before the decision (for escalations).
	PrevSeverity rules.Severity
	// Quiet marks an event that only edits what was posted (Alert.Quiet).
	Quiet bool
}

// Decide is the incident state machine for one scored report. prev is the
// open incident the report was matched to (see Match), or nil. It is a pure
// function: same inputs, same decision.
func Decide(prev *Incident, res rules.Result, r report.Report, now time.Time, p Policy) (Decision, Reason) {
	if prev != nil && !prev.Open() {
		prev = nil
	}
	if prev != nil && IsDeescalation(*prev, res) {
		inc := cloneIncident(*prev)
		inc.ResolvedAt = now
		inc.LastSeen = now
		inc.Sources = addSource(inc.Sources, r, now)
		d := Decision{Action: Close, Incident: inc, PrevSeverity: prev.Severity}
		if prev.Alerted {
			d.Emit = Resolved
		}
		return d, ReasonDeescalation
	}
	if !res.Alert || len(res.Evidence) == 0 {
		return Decision{Action: Ignore}, ReasonNoEvidence
	}
	if prev == nil {
		if res.Severity < p.MinSeverity {
			return Decision{Action: Ignore}, ReasonBelowMinSeverity
		}
		inc := newIncident(res, r, now)
		d := Decision{Action: Open, Incident: inc}
		if inc.Corroboration < p.needed(inc.Severity) {
			return d, ReasonAwaitingCorroboration
		}
		d.Emit = Opened
		return d, ReasonNewIncident
	}

	inc := cloneIncident(*prev)
	newSource := !hasSource(inc.Sources, r)
	inc.Sources = addSource(inc.Sources, r, now)
	inc.Corroboration = countSources(inc.Sources)
	inc.LastSeen = now
	inc.Categories = mergeStrings(inc.Categories, res.Categories)
	inc.Evidence = mergeEvidence(inc.Evidence, res.Evidence)
	inc.Contested = inc.Contested || res.Contested
	if inc.Location == "" {
		inc.Location = res.Location
	}
	rose := res.Severity > inc.Severity
	if rose {
		inc.Severity = res.Severity
		inc.Title = titleFor(res, r)
	}
	d := Decision{Action: Join, Incident: inc, PrevSeverity: prev.Severity}

	if !prev.Alerted {
		if inc.Severity >= p.MinSeverity && inc.Corroboration >= p.needed(inc.Severity) {
			d.Emit = Opened
			return d, ReasonCorroborated
		}
		return d, ReasonAwaitingCorroboration
	}
	// The repeat interval throttles what posts and pings, never the living
	// message: an edit notifies no one, so a throttled change still goes out
	// as a quiet update and the message always shows the current sources.
	throttled := p.RepeatInterval > 0 && now.Sub(prev.LastAlertAt) < p.RepeatInterval
	switch {
	case rose:
		d.Emit = Escalated
		return d, ReasonSeverityRose
	case newSource && !throttled:
		d.Emit = Updated
		return d, ReasonNewSource
	case newSource:
		d.Emit, d.Quiet = Updated, true
		return d, ReasonThrottled
	case visibleChange(*prev, inc):
		d.Emit, d.Quiet = Updated, true
		return d, ReasonRefresh
	default:
		return d, ReasonSameSource
	}
}

// visibleChange reports whether an incident's message would show something
// new: sources, categories, evidence, place, title, contest. Last-seen time
// alone is not worth an edit.
func visibleChange(a, b Incident) bool {
	return a.Title != b.Title || a.Location != b.Location || a.Contested != b.Contested ||
		!slices.Equal(a.Categories, b.Categories) || !slices.Equal(a.Sources, b.Sources) ||
		len(a.Evidence) != len(b.Evidence)
}

// Expire resolves an open incident that has been quiet for p.QuietAfter.
func Expire(inc Incident, now time.Time, p Policy) (Decision, Reason) {
	if !inc.Open() || p.QuietAfter <= 0 || now.Sub(inc.LastSeen) < p.QuietAfter {
		return Decision{Action: Ignore}, ReasonStillActive
	}
	next := cloneIncident(inc)
	next.ResolvedAt = now
	d := Decision{Action: Close, Incident: next, PrevSeverity: inc.Severity}
	if inc.Alerted {
		d.Emit = Resolved
	}
	return d, ReasonQuiet
}

// Silence drops the event of a decision that a silence covers. The state
// change is kept; an "opened" that was silenced leaves the incident
// unannounced, so it announces itself once the silence is over.
func (d Decision) Silence() Decision {
	if d.Emit == Opened {
		d.Incident.Alerted = false
	}
	d.Emit = ""
	return d
}

// Alert builds the event to deliver and marks the incident as having emitted
// it. It returns the updated incident too: the caller stores both in one
// transaction so that the event is recorded exactly when the state changes.
func (d Decision) Alert(res rules.Result, r report.Report, reason Reason, now time.Time) (Alert, Incident) {
	inc := d.Incident
	if d.Emit == "" {
		return Alert{}, inc
	}
	inc.Seq++
	if !d.Quiet {
		// Only what posts or pings restarts the repeat interval.
		inc.LastAlertAt = now
	}
	if d.Emit == Opened {
		inc.Alerted = true
	}
	a := Alert{
		ID:       fmt.Sprintf("%s/%d-%s", inc.ID, inc.Seq, d.Emit),
		Kind:     d.Emit,
		Incident: cloneIncident(inc),
		Report:   r,
		Result:   res,
		Reason:   reason.String(),
		At:       now,
		Quiet:    d.Quiet,
	}
	if d.Emit == Escalated || d.Emit == Resolved {
		a.PrevSeverity = d.PrevSeverity
	}
	return a, inc
}

// IncidentID derives a stable id from the first report and the time it opened
// the incident, so replaying the same input yields the same id.
func IncidentID(r report.Report, now time.Time) string {
	h := sha256.Sum256([]byte(r.Identity() + "\x00" + now.UTC().Format(time.RFC3339Nano)))
	return "inc-" + hex.EncodeToString(h[:5])
}

func newIncident(res rules.Result, r report.Report, now time.Time) Incident {
	return Incident{
		ID:            IncidentID(r, now),
		Title:         titleFor(res, r),
		Location:      res.Location,
		Categories:    slices.Clone(res.Categories),
		Severity:      res.Severity,
		Contested:     res.Contested,
		Corroboration: 1,
		Sources:       addSource(nil, r, now),
		Evidence:      slices.Clone(res.Evidence),
		FirstSeen:     now,
		LastSeen:      now,
		Shingles:      Sketch(r.FullText()),
	}
}

// titleFor names an incident: the report title, else its first evidence
// sentence, else the place and category.
func titleFor(res rules.Result, r report.Report) string {
	if t := strings.TrimSpace(r.Title); t != "" {
		return report.TruncateBytes(t, 256)
	}
	if len(res.Evidence) > 0 {
		return report.TruncateBytes(res.Evidence[0].Sentence, 256)
	}
	parts := []string{}
	if len(res.Categories) > 0 {
		parts = append(parts, res.Categories[0])
	}
	if res.Location != "" {
		parts = append(parts, "in "+res.Location)
	}
	return strings.Join(parts, " ")
}

func sourceKey(outlet, source string) string {
	if o := strings.ToLower(strings.TrimSpace(outlet)); o != "" {
		return "outlet:" + o
	}
	return "source:" + source
}

func hasSource(refs []SourceRef, r report.Report) bool {
	k := sourceKey(r.Outlet, r.Source)
	for _, s := range refs {
		if sourceKey(s.Outlet, s.Source) == k {
			return true
		}
	}
	return false
}

// maxSourceRefs bounds the sources kept on an incident; the count of
// distinct sources is kept exactly until then.
const maxSourceRefs = 50

func addSource(refs []SourceRef, r report.Report, now time.Time) []SourceRef {
	for _, s := range refs {
		if sourceKey(s.Outlet, s.Source) == sourceKey(r.Outlet, r.Source) && s.URL == r.URL {
			return refs
		}
	}
	if len(refs) >= maxSourceRefs {
		return refs
	}
	return append(slices.Clone(refs), sourceRef(r, now))
}

// sourceRef is what an incident keeps of a report that joined it.
func sourceRef(r report.Report, now time.Time) SourceRef {
	return SourceRef{Source: r.Source, Outlet: r.Outlet, Title: r.Title, URL: r.URL, Seen: now, Labels: r.Labels}
}

func countSources(refs []SourceRef) int {
	seen := map[string]bool{}
	for _, s := range refs {
		seen[sourceKey(s.Outlet, s.Source)] = true
	}
	return len(seen)
}

func mergeStrings(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// maxEvidence bounds the evidence kept on an incident.
const maxEvidence = 10

func mergeEvidence(a, b []rules.Evidence) []rules.Evidence {
	out := slices.Clone(a)
	for _, e := range b {
		if len(out) >= maxEvidence {
			break
		}
		dup := false
		for _, o := range out {
			if o.Rule == e.Rule && o.Sentence == e.Sentence {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out
}

func cloneIncident(i Incident) Incident {
	i.Categories = slices.Clone(i.Categories)
	i.Sources = slices.Clone(i.Sources)
	i.Evidence = slices.Clone(i.Evidence)
	i.Shingles = slices.Clone(i.Shingles)
	return i
}

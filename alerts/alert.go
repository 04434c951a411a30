// Package alerts turns scored reports into incidents and incident events, and
// defines the Notifier seam through which events leave tocsin.
//
// One real-world event is one incident. Later reports about it update the
// incident (corroboration, sources, severity) instead of raising a new alert;
// a rise in severity is itself news. Every decision here is a pure function of
// (previous state, new result, now, policy), so it is tested by tables and
// does no I/O: the store persists incidents and the outbox, notifiers deliver.
package alerts

import (
	"context"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// EventKind is what happened to an incident.
type EventKind string

// Incident event kinds, in the order an incident usually sees them.
const (
	Opened    EventKind = "opened"
	Updated   EventKind = "updated"
	Escalated EventKind = "escalated"
	Resolved  EventKind = "resolved"
	// Summarized follows an opened or escalated event when a model's
	// summary arrives after it: the alert went out with the extractive
	// summary at once, and the better text edits the message (or follows
	// it, where messages cannot be edited). It never pings.
	Summarized EventKind = "summarized"
)

// SourceRef is one report that contributed to an incident.
type SourceRef struct {
	Source string    `json:"source"`
	Outlet string    `json:"outlet,omitempty"`
	Title  string    `json:"title,omitempty"`
	URL    string    `json:"url,omitempty"`
	Seen   time.Time `json:"seen"`
	// Labels are the labels of the source (report.Report.Labels).
	Labels report.Labels `json:"labels,omitzero"`
}

// Incident is one real-world event as tocsin knows it.
type Incident struct {
	ID         string         `json:"id"`
	Title      string         `json:"title"`
	Location   string         `json:"location"`
	Categories []string       `json:"categories"`
	Severity   rules.Severity `json:"severity"`
	Contested  bool           `json:"contested"`
	// Corroboration is the number of distinct sources that reported it.
	Corroboration int              `json:"corroboration"`
	Sources       []SourceRef      `json:"sources"`
	Evidence      []rules.Evidence `json:"evidence"`
	Summary       string           `json:"summary"`
	FirstSeen     time.Time        `json:"first_seen"`
	LastSeen      time.Time        `json:"last_seen"`
	ResolvedAt    time.Time        `json:"resolved_at,omitzero"`

	// Alerted is true once an "opened" event was emitted. An incident that
	// waits for corroboration (or was silenced) is tracked but not yet
	// announced; it announces itself when a later report tips it over.
	Alerted bool `json:"alerted"`
	// Seq counts the events emitted for this incident; it makes alert IDs
	// unique and stable ("<incident>/<seq>-<kind>").
	Seq int `json:"seq"`
	// LastAlertAt is when the last event was emitted (repeat throttling).
	LastAlertAt time.Time `json:"last_alert_at,omitzero"`
	// Shingles is a bottom-k sketch of the first report's word 3-grams, used
	// to join near-duplicate texts that name no place.
	Shingles []uint64 `json:"shingles,omitempty"`
}

// Open reports whether the incident has not been resolved.
func (i Incident) Open() bool { return i.ResolvedAt.IsZero() }

// Alert is one incident event to deliver. Its ID is stable and unique per
// event, so a notifier (and the outbox) can deliver it exactly once.
type Alert struct {
	ID       string    `json:"id"`
	Kind     EventKind `json:"kind"`
	Incident Incident  `json:"incident"`
	// Report is the report that caused this event.
	Report report.Report `json:"report"`
	Result rules.Result  `json:"result"`
	// PrevSeverity is the incident's severity before an escalation.
	PrevSeverity rules.Severity `json:"prev_severity,omitempty"`
	// Reason says in words why the event was emitted.
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// Quiet marks an event that only brings the incident's living message
	// up to date (a source folded in within the repeat interval, a model
	// summary): notifiers edit what they posted and post or ping nothing
	// new. An edit notifies no one, so it is never throttled.
	Quiet bool `json:"quiet,omitempty"`
}

// Link ties a report to the incident it joined.
type Link struct {
	IncidentID string
	Identity   string
}

// Outbox row states.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// OutboxItem is one alert waiting for (or done with) one notifier: the row
// the store keeps and the delivery stage claims, sends and settles.
type OutboxItem struct {
	Alert         Alert
	Notifier      string
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        time.Time
}

// Settlement is the outcome of one delivery attempt, recorded on its
// outbox row.
type Settlement struct {
	State SettleState
	// At is when the alert was delivered (SettleSent).
	At time.Time
	// Next is when to try again (SettleRetry).
	Next time.Time
	// Cause is the error of a failed attempt.
	Cause string
}

// SettleState says what became of a claimed outbox row.
type SettleState string

// Settlement states.
const (
	// SettleSent: the notifier accepted the alert.
	SettleSent SettleState = "sent"
	// SettleRetry: a retryable failure; try again at Next.
	SettleRetry SettleState = "retry"
	// SettleFailed: given up (a final failure, or too many attempts).
	SettleFailed SettleState = "failed"
	// SettleReleased: no attempt was made (shutdown): due again at once.
	SettleReleased SettleState = "released"
)

// Notifier delivers alerts somewhere (a console, Discord, a webhook).
//
// Notify must be safe to call again with the same Alert after a crash or a
// failed attempt: implementations use Alert.ID to avoid doubles. It reports
// whether a failure is worth retrying (a timeout, a 5xx, a rate limit) or
// final (a 400 for a payload that will never be accepted). It must return
// soon after ctx ends, whatever the platform does: shutdown waits for it.
// Report text is untrusted and must never ping anyone. A quiet alert edits
// what was posted and posts or pings nothing new. The conformance suite in
// delivery/deliverytest checks all of this for every notifier.
type Notifier interface {
	Name() string
	Notify(ctx context.Context, a Alert) (retry bool, err error)
}

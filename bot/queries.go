package bot

import (
	"context"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// The interfaces below are what slash commands and buttons need from the
// rest of tocsin. They are declared here, small, so the app can adapt the
// store, the live rule set and the reloader to them, and tests can use
// hand-written fakes. A nil dependency makes its command answer "not
// available" instead of failing.

// IncidentFilter narrows /alerts.
type IncidentFilter struct {
	// MinSeverity keeps incidents at or above it (SevNone: all).
	MinSeverity rules.Severity
	// Category keeps incidents with this category ("": all).
	Category vocab.Category
	// Place matches like a route's place (country, region or city).
	Place string
	// Since keeps incidents last seen at or after it (zero: no bound).
	Since time.Time
	Limit int
}

// IncidentLister answers /alerts: recent incidents, newest first.
type IncidentLister interface {
	RecentIncidents(ctx context.Context, f IncidentFilter) ([]alerts.Incident, error)
}

// TimelineEntry is one event in an incident's life.
type TimelineEntry struct {
	At       time.Time
	Kind     alerts.EventKind
	Severity rules.Severity
	Reason   string
}

// IncidentDetail is an incident with its timeline.
type IncidentDetail struct {
	Incident alerts.Incident
	Timeline []TimelineEntry
}

// IncidentGetter answers /incident and tells "Not relevant" which rules
// fired.
type IncidentGetter interface {
	IncidentDetail(ctx context.Context, id string) (IncidentDetail, bool, error)
}

// Scorer dry-runs a text against the live rules (/score).
type Scorer interface {
	ScoreText(ctx context.Context, text string) (rules.Result, error)
}

// RuleInfo describes a rule with its feedback counts, for /rules.
type RuleInfo struct {
	ID          string
	Category    string
	Severity    rules.Severity
	Description string
	Enabled     bool
	// Fired counts incidents the rule contributed to; NotRelevant counts
	// "Not relevant" feedback against it.
	Fired       int
	NotRelevant int
}

// Precision is the share of firings not flagged as irrelevant, or -1 when
// the rule never fired.
func (r RuleInfo) Precision() float64 {
	if r.Fired == 0 {
		return -1
	}
	p := 1 - float64(r.NotRelevant)/float64(r.Fired)
	if p < 0 {
		return 0
	}
	return p
}

// RuleCatalog answers /rules.
type RuleCatalog interface {
	Rules(ctx context.Context) ([]RuleInfo, error)
	Rule(ctx context.Context, id string) (RuleInfo, bool, error)
}

// SourceStatus is one polled source's health.
type SourceStatus struct {
	ID            string
	Kind          string
	Enabled       bool
	LastSuccessAt time.Time
	NextCheckAt   time.Time
	ErrorStreak   int
	LastError     string
}

// Status is the /status snapshot (the same facts as app.Status).
type Status struct {
	Sources []SourceStatus
	// Outbox counts alerts by delivery state (e.g. pending, failed).
	Outbox        map[string]int
	OpenIncidents int
	RulesVersion  string
	// RulesReload is "ok" or "error: <problems>" for the last load.
	RulesReload   string
	RulesReloadAt time.Time
	// Silences are the silences in force.
	Silences []alerts.Silence
}

// StatusReporter answers /status.
type StatusReporter interface {
	Status(ctx context.Context) (Status, error)
}

// Subscriptions stores channel routes made with /subscribe. Routes makes it
// a RouteSource for the notifier.
type Subscriptions interface {
	Subscribe(ctx context.Context, r Route) error
	Unsubscribe(ctx context.Context, channelID string) (bool, error)
	RouteSource
}

// Silencer creates and lifts silences (/mute, /unmute, the Mute button).
// Silences are alerts.Silence: the alerts package applies them.
type Silencer interface {
	Mute(ctx context.Context, s alerts.Silence) (id string, err error)
	Unmute(ctx context.Context, kind alerts.SilenceKind, value string) (lifted int, err error)
}

// SilenceLister lists the silences in force (/silences, from every place
// they are made: buttons, /mute, the web console, the API, the CLI).
type SilenceLister interface {
	ActiveSilences(ctx context.Context, now time.Time) ([]alerts.Silence, error)
}

// Acknowledger records acknowledgements (the Acknowledge button).
type Acknowledger interface {
	Acknowledge(ctx context.Context, a Ack) error
	AckLister
}

// Feedback is a member's verdict on an alert.
type Feedback struct {
	IncidentID string
	Rules      []string
	// Verdict is "not_relevant".
	Verdict string
	UserID  string
	At      time.Time
}

// FeedbackRecorder records feedback (the Not relevant button).
type FeedbackRecorder interface {
	RecordFeedback(ctx context.Context, f Feedback) error
}

// ReloadResult is the outcome of /reload.
type ReloadResult struct {
	Applied  bool
	Version  string
	Problems []string // file:line: field: message
}

// Reloader reloads the rule files (/reload).
type Reloader interface {
	ReloadRules(ctx context.Context) (ReloadResult, error)
}

// Vocabulary is the live rule set's category vocabulary: every category a
// member types (/alerts, /subscribe, /mute) is parsed with it, so a typo is
// an answer naming the closest category instead of a filter that never
// matches.
type Vocabulary interface {
	Categories() vocab.Categories
}

// PlaceCompleter completes place names (the gazetteer).
type PlaceCompleter interface {
	Complete(prefix string, n int) []string
}

// Deps are the command handlers' dependencies; any may be nil.
type Deps struct {
	Incidents     IncidentLister
	Incident      IncidentGetter
	Scorer        Scorer
	Rules         RuleCatalog
	Status        StatusReporter
	Subscriptions Subscriptions
	Silences      Silencer
	Acks          Acknowledger
	Feedback      FeedbackRecorder
	Reloader      Reloader
	Places        PlaceCompleter
	// Vocabulary is needed by the commands that take a category.
	Vocabulary Vocabulary
	// SilenceList answers /silences.
	SilenceList SilenceLister
}

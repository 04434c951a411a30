package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// The interfaces below are what the console needs from the rest of tocsin.
// The app satisfies them with the adapters the Discord commands use; tests
// use hand-written fakes or the real store.

// IncidentFilter narrows the incident list.
type IncidentFilter struct {
	// MinSeverity keeps incidents at or above it (SevNone: all).
	MinSeverity rules.Severity
	Category    string
	// Place matches as in a Discord route: a country, region or city.
	Place string
	State alerts.StateFilter
	Limit int
}

// Detail is an incident with its timeline: the events emitted for it,
// oldest first, each with the report that caused it and its verdict.
type Detail struct {
	Incident alerts.Incident
	Events   []alerts.Alert
}

// Incidents answers the incident list and timeline pages.
type Incidents interface {
	// Incidents lists incidents newest first (by last activity).
	Incidents(ctx context.Context, f IncidentFilter) ([]alerts.Incident, error)
	IncidentDetail(ctx context.Context, id string) (Detail, bool, error)
}

// Locator places an incident's location ("Aleppo, Syria") on the map.
type Locator interface {
	Locate(location string) (lat, lon float64, ok bool)
}

// SourceHealth is one polled source's health.
type SourceHealth struct {
	ID            string
	Kind          string
	Enabled       bool
	LastSuccessAt time.Time
	LastCheckAt   time.Time
	NextCheckAt   time.Time
	ErrorStreak   int
	LastError     string
}

// Status is the service state: what GET /status and Discord's /status show.
type Status struct {
	Sources       []SourceHealth
	Outbox        map[string]int
	OpenIncidents int
	RulesVersion  string
	// RulesReload is "ok" or "error: <problems>" for the last load.
	RulesReload   string
	RulesReloadAt time.Time
}

// StatusReader answers the sources page.
type StatusReader interface {
	Status(ctx context.Context) (Status, error)
}

// LiveRules is the live rule set (scoring, categories, rule ids).
type LiveRules interface {
	Set() *rules.Set
}

// RuleFiles is the rule set's source: file name to content. Dir is where
// the files live; it is empty for the built-in rules, which cannot be
// saved from the console.
type RuleFiles struct {
	Dir   string
	Files map[string][]byte
}

// RuleEditor reads, trial-compiles and saves rule files.
type RuleEditor interface {
	RuleFiles() (RuleFiles, error)
	// Compile builds a set from files without making it live; lint
	// problems come back as rules.Problems.
	Compile(files map[string][]byte) (*rules.Set, error)
	// SaveRuleFile writes one rule file, when the whole set with it lints
	// clean, and reloads the rules. base is FileHash of the content the
	// edit started from: when the file changed since, nothing is written
	// and the error is ErrRuleFileChanged.
	SaveRuleFile(ctx context.Context, name string, content []byte, base string) error
}

// RecentReports supplies the stored reports a rule edit is previewed on.
type RecentReports interface {
	RecentReports(ctx context.Context, limit int) ([]report.Report, error)
}

// Silences is the store's silences table, shared with the Discord buttons
// and the HTTP API.
type Silences interface {
	ActiveSilences(ctx context.Context, now time.Time) ([]alerts.Silence, error)
	AddSilence(ctx context.Context, s alerts.Silence) (id string, err error)
	EndSilence(ctx context.Context, id string, now time.Time) (bool, error)
}

// ErrRuleFileChanged refuses a save whose file changed on disk since the
// edit began (another admin, an editor, a deploy): the edit would undo it.
var ErrRuleFileChanged = errors.New("the rule file changed since it was opened; reopen it and apply the edit again")

// FileHash identifies a rule file's content for SaveRuleFile's base.
func FileHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

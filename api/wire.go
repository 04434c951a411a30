package api

import (
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
)

// The wire types are the API's own: they leave out internals (shingles,
// sequence numbers) and stay stable when the stored form changes.

// Incident is one incident as the API shows it.
type Incident struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Location   string   `json:"location"`
	Categories []string `json:"categories"`
	Severity   string   `json:"severity"`
	// State is open, resolved or pending (tracked, never announced:
	// waiting for corroboration, or silenced or inhibited when it opened).
	State         string              `json:"state"`
	Contested     bool                `json:"contested"`
	Corroboration int                 `json:"corroboration"`
	Summary       string              `json:"summary"`
	Sources       []Source            `json:"sources"`
	Labels        map[string][]string `json:"labels"`
	Evidence      []Evidence          `json:"evidence"`
	FirstSeen     time.Time           `json:"first_seen"`
	LastSeen      time.Time           `json:"last_seen"`
	ResolvedAt    *time.Time          `json:"resolved_at,omitempty"`
	// Timeline is set by GET /v1/incidents/{id} only.
	Timeline []Event `json:"timeline,omitempty"`
}

// Source is one report that contributed to an incident.
type Source struct {
	Source string            `json:"source"`
	Outlet string            `json:"outlet,omitempty"`
	Title  string            `json:"title,omitempty"`
	URL    string            `json:"url,omitempty"`
	Seen   time.Time         `json:"seen"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Evidence is one rule hit behind an incident.
type Evidence struct {
	Rule     string `json:"rule"`
	Category string `json:"category"`
	Severity string `json:"severity"`
	Sentence string `json:"sentence"`
	Why      string `json:"why,omitempty"`
}

// Event is one alert emitted for an incident (opened, updated, escalated,
// resolved), with the report that caused it.
type Event struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"`
	At           time.Time `json:"at"`
	Severity     string    `json:"severity"`
	PrevSeverity string    `json:"prev_severity,omitempty"`
	Reason       string    `json:"reason"`
	Report       *Report   `json:"report,omitempty"`
}

// Report names the report behind an event.
type Report struct {
	Title  string `json:"title,omitempty"`
	Source string `json:"source,omitempty"`
	Outlet string `json:"outlet,omitempty"`
	URL    string `json:"url,omitempty"`
}

// Silence is one silence. Every matcher must match for an event to be
// silenced.
type Silence struct {
	ID        string           `json:"id"`
	Matchers  []alerts.Matcher `json:"matchers"`
	State     string           `json:"state"` // active or expired
	ExpiresAt time.Time        `json:"expires_at"`
	Author    string           `json:"author"`
	Comment   string           `json:"comment"`
	CreatedAt time.Time        `json:"created_at"`
}

// NewSilence is the body of POST /v1/silences: matchers, and either a
// duration ("4h", "7d") or an expiry time.
type NewSilence struct {
	Matchers  []alerts.Matcher `json:"matchers"`
	Duration  string           `json:"duration,omitempty"`
	ExpiresAt *time.Time       `json:"expires_at,omitempty"`
	Author    string           `json:"author"`
	Comment   string           `json:"comment"`
}

// IncidentOf is an incident as the API (and the webhook) show it.
func IncidentOf(inc alerts.Incident) Incident {
	out := Incident{ID: inc.ID, Title: inc.Title, Location: inc.Location, Categories: nonNil(inc.Categories),
		Severity: inc.Severity.String(), State: string(alerts.StateOf(inc)), Contested: inc.Contested, Corroboration: inc.Corroboration,
		Summary: inc.Summary, Labels: inc.Labels(), FirstSeen: inc.FirstSeen, LastSeen: inc.LastSeen,
		Sources: []Source{}, Evidence: []Evidence{}}
	if !inc.ResolvedAt.IsZero() {
		t := inc.ResolvedAt
		out.ResolvedAt = &t
	}
	for _, s := range inc.Sources {
		out.Sources = append(out.Sources, Source{Source: s.Source, Outlet: s.Outlet, Title: s.Title, URL: s.URL,
			Seen: s.Seen, Labels: s.Labels.Map()})
	}
	for _, e := range inc.Evidence {
		out.Evidence = append(out.Evidence, Evidence{Rule: e.Rule, Category: e.Category, Severity: e.Severity.String(),
			Sentence: e.Sentence, Why: e.Why})
	}
	return out
}

// EventOf is an alert as the API (and the webhook) show it.
func EventOf(a alerts.Alert) Event {
	ev := Event{ID: a.ID, Kind: string(a.Kind), At: a.At, Severity: a.Incident.Severity.String(), Reason: a.Reason}
	if a.PrevSeverity != rules.SevNone {
		ev.PrevSeverity = a.PrevSeverity.String()
	}
	if r := a.Report; r.Title != "" || r.URL != "" || r.Source != "" {
		ev.Report = &Report{Title: r.Title, Source: r.Source, Outlet: r.Outlet, URL: r.URL}
	}
	return ev
}

func toSilence(s alerts.Silence, now time.Time) Silence {
	st := "expired"
	if s.Active(now) {
		st = "active"
	}
	return Silence{ID: s.ID, Matchers: s.Matchers(), State: st, ExpiresAt: s.ExpiresAt, Author: s.Author,
		Comment: s.Reason, CreatedAt: s.CreatedAt}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

package alerts

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// SilenceKind is what a silence matches on.
type SilenceKind string

// Silence kinds.
const (
	SilenceRule     SilenceKind = "rule"
	SilenceCategory SilenceKind = "category"
	SilencePlace    SilenceKind = "place"
	SilenceIncident SilenceKind = "incident"
)

// ParseSilenceKind validates a silence kind name.
func ParseSilenceKind(s string) (SilenceKind, error) {
	switch k := SilenceKind(strings.ToLower(strings.TrimSpace(s))); k {
	case SilenceRule, SilenceCategory, SilencePlace, SilenceIncident:
		return k, nil
	}
	return "", fmt.Errorf("unknown silence kind %q (want rule, category, place or incident)", s)
}

// Silence mutes events that match it until it expires. Author and Reason are
// kept so that "why did this not fire?" has an answer with a name on it.
type Silence struct {
	ID        string      `json:"id"`
	Kind      SilenceKind `json:"kind"`
	Value     string      `json:"value"`
	ExpiresAt time.Time   `json:"expires_at"`
	Author    string      `json:"author"`
	Reason    string      `json:"reason"`
	CreatedAt time.Time   `json:"created_at"`
}

// Active reports whether the silence is in force at now.
func (s Silence) Active(now time.Time) bool { return now.Before(s.ExpiresAt) }

// Matches reports whether the silence covers an event about inc caused by
// a report with the given evidence rules.
func (s Silence) Matches(inc Incident, ruleIDs []string) bool {
	v := strings.ToLower(strings.TrimSpace(s.Value))
	switch s.Kind {
	case SilenceIncident:
		return strings.EqualFold(inc.ID, v)
	case SilenceRule:
		return slices.ContainsFunc(ruleIDs, func(r string) bool { return strings.EqualFold(r, v) })
	case SilenceCategory:
		return slices.ContainsFunc(inc.Categories, func(c string) bool { return strings.EqualFold(c, v) })
	case SilencePlace:
		if SamePlace(inc.Location, s.Value) {
			return true
		}
		return slices.Contains(placeParts(inc.Location), v)
	}
	return false
}

// Silenced returns the first active silence that covers the event, if any.
func Silenced(silences []Silence, a Alert, now time.Time) (Silence, bool) {
	ids := make([]string, 0, len(a.Result.Evidence)+len(a.Incident.Evidence))
	for _, e := range a.Result.Evidence {
		ids = append(ids, e.Rule)
	}
	for _, e := range a.Incident.Evidence {
		ids = append(ids, e.Rule)
	}
	for _, s := range silences {
		if s.Active(now) && s.Matches(a.Incident, ids) {
			return s, true
		}
	}
	return Silence{}, false
}

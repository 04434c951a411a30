package alerts

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// SilenceKind is what a silence matcher matches on.
type SilenceKind string

// Silence kinds.
const (
	SilenceRule     SilenceKind = "rule"
	SilenceCategory SilenceKind = "category"
	SilencePlace    SilenceKind = "place"
	SilenceIncident SilenceKind = "incident"
	// SilenceLabel matches a source label; its value is "name=value"
	// (region=sahel): an incident one of whose sources carries it.
	SilenceLabel SilenceKind = "label"
)

// SilenceKinds lists the kinds, in the order they are offered.
func SilenceKinds() []SilenceKind {
	return []SilenceKind{SilencePlace, SilenceCategory, SilenceRule, SilenceIncident, SilenceLabel}
}

// ParseSilenceKind validates a silence kind name.
func ParseSilenceKind(s string) (SilenceKind, error) {
	k := SilenceKind(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(SilenceKinds(), k) {
		return k, nil
	}
	return "", fmt.Errorf("unknown silence kind %q (want place, category, rule, incident or label)", s)
}

// Matcher is one condition of a silence: kind and value.
type Matcher struct {
	Kind  SilenceKind `json:"kind"`
	Value string      `json:"value"`
}

func (m Matcher) String() string { return string(m.Kind) + "=" + m.Value }

// ParseMatcher reads a matcher as an operator types it on the command
// line, amtool-style: "place=Kharkiv, Ukraine", "category=airstrike",
// "rule=missile-strike", "incident=inc-0c0ffee123", "labels.region=sahel".
func ParseMatcher(s string) (Matcher, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return Matcher{}, fmt.Errorf("matcher %q: want kind=value (place, category, rule, incident or labels.NAME)", s)
	}
	k = strings.ToLower(strings.TrimSpace(k))
	if name, isLabel := strings.CutPrefix(k, "labels."); isLabel {
		return Matcher{Kind: SilenceLabel, Value: name + "=" + strings.TrimSpace(v)}, nil
	}
	kind, err := ParseSilenceKind(k)
	if err != nil {
		return Matcher{}, fmt.Errorf("matcher %q: %w", s, err)
	}
	return Matcher{Kind: kind, Value: strings.TrimSpace(v)}, nil
}

// matches reports whether the matcher covers an event about inc caused by
// a report with the given evidence rules.
func (m Matcher) matches(inc Incident, ruleIDs []string) bool {
	v := strings.ToLower(strings.TrimSpace(m.Value))
	switch m.Kind {
	case SilenceIncident:
		return strings.EqualFold(inc.ID, v)
	case SilenceRule:
		return slices.ContainsFunc(ruleIDs, func(r string) bool { return strings.EqualFold(r, v) })
	case SilenceCategory:
		return slices.ContainsFunc(inc.Categories, func(c string) bool { return strings.EqualFold(c, v) })
	case SilencePlace:
		if SamePlace(inc.Location, m.Value) {
			return true
		}
		return slices.Contains(placeParts(inc.Location), v)
	case SilenceLabel:
		name, value, ok := strings.Cut(m.Value, "=")
		return ok && inc.HasLabel(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	return false
}

// Silence mutes events that match it until it expires. Author and Reason are
// kept so that "why did this not fire?" has an answer with a name on it.
//
// Kind and Value are its first matcher (the only one of a silence made by
// Discord's Mute button or /mute); And holds further matchers, all of
// which must match too: "place=Kharkiv and category=airstrike".
type Silence struct {
	ID        string      `json:"id"`
	Kind      SilenceKind `json:"kind"`
	Value     string      `json:"value"`
	And       []Matcher   `json:"and,omitempty"`
	ExpiresAt time.Time   `json:"expires_at"`
	Author    string      `json:"author"`
	Reason    string      `json:"reason"`
	CreatedAt time.Time   `json:"created_at"`
}

// NewSilence makes a silence of matchers (at least one).
func NewSilence(ms []Matcher, expires time.Time, author, reason string, now time.Time) Silence {
	s := Silence{ExpiresAt: expires, Author: author, Reason: reason, CreatedAt: now}
	if len(ms) > 0 {
		s.Kind, s.Value, s.And = ms[0].Kind, ms[0].Value, slices.Clone(ms[1:])
	}
	return s
}

// Matchers returns every matcher of the silence, the first one first.
func (s Silence) Matchers() []Matcher {
	return append([]Matcher{{Kind: s.Kind, Value: s.Value}}, s.And...)
}

// Describe is the silence's matchers as one line: "place=Kharkiv,
// category=airstrike".
func (s Silence) Describe() string {
	parts := make([]string, 0, 1+len(s.And))
	for _, m := range s.Matchers() {
		parts = append(parts, m.String())
	}
	return strings.Join(parts, ", ")
}

// Active reports whether the silence is in force at now.
func (s Silence) Active(now time.Time) bool { return now.Before(s.ExpiresAt) }

// Matches reports whether the silence covers an event about inc caused by
// a report with the given evidence rules: every matcher matches.
func (s Silence) Matches(inc Incident, ruleIDs []string) bool {
	for _, m := range s.Matchers() {
		if !m.matches(inc, ruleIDs) {
			return false
		}
	}
	return true
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

// Limits of a silence, wherever it is made: a forgotten silence should not
// hide a war, and its text is shown in chat and pages.
const (
	MaxSilence         = 90 * 24 * time.Hour
	maxSilenceMatchers = 8
	maxSilenceValue    = 200
	maxSilenceReason   = 500
)

// Check validates a new silence against the live rule set and returns it
// in canonical form: categories are parsed with the rule set's vocabulary
// (so "Air strike" becomes airstrike, and a typo is refused with the
// closest name), rule ids must exist, labels are name=value. It checks the
// expiry against now. Every problem is reported at once.
func (s Silence) Check(set *rules.Set, now time.Time) (Silence, error) {
	var errs []error
	ms := s.Matchers()
	if len(ms) > maxSilenceMatchers {
		errs = append(errs, fmt.Errorf("at most %d matchers", maxSilenceMatchers))
	}
	for i := range ms {
		m, err := ms[i].Check(set)
		if err != nil {
			errs = append(errs, err)
		}
		ms[i] = m
	}
	switch {
	case s.ExpiresAt.IsZero():
		errs = append(errs, errors.New("no expiry"))
	case !s.ExpiresAt.After(now):
		errs = append(errs, errors.New("the expiry is in the past"))
	case s.ExpiresAt.Sub(now) > MaxSilence+time.Minute:
		errs = append(errs, fmt.Errorf("a silence lasts at most %v (90 days)", MaxSilence))
	}
	if utf8.RuneCountInString(s.Reason) > maxSilenceReason || utf8.RuneCountInString(s.Author) > maxSilenceValue {
		errs = append(errs, fmt.Errorf("the comment may be %d characters long and the author %d", maxSilenceReason, maxSilenceValue))
	}
	if len(errs) > 0 {
		return Silence{}, errors.Join(errs...)
	}
	out := NewSilence(ms, s.ExpiresAt, strings.TrimSpace(s.Author), strings.TrimSpace(s.Reason), s.CreatedAt)
	out.ID = s.ID
	return out, nil
}

// Check validates one matcher against the rule set (nil: syntax only) and
// returns it in canonical form (see Silence.Check).
func (m Matcher) Check(set *rules.Set) (Matcher, error) {
	kind, err := ParseSilenceKind(string(m.Kind))
	if err != nil {
		return m, err
	}
	m.Kind, m.Value = kind, strings.TrimSpace(m.Value)
	switch {
	case m.Value == "":
		return m, fmt.Errorf("%s: say what to silence", kind)
	case utf8.RuneCountInString(m.Value) > maxSilenceValue || strings.ContainsAny(m.Value, "\r\n"):
		return m, fmt.Errorf("%s: the value must be one line of at most %d characters", kind, maxSilenceValue)
	}
	switch kind {
	case SilenceCategory:
		if set == nil {
			return m, nil
		}
		c, err := set.Categories().Parse(m.Value)
		if err != nil {
			return m, fmt.Errorf("category: %w", err)
		}
		m.Value = string(c)
	case SilenceRule:
		if set == nil {
			return m, nil
		}
		i := slices.IndexFunc(set.Rules(), func(ri rules.RuleInfo) bool { return strings.EqualFold(ri.ID, m.Value) })
		if i < 0 {
			return m, fmt.Errorf("rule: no rule has the id %q", m.Value)
		}
		m.Value = set.Rules()[i].ID
	case SilenceLabel:
		name, value, ok := strings.Cut(m.Value, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || !vocab.ValidLabelName(name) || value == "" {
			return m, fmt.Errorf("label: %q is not name=value with a lower-case name (region=sahel)", m.Value)
		}
		m.Value = name + "=" + value
	}
	return m, nil
}

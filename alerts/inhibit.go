package alerts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tocsin-alerts/tocsin/route"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// InhibitRule holds back the events of incidents that Target selects while
// an announced, open incident that Source selects agrees with them on every
// Equal field, Alertmanager-style: with Source {min: critical}, Target
// {max: high} and Equal [place], a critical incident in Kharkiv holds back
// the lower ones there, so a channel hears about the missile strike and
// not, beside it, about each smaller incident it caused.
//
// An inhibited event is handled like a silenced one: the incident's state
// changes, the event is not delivered, and an opening that was held back
// leaves the incident unannounced, so it announces itself with its next
// report once the inhibiting incident is resolved. A resolution is never
// held back: a message that says "open" must be closed.
type InhibitRule struct {
	Source Selector
	Target Selector
	// Equal lists what the two incidents must share: "place" (SamePlace),
	// "category" (one in common) or "labels.NAME" (a value of that source
	// label in common), as route.ParseEqual normalises them. Empty:
	// nothing, any source incident inhibits.
	Equal []string
}

// InhibitRuleOf compiles an inhibition rule as configured (package route)
// with the rule set's categories; the error names the field.
func InhibitRuleOf(r route.Inhibit, cats vocab.Categories) (InhibitRule, error) {
	var out InhibitRule
	var err error
	if out.Source, err = SelectorOf(r.Source, cats); err != nil {
		return out, fmt.Errorf("source.%w", err)
	}
	if out.Target, err = SelectorOf(r.Target, cats); err != nil {
		return out, fmt.Errorf("target.%w", err)
	}
	for i, e := range r.Equal {
		f, err := route.ParseEqual(e)
		if err != nil {
			return out, fmt.Errorf("equal[%d]: %w", i, err)
		}
		out.Equal = append(out.Equal, f)
	}
	return out, nil
}

// Inhibited returns the rule and the open incident that hold back an event
// of kind about target, if any. open are the open incidents as they stand;
// target itself, unannounced incidents and resolved ones never inhibit.
func Inhibited(rules []InhibitRule, open []Incident, target Incident, kind EventKind) (InhibitRule, Incident, bool) {
	if kind == Resolved || kind == "" {
		return InhibitRule{}, Incident{}, false
	}
	for _, r := range rules {
		if !r.Target.Matches(target) {
			continue
		}
		for _, src := range open {
			if src.ID == target.ID || !src.Alerted || !src.Open() || !r.Source.Matches(src) {
				continue
			}
			if r.equal(src, target) {
				return r, src, true
			}
		}
	}
	return InhibitRule{}, Incident{}, false
}

func (r InhibitRule) equal(a, b Incident) bool {
	for _, f := range r.Equal {
		switch {
		case f == "place":
			if !SamePlace(a.Location, b.Location) {
				return false
			}
		case f == "category":
			if !slices.ContainsFunc(a.Categories, func(c string) bool { return slices.Contains(b.Categories, c) }) {
				return false
			}
		case strings.HasPrefix(f, "labels."):
			name := strings.TrimPrefix(f, "labels.")
			shared := false
			for _, v := range a.Labels()[name] {
				if b.HasLabel(name, v) {
					shared = true
					break
				}
			}
			if !shared {
				return false
			}
		default:
			return false // an unknown field never agrees: config refuses it
		}
	}
	return true
}

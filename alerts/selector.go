package alerts

import (
	"slices"
	"strings"

	"github.com/tocsin-alerts/tocsin/route"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// Selector picks incidents by what they are: severity band, category,
// place and the labels of the sources that reported them. Channel routes
// (every notifier's), the HTTP API's filters and the two sides of an
// inhibition rule are selectors, so "place" or "category" mean the same
// wherever an operator writes them. The zero Selector matches every
// incident with a severity.
type Selector struct {
	// MinSeverity and MaxSeverity bound the severity; SevNone leaves that
	// side open.
	MinSeverity rules.Severity
	MaxSeverity rules.Severity
	// Categories: the incident has at least one of them (empty: any).
	Categories []string
	// Places: the incident's location is, or lies in, one of them
	// (countries, regions, "City, Country"; empty: anywhere). See
	// PlaceMatches.
	Places []string
	// Labels: for each name, one of the incident's sources carries that
	// value (empty: any source).
	Labels map[string]string
}

// SelectorOf compiles a route as configured (package route) with the rule
// set's categories. The error names the field and, for a typo, the closest
// category.
func SelectorOf(s route.Spec, cats vocab.Categories) (Selector, error) {
	lo, hi, err := s.Band()
	if err != nil {
		return Selector{}, err
	}
	cs, err := s.ParseCategories(cats)
	if err != nil {
		return Selector{}, err
	}
	sel := Selector{MinSeverity: lo, MaxSeverity: hi}
	for _, c := range cs {
		sel.Categories = append(sel.Categories, string(c))
	}
	for _, p := range s.Places {
		sel.Places = append(sel.Places, strings.TrimSpace(p))
	}
	if len(s.Labels) > 0 {
		sel.Labels = make(map[string]string, len(s.Labels))
		for k, v := range s.Labels {
			sel.Labels[k] = strings.TrimSpace(v)
		}
	}
	return sel, nil
}

// Matches reports whether the incident is one the selector picks.
func (s Selector) Matches(inc Incident) bool {
	if inc.Severity == rules.SevNone || inc.Severity < s.MinSeverity {
		return false
	}
	if s.MaxSeverity != rules.SevNone && inc.Severity > s.MaxSeverity {
		return false
	}
	if len(s.Categories) > 0 && !slices.ContainsFunc(s.Categories, func(c string) bool {
		return slices.ContainsFunc(inc.Categories, func(h string) bool { return strings.EqualFold(strings.TrimSpace(c), h) })
	}) {
		return false
	}
	if len(s.Places) > 0 && !PlaceMatches(s.Places, inc.Location) {
		return false
	}
	for name, value := range s.Labels {
		if !inc.HasLabel(name, value) {
			return false
		}
	}
	return true
}

// PlaceMatches compares wanted places with a location "City, Region,
// Country": the whole location, or any of its parts, matches,
// case-insensitively; a wanted "Odesa, Ukraine" matches a location that
// ends with it. A channel routed to Ukraine gets Kharkiv's incidents.
func PlaceMatches(places []string, location string) bool {
	loc := normPlace(location)
	if loc == "" {
		return false
	}
	parts := strings.Split(loc, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	for _, p := range places {
		p = normPlace(p)
		if p == "" {
			continue
		}
		if p == loc || strings.HasSuffix(loc, ", "+p) || slices.Contains(parts, p) {
			return true
		}
	}
	return false
}

func normPlace(s string) string {
	fields := strings.Split(strings.ToLower(strings.TrimSpace(s)), ",")
	for i := range fields {
		fields[i] = strings.Join(strings.Fields(fields[i]), " ")
	}
	return strings.Join(fields, ", ")
}

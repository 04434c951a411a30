package alerts

import (
	"slices"
	"strings"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// IsDeescalation reports whether a report says an incident is over: its
// result carries a resolve category for the incident's place, or one of its
// sentences names the incident's place together with a resolve phrase
// ("Aleppo airport reopened", "a ceasefire in Kharkiv").
func IsDeescalation(inc Incident, res rules.Result, r report.Report, p Policy) bool {
	for _, c := range res.Categories {
		if slices.Contains(p.ResolveCategories, c) && (res.Location == "" || SamePlace(inc.Location, res.Location)) {
			return true
		}
	}
	place := placeParts(inc.Location)
	if len(place) == 0 || len(p.ResolvePhrases) == 0 {
		return false
	}
	name := place[0]
	for _, s := range sentences(strings.ToLower(r.FullText())) {
		if !strings.Contains(s, name) {
			continue
		}
		for _, ph := range p.ResolvePhrases {
			if strings.Contains(s, strings.ToLower(ph)) {
				return true
			}
		}
	}
	return false
}

// sentences splits text at sentence ends and line breaks; good enough to
// keep a place and a phrase in the same statement.
func sentences(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '!' || r == '?' || r == '\n' })
}

package route

import (
	"slices"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/vocab"
)

func cats(t *testing.T) vocab.Categories {
	t.Helper()
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	return set.Categories()
}

func TestSpecCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Spec
		want []string // fields with a problem
	}{
		{"empty is fine", Spec{}, nil},
		{"full", Spec{Categories: []string{"airstrike"}, Places: []string{"Ukraine"}, MinSeverity: "high",
			Labels: map[string]string{"region": "europe"}}, nil},
		{"bad severities", Spec{MinSeverity: "urgent", MaxSeverity: "none"}, []string{"min_severity", "max_severity"}},
		{"inverted band", Spec{MinSeverity: "critical", MaxSeverity: "low"}, []string{"max_severity"}},
		{"bad label", Spec{Labels: map[string]string{"Region": "x", "trust": " "}}, []string{"labels.Region", "labels.trust"}},
		{"empty entries", Spec{Categories: []string{""}, Places: []string{" "}}, []string{"categories[0]", "places[0]"}},
	} {
		var got []string
		for _, p := range tc.s.Check() {
			got = append(got, p.Field)
		}
		if !sameSet(got, tc.want) {
			t.Errorf("%s: problems at %v, want %v", tc.name, got, tc.want)
		}
	}
}

// sameSet compares two lists as sets of fields.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestSelectorUsesVocabulary(t *testing.T) {
	c := cats(t)
	sel, err := Spec{Categories: []string{"Mass casualty"}, MinSeverity: "high", Places: []string{" Ukraine "}}.Selector(c)
	if err != nil {
		t.Fatal(err)
	}
	if sel.Categories[0] != "mass_casualty" || sel.MinSeverity != rules.SevHigh || sel.Places[0] != "Ukraine" {
		t.Errorf("Selector = %+v", sel)
	}
	if !sel.Matches(alerts.Incident{Severity: rules.SevCritical, Categories: []string{"mass_casualty"}, Location: "Kharkiv, Ukraine"}) {
		t.Error("compiled selector does not match its incident")
	}
	if _, err := (Spec{Categories: []string{"airstrik"}}).Selector(c); err == nil || !strings.Contains(err.Error(), "did you mean airstrike") {
		t.Errorf("typo: %v", err)
	}
}

func TestInhibit(t *testing.T) {
	r := Inhibit{Source: Spec{MinSeverity: "critical"}, Target: Spec{MaxSeverity: "high"}, Equal: []string{"place"}}
	if ps := r.Check(); len(ps) != 0 {
		t.Fatalf("Check = %v", ps)
	}
	rule, err := r.Rule(cats(t))
	if err != nil || rule.Source.MinSeverity != rules.SevCritical || rule.Target.MaxSeverity != rules.SevHigh || rule.Equal[0] != "place" {
		t.Fatalf("Rule = %+v, %v", rule, err)
	}
	if ps := (Inhibit{Equal: []string{"country"}}).Check(); len(ps) != 1 || ps[0].Field != "equal[0]" {
		t.Errorf("bad equal: %v", ps)
	}
	if ps := (Inhibit{}).Check(); len(ps) != 1 || ps[0].Field != "equal" {
		t.Errorf("a rule holding back everything was not refused: %v", ps)
	}
}

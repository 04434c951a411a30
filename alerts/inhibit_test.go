package alerts

import (
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/route"
	"github.com/tocsin-alerts/tocsin/rules"
)

func TestSelector(t *testing.T) {
	inc := kharkiv()
	for _, tc := range []struct {
		name string
		s    Selector
		want bool
	}{
		{"zero matches all", Selector{}, true},
		{"min below", Selector{MinSeverity: rules.SevHigh}, true},
		{"max below", Selector{MaxSeverity: rules.SevHigh}, false},
		{"category any of", Selector{Categories: []string{"shelling", "Airstrike"}}, true},
		{"category none", Selector{Categories: []string{"shelling"}}, false},
		{"country", Selector{Places: []string{"ukraine"}}, true},
		{"city with country", Selector{Places: []string{"Kharkiv,  Ukraine"}}, true},
		{"other city", Selector{Places: []string{"Odesa, Ukraine"}}, false},
		{"label", Selector{Labels: map[string]string{"trust": "wire"}}, true},
		{"two labels from two sources", Selector{Labels: map[string]string{"trust": "social", "region": "europe"}}, true},
		{"label value no source has", Selector{Labels: map[string]string{"trust": "press"}}, false},
	} {
		if got := tc.s.Matches(inc); got != tc.want {
			t.Errorf("%s: Matches = %v, want %v", tc.name, got, tc.want)
		}
	}
	if (Selector{}).Matches(Incident{Location: "Kharkiv"}) {
		t.Error("an incident without severity matched")
	}
}

func TestInhibited(t *testing.T) {
	critical := kharkiv() // announced, open, critical, Kharkiv
	lower := func(id, place string, sev rules.Severity) Incident {
		return Incident{ID: id, Location: place, Categories: []string{"shelling"}, Severity: sev,
			Sources: []SourceRef{{Source: "x", Labels: report.NewLabels(map[string]string{"region": "europe"})}}}
	}
	byPlace := InhibitRule{Source: Selector{MinSeverity: rules.SevCritical}, Target: Selector{MaxSeverity: rules.SevHigh},
		Equal: []string{"place"}}
	byLabel := InhibitRule{Source: Selector{MinSeverity: rules.SevCritical}, Target: Selector{MaxSeverity: rules.SevHigh},
		Equal: []string{"labels.region"}}
	pendingCrit := critical
	pendingCrit.Alerted = false
	resolvedCrit := critical
	resolvedCrit.ResolvedAt = t0
	for _, tc := range []struct {
		name   string
		rules  []InhibitRule
		open   []Incident
		target Incident
		kind   EventKind
		want   bool
	}{
		// The example: a critical incident in a place holds back lower ones there.
		{"lower in same city", []InhibitRule{byPlace}, []Incident{critical}, lower("b", "Kharkiv, Ukraine", rules.SevHigh), Opened, true},
		{"lower in the country", []InhibitRule{byPlace}, []Incident{critical}, lower("b", "Ukraine", rules.SevMedium), Updated, true},
		{"lower elsewhere", []InhibitRule{byPlace}, []Incident{critical}, lower("b", "Gao, Mali", rules.SevHigh), Opened, false},
		// Another critical one is not a target.
		{"another critical", []InhibitRule{byPlace}, []Incident{critical}, lower("b", "Kharkiv, Ukraine", rules.SevCritical), Opened, false},
		// The source must be announced and open.
		{"pending source", []InhibitRule{byPlace}, []Incident{pendingCrit}, lower("b", "Kharkiv, Ukraine", rules.SevHigh), Opened, false},
		{"resolved source", []InhibitRule{byPlace}, []Incident{resolvedCrit}, lower("b", "Kharkiv, Ukraine", rules.SevHigh), Opened, false},
		// A resolution goes out: the living message must say it is over.
		{"resolution never held", []InhibitRule{byPlace}, []Incident{critical}, lower("b", "Kharkiv, Ukraine", rules.SevHigh), Resolved, false},
		// An incident never inhibits itself.
		{"itself", []InhibitRule{{Source: Selector{}, Target: Selector{}}}, []Incident{critical}, critical, Updated, false},
		// Equal on a source label: both have a region=europe source.
		{"same label", []InhibitRule{byLabel}, []Incident{critical}, lower("b", "Gao, Mali", rules.SevHigh), Opened, true},
		// No rules, nothing held.
		{"no rules", nil, []Incident{critical}, lower("b", "Kharkiv, Ukraine", rules.SevHigh), Opened, false},
	} {
		_, src, got := Inhibited(tc.rules, tc.open, tc.target, tc.kind)
		if got != tc.want {
			t.Errorf("%s: inhibited = %v, want %v", tc.name, got, tc.want)
		}
		if got && src.ID != critical.ID {
			t.Errorf("%s: held back by %q, want %q", tc.name, src.ID, critical.ID)
		}
	}
}

// TestSelectorOf: a configured route compiles with the rule set's
// vocabulary (an alias, spaces), and a typo names its field and the
// category meant.
func TestSelectorOf(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	sel, err := SelectorOf(route.Spec{Categories: []string{"Mass casualty"}, MinSeverity: "high", Places: []string{" Ukraine "},
		Labels: map[string]string{"region": " europe "}}, set.Categories())
	if err != nil {
		t.Fatal(err)
	}
	if sel.Categories[0] != "mass_casualty" || sel.MinSeverity != rules.SevHigh || sel.Places[0] != "Ukraine" || sel.Labels["region"] != "europe" {
		t.Errorf("SelectorOf = %+v", sel)
	}
	if !sel.Matches(Incident{Severity: rules.SevCritical, Categories: []string{"mass_casualty"}, Location: "Kharkiv, Ukraine",
		Sources: []SourceRef{{Labels: report.NewLabels(map[string]string{"region": "europe"})}}}) {
		t.Error("compiled selector does not match its incident")
	}
	if _, err := SelectorOf(route.Spec{Categories: []string{"airstrik"}}, set.Categories()); err == nil ||
		!strings.Contains(err.Error(), "categories[0]") || !strings.Contains(err.Error(), "did you mean airstrike") {
		t.Errorf("typo: %v", err)
	}
	r, err := InhibitRuleOf(route.Inhibit{Source: route.Spec{MinSeverity: "critical"}, Target: route.Spec{MaxSeverity: "high"},
		Equal: []string{" Place"}}, set.Categories())
	if err != nil || r.Source.MinSeverity != rules.SevCritical || r.Target.MaxSeverity != rules.SevHigh || r.Equal[0] != "place" {
		t.Fatalf("InhibitRuleOf = %+v, %v", r, err)
	}
	if _, err := InhibitRuleOf(route.Inhibit{Target: route.Spec{Categories: []string{"shellin"}}}, set.Categories()); err == nil ||
		!strings.HasPrefix(err.Error(), "target.categories[0]") {
		t.Errorf("inhibit typo: %v", err)
	}
}

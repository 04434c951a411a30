package route

import (
	"slices"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/vocab"
)

func cats(t *testing.T) vocab.Categories {
	t.Helper()
	c, err := vocab.NewCategories([]vocab.Def{{Name: "airstrike"}, {Name: "shelling"}, {Name: "threat"},
		{Name: "de_escalation"}, {Name: "mass_casualty"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
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

func TestBandAndCategories(t *testing.T) {
	lo, hi, err := Spec{MinSeverity: "High", MaxSeverity: "critical"}.Band()
	if err != nil || lo != vocab.SevHigh || hi != vocab.SevCritical {
		t.Errorf("Band = %v %v %v", lo, hi, err)
	}
	if _, _, err := (Spec{MaxSeverity: "none"}).Band(); err == nil || !strings.HasPrefix(err.Error(), "max_severity: ") {
		t.Errorf("Band(none) = %v; want a max_severity error", err)
	}
	got, err := Spec{Categories: []string{"Mass casualty", "airstrike"}}.ParseCategories(cats(t))
	if err != nil || !slices.Equal(got, []vocab.Category{vocab.MassCasualty, "airstrike"}) {
		t.Errorf("ParseCategories = %v %v", got, err)
	}
	if _, err := (Spec{Categories: []string{"airstrike", "airstrik"}}).ParseCategories(cats(t)); err == nil ||
		!strings.Contains(err.Error(), "categories[1]") || !strings.Contains(err.Error(), "did you mean airstrike") {
		t.Errorf("typo: %v", err)
	}
}

func TestInhibitCheck(t *testing.T) {
	r := Inhibit{Source: Spec{MinSeverity: "critical"}, Target: Spec{MaxSeverity: "high"}, Equal: []string{"place"}}
	if ps := r.Check(); len(ps) != 0 {
		t.Fatalf("Check = %v", ps)
	}
	if ps := (Inhibit{Equal: []string{"country"}}).Check(); len(ps) != 1 || ps[0].Field != "equal[0]" {
		t.Errorf("bad equal: %v", ps)
	}
	if ps := (Inhibit{}).Check(); len(ps) != 1 || ps[0].Field != "equal" {
		t.Errorf("a rule holding back everything was not refused: %v", ps)
	}
}

func TestParseEqual(t *testing.T) {
	for in, want := range map[string]string{"place": "place", " Category": "category", "labels.region": "labels.region",
		"labels.": "", "country": "", "labels.Region": "labels.region", "labels.re-gion": ""} {
		got, err := ParseEqual(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("ParseEqual(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestUnknownCategories: every unknown category of every route is named
// by its full path, with the category meant; known ones pass.
func TestUnknownCategories(t *testing.T) {
	routes := append([]Named{{Path: "discord.channels[0]", Spec: Spec{Categories: []string{"airstrike"}}}},
		Prefixed("slack", []Named{{Path: "channels[0]", Spec: Spec{Categories: []string{"shelling", "airstrik"}}},
			{Path: "channels[1]", Spec: Spec{Categories: []string{"cyber"}}}})...)
	got := UnknownCategories(routes, cats(t))
	if len(got) != 2 || got[0].Field != "slack.channels[0].categories[1]" || !strings.Contains(got[0].Msg, "did you mean airstrike") ||
		got[1].Field != "slack.channels[1].categories[0]" {
		t.Errorf("UnknownCategories = %+v", got)
	}
	if got := UnknownCategories(routes[:1], cats(t)); len(got) != 0 {
		t.Errorf("known categories refused: %+v", got)
	}
}

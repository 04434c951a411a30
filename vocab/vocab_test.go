package vocab

import (
	"strings"
	"testing"
)

func testVocab(t *testing.T) Categories {
	t.Helper()
	c, err := NewCategories([]Def{{Name: "airstrike"}, {Name: "border_closure"}, {Name: "threat"},
		{Name: "de_escalation"}, {Name: "mass_casualty"}, {Name: "shelling"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseCategory(t *testing.T) {
	c := testVocab(t)
	for _, tc := range []struct {
		in, want, errPart string
	}{
		{in: "airstrike", want: "airstrike"},
		{in: "  Border Closure ", want: "border_closure"}, // spaces and case, as typed in chat
		{in: "de-escalation", want: "de_escalation"},      // the spelling the old policy used
		{in: "strike", errPart: "did you mean airstrike"}, // the old /alerts help suggested it
		{in: "shellin", errPart: "did you mean shelling"},
		{in: "weather", errPart: "want one of airstrike, border_closure"},
		{in: "", errPart: "empty category"},
	} {
		got, err := c.Parse(tc.in)
		if tc.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("Parse(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.errPart)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseAllReportsEveryProblem(t *testing.T) {
	_, err := testVocab(t).ParseAll([]string{"airstrike", "strike", "flood"})
	if err == nil || !strings.Contains(err.Error(), `"strike"`) || !strings.Contains(err.Error(), `"flood"`) {
		t.Fatalf("want both unknown names in one error, got %v", err)
	}
}

func TestNewCategoriesRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		defs []Def
		want string
	}{
		{"missing required", []Def{{Name: "airstrike"}}, `"threat" must be declared`},
		{"duplicate", []Def{{Name: "threat"}, {Name: "threat"}, {Name: "de_escalation"}, {Name: "mass_casualty"}}, "declared twice"},
		{"bad name", []Def{{Name: "Air Strike"}, {Name: "threat"}, {Name: "de_escalation"}, {Name: "mass_casualty"}}, "lower-case"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewCategories(tc.defs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestSeverityRoundTrip(t *testing.T) {
	for _, s := range Severities() {
		b, _ := s.MarshalText()
		var back Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("%v: round trip gave %v, %v", s, back, err)
		}
	}
	if _, err := ParseSeverity("hihg"); err == nil {
		t.Error("ParseSeverity accepted a typo")
	}
	if s, err := ParseSeverity(" HIGH "); err != nil || s != SevHigh {
		t.Errorf("ParseSeverity(HIGH) = %v, %v", s, err)
	}
}

func TestValidLabelName(t *testing.T) {
	for in, ok := range map[string]bool{"region": true, "desk_2": true, "a": true, "": false, "Region": false,
		"2desk": false, "re-gion": false, "_x": false, strings.Repeat("a", 32): true, strings.Repeat("a", 33): false} {
		if got := ValidLabelName(in); got != ok {
			t.Errorf("ValidLabelName(%q) = %v, want %v", in, got, ok)
		}
	}
}

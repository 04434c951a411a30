package alerts

import (
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// kharkiv is an announced critical airstrike in Kharkiv reported by a
// Sahel-desk wire (labels are arbitrary here) and a social source.
func kharkiv() Incident {
	return Incident{ID: "inc-k", Location: "Kharkiv, Ukraine", Categories: []string{"airstrike", "mass_casualty"},
		Severity: rules.SevCritical, Alerted: true, Sources: []SourceRef{
			{Source: "wire", Labels: report.NewLabels(map[string]string{"region": "europe", "trust": "wire"})},
			{Source: "tg", Labels: report.NewLabels(map[string]string{"trust": "social"})},
		}}
}

func TestSilenceMatchers(t *testing.T) {
	now := t0
	inc := kharkiv()
	rulesOf := []string{"missile-strike"}
	sil := func(ms ...string) Silence {
		var out []Matcher
		for _, s := range ms {
			m, err := ParseMatcher(s)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return NewSilence(out, now.Add(time.Hour), "ops", "test", now)
	}
	for _, tc := range []struct {
		name string
		s    Silence
		want bool
	}{
		// One matcher of each kind.
		{"place country", sil("place=Ukraine"), true},
		{"place city", sil("place=kharkiv"), true},
		{"other place", sil("place=Odesa"), false},
		{"category", sil("category=airstrike"), true},
		{"rule", sil("rule=Missile-Strike"), true},
		{"incident", sil("incident=inc-k"), true},
		{"label of one source", sil("labels.trust=social"), true},
		{"label no source has", sil("labels.region=sahel"), false},
		// Several matchers: all must match.
		{"place and category", sil("place=Ukraine", "category=airstrike"), true},
		{"place and other category", sil("place=Ukraine", "category=shelling"), false},
		{"category and label", sil("category=mass_casualty", "labels.region=europe"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.Matches(inc, rulesOf); got != tc.want {
				t.Errorf("%s matches = %v, want %v", tc.s.Describe(), got, tc.want)
			}
			_, silenced := Silenced([]Silence{tc.s}, Alert{Incident: inc, Result: rules.Result{
				Evidence: []rules.Evidence{{Rule: "missile-strike"}}}}, now)
			if silenced != tc.want {
				t.Errorf("Silenced = %v, want %v", silenced, tc.want)
			}
			// An expired silence never silences.
			if _, ok := Silenced([]Silence{tc.s}, Alert{Incident: inc}, now.Add(2*time.Hour)); ok {
				t.Error("expired silence still silences")
			}
		})
	}
}

func TestParseMatcher(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "place=Kharkiv, Ukraine", want: "place=Kharkiv, Ukraine"},
		{in: " Category = airstrike ", want: "category=airstrike"},
		{in: "labels.region=sahel", want: "label=region=sahel"},
		{in: "kharkiv", err: "want kind=value"},
		{in: "city=Kharkiv", err: "unknown silence kind"},
	} {
		m, err := ParseMatcher(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseMatcher(%q) = %v, %v; want error %q", tc.in, m, err, tc.err)
			}
			continue
		}
		if err != nil || m.String() != tc.want {
			t.Errorf("ParseMatcher(%q) = %q, %v; want %q", tc.in, m, err, tc.want)
		}
	}
}

func TestSilenceCheck(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	ok := func(ms ...Matcher) Silence { return NewSilence(ms, now.Add(4*time.Hour), " ops ", "drill", now) }
	// The vocabulary canonicalises categories; a label is trimmed.
	got, err := ok(Matcher{"category", "Mass casualty"}, Matcher{"label", " region = sahel "}).Check(set, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Describe() != "category=mass_casualty, label=region=sahel" || got.Author != "ops" {
		t.Errorf("Check = %q by %q", got.Describe(), got.Author)
	}
	for _, tc := range []struct {
		name string
		s    Silence
		err  []string
	}{
		{"typo in category", ok(Matcher{"category", "airstrik"}), []string{"did you mean airstrike"}},
		{"unknown rule", ok(Matcher{"rule", "no-such-rule"}), []string{"no rule has the id"}},
		{"bad label", ok(Matcher{"label", "Region"}), []string{"not name=value"}},
		{"empty value", ok(Matcher{"place", " "}), []string{"say what to silence"}},
		{"unknown kind", ok(Matcher{"city", "x"}), []string{"unknown silence kind"}},
		{"past expiry", NewSilence([]Matcher{{"place", "Gao"}}, now.Add(-time.Minute), "", "", now), []string{"in the past"}},
		{"too long", NewSilence([]Matcher{{"place", "Gao"}}, now.Add(200*24*time.Hour), "", "", now), []string{"at most"}},
		// Every problem at once.
		{"two problems", NewSilence([]Matcher{{"rule", "nope"}, {"category", "weather"}}, time.Time{}, "", "", now),
			[]string{"no rule", "unknown category", "no expiry"}},
	} {
		_, err := tc.s.Check(set, now)
		for _, want := range tc.err {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: Check error %v, want it to say %q", tc.name, err, want)
			}
		}
	}
	// A rule id is matched case-insensitively and stored as the rule writes it.
	id := set.Rules()[0].ID
	got, err = ok(Matcher{"rule", strings.ToUpper(id)}).Check(set, now)
	if err != nil || got.Value != id {
		t.Errorf("rule %q: %v, %v", id, got.Value, err)
	}
}

package alerts

import (
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/rules"
)

const wire = "Russian and Syrian military aircraft targeted insurgents in a suburb of Aleppo on Saturday, according to two Syrian military sources. This followed a surprise assault by rebel fighters who had infiltrated the city the day before."

func TestMatch(t *testing.T) {
	p := DefaultPolicy()
	aleppo := *openInc(rules.SevHigh)
	kharkiv := *openInc(rules.SevHigh)
	kharkiv.ID, kharkiv.Location = "inc-k", "Kharkiv, Ukraine"
	wireInc := *openInc(rules.SevHigh)
	wireInc.ID, wireInc.Location, wireInc.Shingles = "inc-w", "", Sketch(wire)
	open := []Incident{kharkiv, aleppo, wireInc}

	for _, tc := range []struct {
		name string
		res  rules.Result
		text string
		now  time.Duration
		want string
	}{
		// Same place and category joins.
		{"same place", result(rules.SevHigh, "aleppo, syria", "armed-conflict"), "x", time.Hour, aleppo.ID},
		// A country-only place joins an incident in that country.
		{"country only", result(rules.SevHigh, "Ukraine", "armed-conflict"), "x", time.Hour, "inc-k"},
		// Same place, unrelated category: separate incident.
		{"other category", result(rules.SevHigh, "Aleppo, Syria", "industrial"), "x", time.Hour, ""},
		// Outside the group window: separate incident.
		{"too late", result(rules.SevHigh, "Aleppo, Syria", "armed-conflict"), "x", 13 * time.Hour, ""},
		// No place but the same wire text (lightly edited) joins by similarity.
		{"near duplicate", result(rules.SevHigh, "", "armed-conflict"), wire + " Reuters reported.", time.Hour, "inc-w"},
		// A de-escalation report without alerting evidence matches its place.
		{"de-escalation", rules.Result{}, "Kharkiv: a ceasefire took hold overnight.", time.Hour, "inc-k"},
		{"unrelated quiet report", rules.Result{}, "Markets rose in Kharkiv.", time.Hour, ""},
	} {
		got := Match(open, tc.res, rep("z", tc.text), t0.Add(tc.now), p)
		id := ""
		if got != nil {
			id = got.ID
		}
		if id != tc.want {
			t.Errorf("%s: Match = %q; want %q", tc.name, id, tc.want)
		}
	}
}

func TestSimilarity(t *testing.T) {
	a := Sketch(wire)
	if s := Similarity(a, a); s != 1 {
		t.Errorf("self similarity = %v", s)
	}
	if s := Similarity(a, Sketch("Dock workers in Antwerp began a three day strike over pay on Monday morning.")); s > 0.1 {
		t.Errorf("unrelated similarity = %v", s)
	}
	if s := Similarity(a, Sketch(wire+" More to follow.")); s < 0.7 {
		t.Errorf("near-duplicate similarity = %v", s)
	}
	if Similarity(nil, a) != 0 {
		t.Error("empty sketch similarity must be 0")
	}
}

func TestSilenced(t *testing.T) {
	inc := *openInc(rules.SevHigh)
	a := Alert{Incident: inc, Result: result(rules.SevHigh, "Aleppo, Syria", "armed-conflict")}
	exp := t0.Add(time.Hour)
	for _, tc := range []struct {
		s    Silence
		at   time.Duration
		want bool
	}{
		{Silence{Kind: SilencePlace, Value: "aleppo", ExpiresAt: exp}, 0, true},
		{Silence{Kind: SilencePlace, Value: "Syria", ExpiresAt: exp}, 0, true},
		{Silence{Kind: SilencePlace, Value: "Kharkiv", ExpiresAt: exp}, 0, false},
		{Silence{Kind: SilenceCategory, Value: "Armed-Conflict", ExpiresAt: exp}, 0, true},
		{Silence{Kind: SilenceRule, Value: "r-high", ExpiresAt: exp}, 0, true},
		{Silence{Kind: SilenceRule, Value: "other", ExpiresAt: exp}, 0, false},
		{Silence{Kind: SilenceIncident, Value: inc.ID, ExpiresAt: exp}, 0, true},
		// Expired silences do nothing.
		{Silence{Kind: SilenceIncident, Value: inc.ID, ExpiresAt: exp}, 2 * time.Hour, false},
	} {
		_, got := Silenced([]Silence{tc.s}, a, t0.Add(tc.at))
		if got != tc.want {
			t.Errorf("Silenced(%+v at +%v) = %v; want %v", tc.s, tc.at, got, tc.want)
		}
	}
	if _, err := ParseSilenceKind("weather"); err == nil {
		t.Error("ParseSilenceKind accepted an unknown kind")
	}
}

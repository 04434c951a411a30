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
		{"same place", result(rules.SevHigh, "aleppo, syria", "offensive"), "x", time.Hour, aleppo.ID},
		// A country-only place joins an incident in that country.
		{"country only", result(rules.SevHigh, "Ukraine", "offensive"), "x", time.Hour, "inc-k"},
		// Same place, unrelated category: separate incident.
		{"other category", result(rules.SevHigh, "Aleppo, Syria", "border_closure"), "x", time.Hour, ""},
		// Outside the group window: separate incident.
		{"too late", result(rules.SevHigh, "Aleppo, Syria", "offensive"), "x", 13 * time.Hour, ""},
		// No place but the same wire text (lightly edited) joins by similarity.
		{"near duplicate", result(rules.SevHigh, "", "offensive"), wire + " Reuters reported.", time.Hour, "inc-w"},
		// The rules' de-escalation verdict for a place matches its incident.
		{"de-escalation", deesc("Kharkiv, Ukraine"), "Kharkiv: a ceasefire took hold overnight.", time.Hour, "inc-k"},
		// ...but not one in another place, nor one for the whole country.
		{"de-escalation elsewhere", deesc("Odesa, Ukraine"), "Odesa: a ceasefire took hold.", time.Hour, ""},
		{"de-escalation for the country", deesc("Ukraine"), "A ceasefire took hold in Ukraine.", time.Hour, ""},
		// Words alone, without the rules' verdict, match nothing.
		{"ceasefire phrase only", rules.Result{}, "Shelling went on in Kharkiv as hopes for a ceasefire faded.", time.Hour, ""},
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

// TestTemplateReportsAboutDifferentPlaces: one outlet writes its strike
// reports from a template, so their texts are near-duplicates; only the city
// differs. Each city is its own event. (Sumy, Poltava and Lviv used to be
// folded into Kherson by text similarity and never alerted.)
func TestTemplateReportsAboutDifferentPlaces(t *testing.T) {
	p := DefaultPolicy()
	template := func(city string) string {
		return "Russian forces launched a missile and drone strike on " + city + " overnight, damaging residential " +
			"buildings and energy infrastructure, the regional administration said on Telegram. Air defence units " +
			"were working in the area and emergency services were at the scene, officials said."
	}
	kherson := *openInc(rules.SevHigh)
	kherson.ID, kherson.Location, kherson.Categories = "inc-kherson", "Kherson, Ukraine", []string{"airstrike"}
	kherson.Shingles = Sketch(template("Kherson"))
	unplaced := *openInc(rules.SevHigh)
	unplaced.ID, unplaced.Location, unplaced.Categories = "inc-wire", "", []string{"airstrike"}
	unplaced.Shingles = Sketch(template("Mykolaiv"))
	if s := Similarity(Sketch(template("Sumy")), kherson.Shingles); s < p.DupThreshold {
		t.Fatalf("template texts should be near-duplicates for this test to mean anything: similarity %.2f", s)
	}
	for _, tc := range []struct {
		city, place string
		open        []Incident
		want        string
	}{
		// Another city from the same template is another incident.
		{"Sumy", "Sumy, Ukraine", []Incident{kherson}, ""},
		{"Poltava", "Poltava, Ukraine", []Incident{kherson}, ""},
		{"Lviv", "Lviv, Ukraine", []Incident{kherson}, ""},
		{"Dnipro", "Dnipro, Ukraine", []Incident{kherson}, ""},
		// The same city again (another outlet's copy) joins it.
		{"Kherson", "Kherson, Ukraine", []Incident{kherson}, "inc-kherson"},
		// A copy that names no place may join by text alone...
		{"Kherson", "", []Incident{kherson}, "inc-kherson"},
		// ...and a placed report may join a near-duplicate incident that
		// had no place yet.
		{"Mykolaiv", "Mykolaiv, Ukraine", []Incident{unplaced}, "inc-wire"},
	} {
		// A different category keeps the same-place rule out of the way:
		// only the near-duplicate path is under test.
		res := result(rules.SevHigh, tc.place, "shelling")
		got := Match(tc.open, res, rep("z", template(tc.city)), t0.Add(time.Hour), p)
		id := ""
		if got != nil {
			id = got.ID
		}
		if id != tc.want {
			t.Errorf("%s (%q): Match = %q; want %q", tc.city, tc.place, id, tc.want)
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
	a := Alert{Incident: inc, Result: result(rules.SevHigh, "Aleppo, Syria", "offensive")}
	exp := t0.Add(time.Hour)
	for _, tc := range []struct {
		s    Silence
		at   time.Duration
		want bool
	}{
		{Silence{Kind: SilencePlace, Value: "aleppo", ExpiresAt: exp}, 0, true},
		{Silence{Kind: SilencePlace, Value: "Syria", ExpiresAt: exp}, 0, true},
		{Silence{Kind: SilencePlace, Value: "Kharkiv", ExpiresAt: exp}, 0, false},
		{Silence{Kind: SilenceCategory, Value: "Offensive", ExpiresAt: exp}, 0, true},
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

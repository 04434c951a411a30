package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/report"
)

// TestEventFrames: the event's actor, act and target decide its category
// and its place. Each case is written for this test; scored by the rules
// alone so that the frame mechanism itself is pinned.
func TestEventFrames(t *testing.T) {
	set, err := Default(WithPrior(nil, 0), WithGazetteer(shared(t).Gazetteer()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, text, location string
		has, hasNot          []string
	}{
		{name: "the target, not the attacker's country",
			text: "Egyptian warplanes struck militant camps near Derna on Monday, killing 12 fighters.", location: "Derna, Libya",
			has: []string{"airstrike"}},
		{name: "foreign forces are actors",
			text: "U.S. forces raided a compound in Kandahar overnight, killing a senior commander.", location: "Kandahar, Afghanistan"},
		{name: "a capital speaking for its government",
			text: "Moscow said its forces had captured Avdiivka after months of fighting.", location: "Avdiivka, Ukraine",
			has: []string{"territory_seized"}},
		{name: "a person's name is no place",
			text:     "Prime Minister Regina Lopez said troops were sent north after rebels attacked a checkpoint in Nigeria.",
			location: "Nigeria"},
		{name: "a domestic conflict's own country when nothing else is named",
			text: "Colombian forces killed 32 rebels in the latest government offensive.", location: "Colombia"},
		{name: "only a country named: the country, not its capital",
			text: "Militants attacked an army checkpoint in Chad, killing five soldiers.", location: "Chad"},
		{name: "a plane shot at is no air strike",
			text: "Gunmen fired at a passenger plane as it landed at Mogadishu airport.", hasNot: []string{"airstrike"}},
		{name: "struck by drones is one (the passive)",
			text: "A fuel depot near Kursk was struck by drones overnight, the regional governor said.", has: []string{"airstrike"}},
		{name: "an attack told as an air strike is an air strike",
			text: "Warplanes bombed a market in Maarat al-Numan, killing 14 people.",
			has:  []string{"airstrike"}, hasNot: []string{"armed_attack"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := set.Score(report.Report{Text: tc.text, Published: mustYear(2025)})
			if !res.Alert {
				t.Fatalf("no alert; suppressed %+v", res.Suppressed)
			}
			if tc.location != "" && res.Location != tc.location {
				t.Errorf("location %q, want %q", res.Location, tc.location)
			}
			for _, c := range tc.has {
				if !slices.Contains(res.Categories, c) {
					t.Errorf("categories %v lack %s", res.Categories, c)
				}
			}
			for _, c := range tc.hasNot {
				if slices.Contains(res.Categories, c) {
					t.Errorf("categories %v should not hold %s", res.Categories, c)
				}
			}
		})
	}
}

// TestYieldsToIsExplained: a hit that yields to a more specific category is
// listed among the suppressed hits with the reason.
func TestYieldsToIsExplained(t *testing.T) {
	res := shared(t).Score(report.Report{Text: "Warplanes bombed a market in Maarat al-Numan, killing 14 people.", Published: mustYear(2025)})
	found := false
	for _, ev := range res.Suppressed {
		if ev.Rule == "armed-attack" && strings.Contains(ev.Why, "yields to airstrike") {
			found = true
		}
	}
	if !found {
		t.Errorf("armed-attack should be suppressed as yielding to airstrike: %+v", res.Suppressed)
	}
}

func TestOrderedNeedsTwoGroups(t *testing.T) {
	_, err := Compile(map[string][]byte{"r.yaml": []byte(`
rules:
  - id: r
    category: airstrike
    severity: medium
    match: {ordered: true, all: [[drones]]}
`)})
	if err == nil || !strings.Contains(err.Error(), "r.yaml:6: rules[0].match.ordered: needs an 'all' of two or more groups") {
		t.Fatalf("got %v", err)
	}
}

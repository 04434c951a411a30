package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/report"
)

// TestNovelPhrasings scores reports written for this test in words that do
// not appear in the dev corpus: the rules must generalise (inflections,
// other verbs, other places) and stay quiet on traps worded afresh.
func TestNovelPhrasings(t *testing.T) {
	s := shared(t)
	cases := []struct {
		title, text string
		alert       bool
		cats        []string
		min         Severity
	}{
		{"Airline cancels flights as pilots walk out",
			"The national carrier cancelled all flights on Monday after pilots went on a 48-hour strike over pay.", false, nil, 0},
		{"Insurgents overrun garrison town in north",
			"Insurgents overran the garrison town of Djibo on Sunday after a day-long assault, forcing soldiers to retreat south, residents said.",
			true, []string{"territory_seized", "withdrawal"}, SevHigh},
		{"Government declares nationwide emergency as rebels near capital",
			"The government declared a nationwide state of emergency on Friday as rebel columns advanced to within 50 km of the capital.",
			true, []string{"state_of_emergency"}, SevHigh},
		{"Tennis star withdraws from Open with injury",
			"The world number three withdrew from the tournament on Tuesday, citing a shoulder injury sustained in the quarterfinal.", false, nil, 0},
		{"Volunteers rehearse evacuation of coastal town",
			"Hundreds of volunteers took part in a drill simulating the evacuation of the town ahead of the cyclone season.", false, nil, 0},
		{"Drone strikes hit fuel depot in Kherson",
			"Russian drones struck a fuel depot in Kherson overnight, starting a fire and injuring two workers, the regional governor said.",
			true, []string{"airstrike"}, SevMedium},
		{"Minister rejects reports of troop pullout",
			"The defence minister on Wednesday dismissed as false reports that the army had pulled out of the border district, saying units remained in place.",
			false, nil, 0},
		{"Ten years on, city recalls the day militants took over",
			"A decade ago, Islamic State fighters seized Mosul and declared a caliphate. On Tuesday survivors gathered to remember those who died.",
			false, nil, 0},
		{"Army calls up 50,000 reservists after border clashes",
			"The defence ministry ordered the call-up of 50,000 reservists on Thursday after two days of clashes along the disputed border killed 12 soldiers.",
			true, []string{"mobilization", "mass_casualty"}, SevHigh},
		{"Company pulls out of market after sanctions",
			"The carmaker said it would pull out of the Russian market and write down its assets there.", false, nil, 0},
		{"Airport closed after militants shell runway",
			"The city's only airport was closed indefinitely after militants fired mortars at the runway late on Saturday, aviation officials said.",
			true, []string{"airport_closure"}, SevHigh},
		{"Port strike enters second week",
			"Dockworkers have shut the country's main port for a second week, with the union saying the strike will continue until wages rise.", false, nil, 0},
	}
	for _, c := range cases {
		r := report.Report{Title: c.title, Text: c.text, Published: mustYear(2025)}
		res := s.Score(r)
		checkOffsets(t, r, res)
		if res.Alert != c.alert {
			t.Errorf("%q: alert=%v, want %v (evidence %v; suppressed %v)", c.title, res.Alert, c.alert, res.Evidence, res.Suppressed)
			continue
		}
		for _, cat := range c.cats {
			if !slices.Contains(res.Categories, cat) {
				t.Errorf("%q: categories %v lack %s", c.title, res.Categories, cat)
			}
		}
		if c.alert && res.Severity < c.min {
			t.Errorf("%q: severity %v, want at least %v", c.title, res.Severity, c.min)
		}
	}
}

// TestIrregularAndNumericTerms: irregular past forms reach the stemmer
// ("fought" matches a rule written with "fight"), and numbers inside terms
// ("24-hour") match as written.
func TestIrregularAndNumericTerms(t *testing.T) {
	set, err := Compile(map[string][]byte{"r.yaml": []byte(`
rules:
  - id: clash
    category: shelling
    severity: medium
    match:
      all:
        - [rebels]
        - [fight, catch, hold, break, 24-hour siege]
`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Rebels fought troops.", "Rebels caught two soldiers.", "Rebels held the town.",
		"Rebels broke through the lines.", "Rebels began a 24-hour siege."} {
		if res := set.Score(report.Report{Text: text}); !res.Alert {
			t.Errorf("%q did not match (suppressed %v)", text, res.Suppressed)
		}
	}
}

// TestProximityLinear: a hostile sentence of one repeated word followed by a
// match must still be scored (the proximity window used to be quadratic).
// The assertion is on the verdict; the test's own timeout guards the time.
func TestProximityLinear(t *testing.T) {
	s := shared(t)
	text := strings.Repeat("troops ", 200_000) + "advanced on the city."
	res := s.Score(report.Report{Text: text})
	for _, ev := range res.Evidence {
		if ev.End > len(text) {
			t.Fatalf("offset %d past the text", ev.End)
		}
	}
}

package rules

import (
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/seeds"
)

var (
	defaultOnce sync.Once
	defaultSet  *Set
	defaultErr  error
)

// shared returns the built-in set, built once for the whole test binary.
func shared(t testing.TB) *Set {
	t.Helper()
	defaultOnce.Do(func() { defaultSet, defaultErr = Default() })
	if defaultErr != nil {
		t.Fatalf("Default: %v", defaultErr)
	}
	return defaultSet
}

func seed(t *testing.T, name string) report.Report {
	t.Helper()
	b, err := fs.ReadFile(seeds.FS, name)
	if err != nil {
		t.Fatal(err)
	}
	return report.ParseText(name, b)
}

// checkOffsets asserts the invariant every consumer relies on: evidence
// offsets slice the named field to exactly the quoted sentence.
func checkOffsets(t *testing.T, r report.Report, res Result) {
	t.Helper()
	for _, ev := range append(append([]Evidence(nil), res.Evidence...), res.Suppressed...) {
		field := r.Text
		if ev.Field == "title" {
			field = r.Title
		}
		if ev.Start < 0 || ev.End > len(field) || ev.Start > ev.End {
			t.Fatalf("%s: offsets %d-%d outside %s of %d bytes", ev.Rule, ev.Start, ev.End, ev.Field, len(field))
		}
		if got := field[ev.Start:ev.End]; got != ev.Sentence {
			t.Fatalf("%s: %s[%d:%d] = %q, evidence says %q", ev.Rule, ev.Field, ev.Start, ev.End, got, ev.Sentence)
		}
	}
}

func TestSeedStory(t *testing.T) {
	s := shared(t)
	r := seed(t, "aleppo-offensive.txt")
	res := s.Score(r)
	checkOffsets(t, r, res)
	// A surprise offensive reaching a major city, its airport shut and the
	// army ordered out: critical by the corpus severity guide ("a large new
	// offensive"; "a capital or major city falling").
	if !res.Alert || res.Severity != SevCritical {
		t.Fatalf("seed story: alert=%v severity=%v, want a critical alert", res.Alert, res.Severity)
	}
	for _, c := range []string{"airport_closure", "withdrawal", "offensive"} {
		if !slices.Contains(res.Categories, c) {
			t.Errorf("categories %v lack %s", res.Categories, c)
		}
	}
	if !strings.HasPrefix(res.Location, "Aleppo") {
		t.Errorf("location %q, want Aleppo", res.Location)
	}
	// The state-TV denial must not be evidence that rebels entered the city.
	for _, ev := range res.Evidence {
		if strings.Contains(ev.Sentence, "refuted claims") {
			t.Errorf("denial sentence used as evidence by %s: %s", ev.Rule, ev.Why)
		}
		if strings.HasPrefix(ev.Sentence, "In 2016") {
			t.Errorf("2016 background used as evidence by %s", ev.Rule)
		}
	}
	denied := false
	for _, ev := range res.Suppressed {
		if strings.Contains(ev.Sentence, "refuted claims") && ev.Modality == Negated {
			denied = true
		}
	}
	if !denied {
		t.Errorf("the denial sentence should be recorded as a negated, suppressed hit; suppressed: %+v", res.Suppressed)
	}
}

func TestSeedTrapsAndAlerts(t *testing.T) {
	s := shared(t)
	cases := []struct {
		file  string
		alert bool
		min   Severity
		cat   string
		place string
	}{
		{"kharkiv-missile-strike.txt", true, SevHigh, "airstrike", "Kharkiv"},
		{"munich-snow-airport.txt", false, 0, "", ""},
		{"derby-offensive.txt", false, 0, "", ""},
		{"ministry-denies-withdrawal.txt", false, 0, "", ""},
		{"sarajevo-anniversary.txt", false, 0, "", ""},
		{"dock-strike.txt", false, 0, "", ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			r := seed(t, c.file)
			res := s.Score(r)
			checkOffsets(t, r, res)
			if res.Alert != c.alert {
				t.Fatalf("alert=%v, want %v; evidence %+v", res.Alert, c.alert, res.Evidence)
			}
			if !c.alert {
				if len(res.Suppressed) == 0 {
					t.Errorf("a trap should show the hits it suppressed and why")
				}
				return
			}
			if res.Severity < c.min || !slices.Contains(res.Categories, c.cat) || !strings.HasPrefix(res.Location, c.place) {
				t.Errorf("got %v %v %q, want >= %v with %s in %s", res.Severity, res.Categories, res.Location, c.min, c.cat, c.place)
			}
		})
	}
}

// TestModality checks, sentence by sentence, what each modality does.
func TestModality(t *testing.T) {
	s := shared(t)
	cases := []struct {
		text  string
		alert bool
		cat   string // a category that must be present when alert
		why   Modality
	}{
		// asserted
		{"Rebels seized the town of Saraqib after heavy fighting.", true, "territory_seized", Asserted},
		// denial before the match
		{"The army denied that rebels had seized the town of Saraqib after heavy fighting.", false, "", Negated},
		// negation just before
		{"Officials said troops did not withdraw from the town despite the shelling.", true, "shelling", Negated},
		// hedged offensive becomes a threat
		{"The army threatened to launch an offensive on the rebel-held town.", true, "threat", Hedged},
		// historical year governs the sentence
		{"In 2014, militants seized Mosul as the army collapsed.", false, "", Historical},
		// inflections: withdrew / withdrawal / pulled out
		{"Government troops withdrew from Palmyra as militants advanced.", true, "withdrawal", Asserted},
		// curly quotes, hyphens and possessives
		{"Syria’s army began a “safe withdrawal” of troops from Aleppo’s centre amid the rebel assault.", true, "withdrawal", Asserted},
	}
	for _, c := range cases {
		res := s.Score(report.Report{Text: c.text, Published: mustYear(2024)})
		if res.Alert != c.alert {
			t.Errorf("%q: alert=%v want %v (evidence %+v; suppressed %+v)", c.text, res.Alert, c.alert, res.Evidence, res.Suppressed)
			continue
		}
		if c.alert && !slices.Contains(res.Categories, c.cat) {
			t.Errorf("%q: categories %v lack %s", c.text, res.Categories, c.cat)
		}
		if c.why != Asserted {
			found := false
			for _, ev := range append(append([]Evidence(nil), res.Evidence...), res.Suppressed...) {
				if ev.Modality == c.why {
					found = true
				}
			}
			if !found {
				t.Errorf("%q: no hit marked %s (evidence %+v; suppressed %+v)", c.text, c.why, res.Evidence, res.Suppressed)
			}
		}
	}
}

// TestHostileInput: huge, empty, broken and punctuation-only reports are
// scored without crashing, and offsets stay inside the text.
func TestHostileInput(t *testing.T) {
	s := shared(t)
	big := strings.Repeat("Russian missiles struck Kharkiv, killing 14 people. ", 10<<20/52)
	cases := map[string]report.Report{
		"10MB":        {Title: "Huge", Text: big},
		"empty":       {},
		"invalid":     {Title: "\xff\xfe bad", Text: "Rebels \xc3\x28 seized the town \xed\xa0\x80 of Idlib after fighting."},
		"punctuation": {Text: strings.Repeat("!?.,;:—“”()[]…", 1000)},
		"mentions":    {Text: "@everyone <@&123> Missiles hit Kyiv, killing 20 people. ```` ** __"},
		"nul":         {Text: "Jets struck\x00 the city of Homs."},
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			res := s.Score(r)
			clean := r.Sanitize()
			checkOffsets(t, clean, res)
			for _, ev := range res.Evidence {
				if !utf8.ValidString(ev.Sentence) || !utf8.ValidString(ev.Why) {
					t.Fatalf("invalid UTF-8 in evidence %+v", ev)
				}
			}
		})
	}
}

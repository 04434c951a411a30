package rules

import (
	"strings"
	"testing"
)

// TestBuiltinVocabularyHygiene: the built-in rules carry no stem collision
// the linter can see (each one found was a real bug: "forces" in the
// violence list also matched "forced to close" in a storm story; "executed"
// matched "chief executive"; "none: majority" dropped hits that said
// "major").
func TestBuiltinVocabularyHygiene(t *testing.T) {
	warns, err := shared(t).Hygiene(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Errorf("%s", w)
	}
}

// TestHygieneFindsCollisions: the check names file, line and field, and
// finds both kinds of collision: another use of the stem (forced/forces)
// and a name (unit → "United States"), in a suppressor, a gate and a list;
// a word news writes mostly as a name (democrats → "Democratic Forces");
// it stays quiet on inflections (attack/attacks) and on phrases.
func TestHygieneFindsCollisions(t *testing.T) {
	set, err := Compile(map[string][]byte{"r.yaml": []byte(`
lists:
  actors: [soldiers, unit]
rules:
  - id: r1
    category: shelling
    severity: medium
    match:
      all:
        - ["@actors"]
        - [attack, attacks, shelled]
    unless:
      - {id: coerced, terms: [forced], scope: sentence, action: drop}
      - {id: phrase, terms: [forced march], scope: sentence, action: drop}
      - {id: party, terms: [democrats], scope: sentence, action: drop}
`)})
	if err != nil {
		t.Fatal(err)
	}
	warns, err := set.Hygiene(nil)
	if err != nil {
		t.Fatal(err)
	}
	text := warns.Error()
	for _, want := range []string{
		`r.yaml:3: lists.actors (via match.all[0]): stem collision: "unit"`, `"united" in names such as "united states"`,
		`r.yaml:13: unless: stem collision: "forced"`, `also matches "forces"`, "write =forced",
		// met in news mostly as a name (the party), compared as one
		`r.yaml:15: unless: stem collision: "democrats"`, `"democratic" in names such as "democratic republic"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("warnings lack %q:\n%s", want, text)
		}
	}
	for _, not := range []string{`"attack"`, `"attacks"`, `forced march`, `"soldiers"`} {
		if strings.Contains(text, not) {
			t.Errorf("warnings should not mention %s:\n%s", not, text)
		}
	}
}

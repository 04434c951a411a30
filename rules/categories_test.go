package rules

import (
	"errors"
	"strings"
	"testing"
)

const oneRule = `
rules:
  - id: r1
    category: %s
    severity: medium
    match: {all: [[shelled]]}
`

func TestCategoriesDeclaredBySet(t *testing.T) {
	decl := `
categories:
  threat: a threat
  de_escalation: over
  mass_casualty: many dead
  drone_sighting: drones seen over a site
`
	set, err := Compile(map[string][]byte{
		"00-cats.yaml": []byte(decl),
		"r.yaml":       []byte(strings.Replace(oneRule, "%s", "drone_sighting", 1)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Categories().Names(); strings.Join(got, ",") != "threat,de_escalation,mass_casualty,drone_sighting" {
		t.Fatalf("declared vocabulary = %v", got)
	}
	if set.Categories().Has("airstrike") {
		t.Error("a set that declares its vocabulary owns all of it; airstrike should not be declared")
	}
}

func TestCategoryProblemsNameFileAndLine(t *testing.T) {
	_, err := Compile(map[string][]byte{
		"00-cats.yaml": []byte("categories:\n  threat: t\n  de_escalation: d\n  mass_casualty: m\n  airstrike: a\n"),
		"dup.yaml":     []byte("categories:\n  airstrike: again\n"),
		"r.yaml":       []byte(strings.Replace(oneRule, "%s", "airstrikes", 1)),
	})
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want Problems, got %v", err)
	}
	text := ps.Error()
	for _, want := range []string{
		"dup.yaml:2: categories.airstrike: category already declared in 00-cats.yaml:5",
		`r.yaml:4: category: unknown category "airstrikes" (did you mean airstrike?)`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
}

func TestUndeclaredSetUsesBuiltinVocabulary(t *testing.T) {
	// A rule directory exported before categories were declarable has no
	// categories: section; it keeps loading with the built-in vocabulary.
	set, err := Compile(map[string][]byte{"r.yaml": []byte(strings.Replace(oneRule, "%s", "shelling", 1))})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"shelling", "armed_clash", "bombing", "armed_attack", "abduction", "de_escalation"} {
		if !set.Categories().Has(vocabCategory(c)) {
			t.Errorf("built-in vocabulary lacks %s", c)
		}
	}
	if _, err := Compile(map[string][]byte{"r.yaml": []byte(strings.Replace(oneRule, "%s", "strike", 1))}); err == nil || !strings.Contains(err.Error(), "did you mean airstrike") {
		t.Errorf("a typo against the built-in vocabulary: %v", err)
	}
}

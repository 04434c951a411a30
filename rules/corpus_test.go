package rules

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/report"
)

// TestNovelCorpus scores testdata/novel.jsonl: reports written for this
// test, in words and about places the dev corpus does not use, each with the
// alert decision and the categories it must carry. Traps (fog, football,
// guidance withdrawn, a denial, an anniversary, a hurricane, commentary,
// drills, a video game) must stay quiet.
func TestNovelCorpus(t *testing.T) {
	s := shared(t)
	data, err := os.ReadFile("testdata/novel.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	ls, err := report.ParseJSONL(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(ls) != len(lines) || len(ls) < 20 {
		t.Fatalf("parsed %d reports from %d lines", len(ls), len(lines))
	}
	for i, l := range ls {
		var exp struct {
			Expect struct {
				Alert      bool     `json:"alert"`
				Categories []string `json:"categories"`
			} `json:"expect"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &exp); err != nil {
			t.Fatal(err)
		}
		res := s.Score(l.Report)
		checkOffsets(t, l.Report, res)
		if res.Alert != exp.Expect.Alert {
			t.Errorf("%s %q: alert=%v, want %v (evidence %v)", l.ID, l.Title, res.Alert, exp.Expect.Alert, res.Evidence)
			continue
		}
		for _, c := range exp.Expect.Categories {
			if !slices.Contains(res.Categories, c) {
				t.Errorf("%s %q: categories %v lack %s", l.ID, l.Title, res.Categories, c)
			}
		}
	}
}

// TestWithinInsideAny: `within` applies to the "all" branch of an "any"
// root, not only to a top-level "all".
func TestWithinInsideAny(t *testing.T) {
	set, err := Compile(map[string][]byte{"r.yaml": []byte(`
rules:
  - id: near
    category: airstrike
    severity: medium
    within: 3
    match:
      any:
        - all:
            - [drone]
            - [hit]
        - [air raid]
`)}, WithPrior(nil, 0)) // the rules' matching alone: the prior would weigh these bare sentences
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{
		"A drone hit the depot.": true,
		"A drone was seen over the hills for hours before the old wall finally hit the ground.": false,
		"An air raid siren sounded far away from anything.":                                     true,
	}
	for text, want := range cases {
		if got := set.Score(report.Report{Text: text}).Alert; got != want {
			t.Errorf("%q: alert=%v, want %v", text, got, want)
		}
	}
}

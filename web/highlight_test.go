package web

import (
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/rules"
)

func TestSegments(t *testing.T) {
	text := "Rebels took the airport. The army denied it. Calm elsewhere."
	// Sentence offsets as the engine gives them.
	s1, s2 := 0, strings.Index(text, "The army")
	res := rules.Result{
		Evidence: []rules.Evidence{
			{Rule: "seized", Severity: rules.SevHigh, Field: "text", Start: s1, End: s2 - 1, Sentence: text[s1 : s2-1], Match: "took the airport", Why: "capture"},
			{Rule: "closed", Severity: rules.SevMedium, Field: "text", Start: s1, End: s2 - 1, Sentence: text[s1 : s2-1], Match: "airport", Why: "closure"},
			// Offsets that do not fit the text are dropped, not misplaced.
			{Rule: "stale", Field: "text", Start: 5, End: 9, Sentence: "nope"},
			{Rule: "title", Field: "title", Start: 0, End: 4, Sentence: "Rebe"},
		},
		Suppressed: []rules.Evidence{
			{Rule: "seized", Field: "text", Start: s2, End: s2 + len("The army denied it."), Sentence: "The army denied it.", Why: "negated"},
		},
	}
	segs := segments(text, evidenceSpans(res, "text", text))
	var b strings.Builder
	for _, sg := range segs {
		b.WriteString(sg.Text)
	}
	if b.String() != text {
		t.Fatalf("segments lose text: %q", b.String())
	}
	type want struct {
		text, mark, class string
		match             bool
		refs              []int
	}
	wants := []want{
		{"Rebels ", "ev", "sev-high", false, []int{1, 2}},
		{"took the ", "ev", "sev-high", true, nil},
		{"airport", "ev", "sev-high", true, nil},
		{".", "ev", "sev-high", false, nil},
		{" ", "", "", false, nil},
		{"The army denied it.", "sup", "", false, nil},
		{" Calm elsewhere.", "", "", false, nil},
	}
	if len(segs) != len(wants) {
		t.Fatalf("got %d segments %+v, want %d", len(segs), segs, len(wants))
	}
	for i, w := range wants {
		g := segs[i]
		if g.Text != w.text || g.Mark != w.mark || g.Class != w.class || g.Match != w.match || len(g.Refs) != len(w.refs) {
			t.Errorf("segment %d = %+v, want %+v", i, g, w)
		}
	}
	if !strings.Contains(segs[0].Title, "seized (high): capture") || !strings.Contains(segs[0].Title, "closed (medium): closure") {
		t.Errorf("title lists the covering hits: %q", segs[0].Title)
	}
	if !strings.Contains(segs[5].Title, "suppressed seized: negated") {
		t.Errorf("suppressed title = %q", segs[5].Title)
	}
}

func TestFitsRuneBoundaries(t *testing.T) {
	text := "Köln hit" // ö is two bytes
	if fits(text, 2, 4) {
		t.Error("a span starting inside a rune fits")
	}
	if !fits(text, 0, 5) || fits(text, 0, 0) || fits(text, -1, 3) || fits(text, 3, 99) {
		t.Error("fits is wrong on plain bounds")
	}
}

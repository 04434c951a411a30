package web

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/rules"
)

// A scored report is shown with its evidence marked in place. Evidence
// carries byte offsets into the sanitized report's title or text; the text
// is cut at every span boundary into segments, and each segment knows which
// spans cover it. Segments are plain strings: the template escapes them, so
// marking never builds HTML out of report text.

type spanKind int

const (
	spanSuppressed spanKind = iota // a hit that was dropped (negated, historical...)
	spanEvidence                   // a kept hit
	spanMatch                      // the words that triggered a kept hit
)

type span struct {
	start, end int
	kind       spanKind
	sev        rules.Severity
	ref        int // 1-based evidence number, 0 for suppressed hits
	label      string
}

// segment is a run of text covered by the same spans.
type segment struct {
	Text string
	// Mark is "" (plain), "ev" (evidence) or "sup" (suppressed only).
	Mark  string
	Class string // severity class of the strongest evidence
	Match bool   // inside the words that triggered a rule
	Title string // every covering hit, one per line
	Refs  []int  // evidence numbers whose sentence starts here
}

// evidenceSpans turns a result's evidence and suppressed hits on one field
// ("title" or "text") into spans. Hits whose offsets do not fit the text
// (another version of the report) are left out rather than misplaced.
func evidenceSpans(res rules.Result, field, text string) []span {
	var out []span
	add := func(e rules.Evidence, kind spanKind, ref int, label string) {
		if e.Field != field || !fits(text, e.Start, e.End) || text[e.Start:e.End] != e.Sentence {
			return
		}
		out = append(out, span{start: e.Start, end: e.End, kind: kind, sev: e.Severity, ref: ref, label: label})
		if kind == spanEvidence && e.Match != "" {
			if i := strings.Index(e.Sentence, e.Match); i >= 0 {
				out = append(out, span{start: e.Start + i, end: e.Start + i + len(e.Match), kind: spanMatch, sev: e.Severity})
			}
		}
	}
	for i, e := range res.Evidence {
		add(e, spanEvidence, i+1, e.Rule+" ("+e.Severity.String()+"): "+e.Why)
	}
	for _, e := range res.Suppressed {
		add(e, spanSuppressed, 0, "suppressed "+e.Rule+": "+e.Why)
	}
	return out
}

// fits reports whether [start, end) is a non-empty range of text on rune
// boundaries.
func fits(text string, start, end int) bool {
	if start < 0 || end > len(text) || start >= end {
		return false
	}
	return utf8.RuneStart(text[start]) && (end == len(text) || utf8.RuneStart(text[end]))
}

// segments cuts text at the spans' boundaries.
func segments(text string, spans []span) []segment {
	cuts := []int{0, len(text)}
	for _, s := range spans {
		cuts = append(cuts, s.start, s.end)
	}
	sort.Ints(cuts)
	var out []segment
	for i := 0; i+1 < len(cuts); i++ {
		a, b := cuts[i], cuts[i+1]
		if a == b {
			continue
		}
		seg := segment{Text: text[a:b]}
		best := rules.SevNone
		var titles []string
		for _, s := range spans {
			if s.start > a || s.end < b {
				continue
			}
			switch s.kind {
			case spanMatch:
				seg.Match = true
				continue
			case spanEvidence:
				seg.Mark = "ev"
				if s.sev >= best {
					best = s.sev
				}
				if s.start == a {
					seg.Refs = append(seg.Refs, s.ref)
				}
			case spanSuppressed:
				if seg.Mark == "" {
					seg.Mark = "sup"
				}
			}
			titles = append(titles, s.label)
		}
		if seg.Mark == "ev" {
			seg.Class = sevClass(best)
		}
		seg.Title = strings.Join(titles, "\n")
		// Adjacent plain runs are one segment.
		if n := len(out); n > 0 && seg.Mark == "" && !seg.Match && out[n-1].Mark == "" && !out[n-1].Match {
			out[n-1].Text += seg.Text
			continue
		}
		out = append(out, seg)
	}
	return out
}

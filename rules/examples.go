package rules

import "github.com/tocsin-alerts/tocsin/report"

// ExampleFailure is a rule example that did not behave as its rule says.
type ExampleFailure struct {
	Rule, File string
	Line       int
	Text       string
	WantMatch  bool
	Got        Result
}

// TestExamples runs every rule's examples against the whole set (so global
// suppressors and modality apply, as they would to a real report).
//
// A "match" example passes when the rule fires at its own category (kept,
// or kept and contested). A "no_match" example passes when the rule does not
// fire at its own category: absent, suppressed, or downgraded to a threat.
func (s *Set) TestExamples() (passed int, failures []ExampleFailure) {
	all := make([]*Rule, 0, len(s.rules)+len(s.disabled))
	for _, r := range s.rules {
		all = append(all, r.Rule)
	}
	for _, r := range all {
		check := func(text string, want bool) {
			res := s.Score(report.Report{Text: text})
			got := false
			for _, ev := range res.Evidence {
				if ev.Rule == r.ID && ev.Action != Downgrade {
					got = true
				}
			}
			if got == want {
				passed++
				return
			}
			failures = append(failures, ExampleFailure{Rule: r.ID, File: r.File, Line: r.Line, Text: text, WantMatch: want, Got: res})
		}
		for _, t := range r.Examples.Match {
			check(t, true)
		}
		for _, t := range r.Examples.NoMatch {
			check(t, false)
		}
	}
	return passed, failures
}

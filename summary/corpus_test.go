package summary

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/report"
)

// devCorpus is the shared labelled corpus, relative to this package's
// directory (the repository lives at /work/main, the corpus at
// /work/shared/corpus).
var devCorpusPath = filepath.Join("..", "..", "shared", "corpus", "dev.jsonl")

func loadDevCorpus(tb testing.TB) []report.Labelled {
	tb.Helper()
	f, err := os.Open(devCorpusPath)
	if err != nil {
		tb.Skipf("dev corpus not available: %v", err)
	}
	defer f.Close()
	ls, err := report.ParseJSONL(f)
	if err != nil {
		tb.Fatalf("parse dev corpus: %v", err)
	}
	if len(ls) == 0 {
		tb.Fatal("dev corpus is empty")
	}
	return ls
}

// EvidenceFunc picks the evidence sentence of a report. The measurement takes
// it as an argument so that it can be re-run with the rule engine's real
// evidence (rules.Set.Score(r).Evidence[0].Sentence) once that exists.
type EvidenceFunc func(report.Report) string

// CoverageResult is the outcome of measureCoverage.
type CoverageResult struct {
	N, WithEvidence, Contains, UnderLimit, Both int
	Failures                                    []string
}

// measureCoverage summarises every report with Extract and counts how many
// summaries contain the (cleaned) evidence sentence and stay within maxChars.
func measureCoverage(ls []report.Labelled, evidence EvidenceFunc, maxChars int) CoverageResult {
	var res CoverageResult
	for _, l := range ls {
		ev := evidence(l.Report)
		in := Input{Reports: []report.Report{l.Report}}
		if ev != "" {
			in.Evidence = []string{ev}
			res.WithEvidence++
		}
		s := Extract(in, maxChars)
		res.N++
		under := utf8.RuneCountInString(s) <= maxChars
		has := ev == "" || ContainsEvidence(s, ev)
		if under {
			res.UnderLimit++
		}
		if has {
			res.Contains++
		}
		if under && has {
			res.Both++
		} else {
			res.Failures = append(res.Failures, l.ID+": "+s)
		}
	}
	return res
}

// firstSentence approximates the rule evidence with the first sentence of
// the report's full text (title, then body). Rule evidence is not available
// yet (rules.Score is a stub); the lead will re-measure with real evidence.
func firstSentence(r report.Report) string {
	s := splitSentences(Clean(r.FullText()))
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// leadSentence is the first sentence of the body: the usual home of the key
// fact in wire copy, and usually much longer than the headline.
func leadSentence(r report.Report) string {
	s := splitSentences(Clean(r.Text))
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func TestDevCorpusCoverage(t *testing.T) {
	ls := loadDevCorpus(t)
	for _, tc := range []struct {
		name string
		ev   EvidenceFunc
	}{
		{"first_sentence_of_title_and_text", firstSentence},
		{"lead_sentence_of_body", leadSentence},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := measureCoverage(ls, tc.ev, DefaultMaxChars)
			share := float64(res.Both) / float64(res.N)
			t.Logf("%s: %d reports, %d contain the evidence, %d ≤ %d chars, both: %d (%.1f%%)",
				tc.name, res.N, res.Contains, res.UnderLimit, DefaultMaxChars, res.Both, 100*share)
			if share < 0.95 {
				t.Errorf("only %.1f%% of summaries contain the evidence and stay under %d chars (want ≥ 95%%); failures:\n%s",
					100*share, DefaultMaxChars, strings.Join(res.Failures, "\n"))
			}
			if res.UnderLimit != res.N {
				t.Errorf("%d summaries exceed %d chars", res.N-res.UnderLimit, DefaultMaxChars)
			}
		})
	}
}

func BenchmarkExtract(b *testing.B) {
	ls := loadDevCorpus(b)
	ins := make([]Input, len(ls))
	for i, l := range ls {
		ins[i] = Input{Reports: []report.Report{l.Report}, Evidence: []string{leadSentence(l.Report)}}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Extract(ins[i%len(ins)], DefaultMaxChars)
	}
}

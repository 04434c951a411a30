package rules

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/report"
)

// noisyCorpus names, in goldenSets, the generated reports of noisyReports.
const noisyCorpus = "noisy"

// noisyReports are reports assembled, deterministically, from the words of
// the dev and portal-eval corpora shuffled with what real feeds carry and
// tokenizers disagree on: markup and entities, straight, curly and odd
// apostrophes (Ta‘izz, Sana'a, Syria’s), letters with diacritics, a
// combining mark, digit groups, abbreviations (U.S., St. Petersburg),
// hyphenated names, dates, money, cue words and place names in every case.
// They pin the paths the corpora rarely take.
func noisyReports(tb testing.TB, n int) []report.Labelled {
	tb.Helper()
	var words []string
	for _, p := range []string{"../corpus/dev.jsonl", "../corpus/portal-eval.jsonl"} {
		for _, l := range readCorpus(tb, p) {
			words = append(words, strings.Fields(l.Title+" "+l.Text)...)
		}
	}
	noise := []string{"<p>", "</p>", "<b>", "&amp;", "&nbsp;", "&#39;", "Ta‘izz", "Sana'a", "Syria’s", "Côte d'Ivoire",
		"São Paulo", "1,200", "3.5", "U.S.", "St. Petersburg", "Port-au-Prince", "Ḩamāh", "e\u0301", "`", "´", "ʼ", "—",
		"–", "\n", "\n\n", "...", "…", "2016", "2010–2011", "Feb. 14", "$10", "14-year-old", "dozens", "Aleppo", "ALEPPO",
		"Kyiv", "Moscow said", "Saudi-led", "<Syria>", "In 2016,", "had seized", "did not", "denied", "could", "if", "but",
		"Prime Minister", "near", "in", "by drones", "Russia warned"}
	rng := rand.New(rand.NewPCG(12, 34))
	out := make([]report.Labelled, n)
	for i := range out {
		var b strings.Builder
		for range 5 + rng.IntN(120) {
			if rng.IntN(6) == 0 {
				b.WriteString(noise[rng.IntN(len(noise))])
			} else {
				b.WriteString(words[rng.IntN(len(words))])
			}
			if rng.IntN(8) == 0 {
				b.WriteString(". ")
			} else {
				b.WriteByte(' ')
			}
		}
		title := ""
		if rng.IntN(2) == 0 {
			title = words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] + " " + noise[rng.IntN(len(noise))]
		}
		out[i] = report.Labelled{ID: fmt.Sprintf("noisy-%04d", i), Report: report.Report{Title: title, Text: b.String()}.Sanitize()}
	}
	return out
}

package summary

import (
	"fmt"
	"testing"

	"github.com/tocsin-alerts/tocsin/report"
)

// A summary made only of the reports' own sentences is grounded by
// definition; the validator must accept it (no false "unverified").
func TestValidateAcceptsExtractiveSummaries(t *testing.T) {
	ls := loadDevCorpus(t)
	system := fmt.Sprintf(summarySystemPrompt, DefaultMaxChars)
	rejected := 0
	for _, l := range ls {
		in := Input{Reports: []report.Report{l.Report}, Evidence: []string{leadSentence(l.Report)}}
		s := Extract(in, DefaultMaxChars)
		g := newGrounding(in.Reports, evidenceTexts(in), system)
		if _, why := validateSummary(s, g, DefaultMaxChars); why != "" {
			rejected++
			t.Errorf("%s: %s: %q", l.ID, why, s)
		}
	}
	t.Logf("%d of %d extractive summaries rejected", rejected, len(ls))
}

func TestValidateParaphrases(t *testing.T) {
	g := newGrounding([]report.Report{aleppo}, nil, "You are a system prompt with six words or more here.")
	tests := []struct {
		summary, why string
	}{
		{"Rebels launched a major offensive on Aleppo on Wednesday and seized 12 villages, according to a war monitor.", ""},
		{"At least 40 fighters were killed on both sides, the Syrian Observatory for Human Rights said.", ""},
		{"Aleppo airport suspended all flights on Thursday.", ""},
		{"Rebels seized twelve villages near Aleppo on Wednesday.", ""},
		{"Rebels seized 13 villages near Aleppo on Wednesday.", "unverified: 13"},
		{"Turkish troops seized 12 villages near Aleppo.", "unverified: Turkish"},
		{"No fighters were killed near Aleppo, a monitor said.", "unverified: no fighters"},
		{"Aleppo airport did not suspend flights, officials said.", "unverified: did not"},
		{"You are a system prompt with six words or more here.", "leak"},
		{"Rebels attacked Aleppo. They seized 12 villages. Flights stopped. Many died.", "too_long"},
	}
	for _, tc := range tests {
		if _, why := validateSummary(tc.summary, g, DefaultMaxChars); why != tc.why {
			t.Errorf("validate(%q) = %q, want %q", tc.summary, why, tc.why)
		}
	}
}

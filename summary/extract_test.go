package summary

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/report"
)

var aleppo = report.Report{
	Source: "wire-a",
	Title:  "Rebels launch offensive on Aleppo",
	Text: "Rebel fighters launched a major offensive on Aleppo on Wednesday, seizing 12 villages west of the city, a war monitor said.\n" +
		"The Syrian Observatory for Human Rights said at least 40 fighters had been killed on both sides.\n" +
		"Subscribe to our newsletter for daily updates.\n" +
		"Aleppo airport suspended all flights on Thursday, officials said.\n" +
		"The city was the scene of heavy fighting in 2016.",
}

func TestExtractEvidenceFirstAndInformative(t *testing.T) {
	ev := "Aleppo airport suspended all flights on Thursday, officials said."
	got := Extract(Input{Reports: []report.Report{aleppo}, Evidence: []string{ev}, Location: "Aleppo, Syria",
		Categories: []string{"offensive", "airport_closure"}}, 400)
	if !strings.HasPrefix(got, ev) {
		t.Fatalf("summary does not start with the evidence:\n%s", got)
	}
	if !strings.Contains(got, "Rebel fighters launched a major offensive on Aleppo") {
		t.Errorf("summary misses the lead:\n%s", got)
	}
	if strings.Contains(got, "Subscribe") {
		t.Errorf("summary contains page furniture:\n%s", got)
	}
	if n := len(splitSentences(got)); n < 2 || n > 3 {
		t.Errorf("summary has %d sentences, want 2..3:\n%s", n, got)
	}
	if utf8.RuneCountInString(got) > 400 {
		t.Errorf("summary is %d runes", utf8.RuneCountInString(got))
	}
}

// Every sentence of an extractive summary comes from the reports: the
// property that makes it safe to post with no model at all.
func TestExtractNeverInvents(t *testing.T) {
	ls := loadDevCorpus(t)
	for _, l := range ls {
		src := strings.Join(strings.Fields(Clean(l.Report.FullText())), " ")
		got := Extract(Input{Reports: []report.Report{l.Report}, Evidence: []string{leadSentence(l.Report)}}, 400)
		for _, s := range splitSentences(got) {
			s = strings.TrimSuffix(s, ".")
			if !strings.Contains(src, s) {
				t.Errorf("%s: sentence not in the report: %q", l.ID, s)
			}
		}
	}
}

func TestExtractDeduplicatesAcrossReports(t *testing.T) {
	lead := "Rebel fighters launched a major offensive on Aleppo on Wednesday, seizing 12 villages west of the city, a war monitor said."
	copy := report.Report{Source: "wire-b", Title: "Offensive on Aleppo",
		Text: "Rebel fighters launched a major offensive on Aleppo on Wednesday, seizing 12 villages west of the city, a war monitor said.\n" +
			"Rebel fighters on Wednesday launched a major offensive on Aleppo and seized 12 villages west of the city, the monitor said."}
	got := Extract(Input{Reports: []report.Report{aleppo, copy}}, 400)
	if c := strings.Count(got, "launched a major offensive"); c != 1 {
		t.Errorf("lead appears %d times, want once:\n%s", c, got)
	}
	if strings.Contains(got, "on Wednesday launched") {
		t.Errorf("near-duplicate from the second outlet was not dropped:\n%s", got)
	}
	if !strings.Contains(got, lead) {
		t.Errorf("lead missing:\n%s", got)
	}
}

func TestExtractLimits(t *testing.T) {
	long := strings.Repeat("word ", 150) + "end."
	tests := []struct {
		name string
		in   Input
		max  int
		want func(string) bool
	}{
		{"long evidence truncated with ellipsis", Input{Reports: []report.Report{aleppo}, Evidence: []string{long}}, 100,
			func(s string) bool { return utf8.RuneCountInString(s) == 100 && strings.HasSuffix(s, "…") }},
		{"no evidence: lead first", Input{Reports: []report.Report{aleppo}}, 400,
			func(s string) bool { return strings.HasPrefix(s, "Rebel fighters launched") }},
		{"small budget: whole sentences only", Input{Reports: []report.Report{aleppo}}, 150,
			func(s string) bool {
				return utf8.RuneCountInString(s) <= 150 && endsSentence(s) && !strings.HasSuffix(s, "…")
			}},
		{"title only", Input{Reports: []report.Report{{Title: "Border closed after clashes"}}}, 400,
			func(s string) bool { return s == "Border closed after clashes." }},
		{"nothing", Input{}, 400, func(s string) bool { return s == "" }},
		{"evidence in html is cleaned", Input{Reports: []report.Report{aleppo}, Evidence: []string{"<p>Aleppo airport suspended all flights on Thursday, officials said.</p>"}}, 400,
			func(s string) bool { return strings.HasPrefix(s, "Aleppo airport suspended") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Extract(tc.in, tc.max)
			if !tc.want(got) {
				t.Errorf("Extract = %q", got)
			}
		})
	}
}

func TestExtractHostileText(t *testing.T) {
	r := report.Report{Title: "@everyone <@&123> evacuate", Text: "Officials in Kyiv told @everyone to go to shelters after [missiles](https://evil.example) struck 3 districts, <@123> said. Another sentence with \x1b[31m escape codes and \u202e reversed text follows here."}
	got := Extract(Input{Reports: []report.Report{r}, Evidence: []string{r.Title}}, 400)
	for _, bad := range []string{"@everyone", "<@", "](", "https://", "\x1b", "\u202e"} {
		if strings.Contains(got, bad) {
			t.Errorf("summary contains %q: %q", bad, got)
		}
	}
	if !strings.Contains(got, "@\u200beveryone") {
		t.Errorf("defused mention missing: %q", got)
	}
}

func FuzzExtract(f *testing.F) {
	f.Add("Title", "Body one. Body two @everyone <@1>.", "evidence")
	f.Add("", "\xff\xfe<p>", "")
	f.Fuzz(func(t *testing.T, title, text, ev string) {
		r := report.Report{Title: title, Text: text}.Sanitize()
		got := Extract(Input{Reports: []report.Report{r}, Evidence: []string{ev}}, 200)
		if utf8.RuneCountInString(got) > 200 {
			t.Fatalf("too long: %d", utf8.RuneCountInString(got))
		}
		if strings.Contains(got, "@everyone") || strings.Contains(got, "@here") || !utf8.ValidString(got) {
			t.Fatalf("unsafe summary %q", got)
		}
	})
}

func TestExtractHugeInputs(t *testing.T) {
	huge := report.Report{Title: "Huge", Text: "Shelling hit Donetsk on Monday, officials said. " + strings.Repeat("Filler words go on and on here. ", 140000)}
	if len(huge.Text) < 4<<20 {
		t.Fatalf("test body only %d bytes", len(huge.Text))
	}
	got := Extract(Input{Reports: []report.Report{huge}}, 400)
	if !strings.HasPrefix(got, "Shelling hit Donetsk on Monday, officials said.") || utf8.RuneCountInString(got) > 400 {
		t.Errorf("Extract = %q", got)
	}
	// An incident with many updates: the primary and the newest are read.
	var many []report.Report
	for i := 0; i < 300; i++ {
		many = append(many, report.Report{Text: fmt.Sprintf("Update %d: fighting continued in sector %d overnight, officials said.", i, i)})
	}
	got = Extract(Input{Reports: many}, 400)
	if !strings.Contains(got, "Update 0:") || strings.Contains(got, "Update 150:") {
		t.Errorf("Extract = %q", got)
	}
}

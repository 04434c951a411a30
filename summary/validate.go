package summary

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/report"
)

// minSummaryRunes rejects empty or token answers ("OK", "N/A").
const minSummaryRunes = 20

// minGroundedShare is the share of a model summary's content words that must
// appear in the reports. Paraphrase is allowed for common words; facts are
// checked strictly below.
const minGroundedShare = 0.8

// polarityWords can turn a report upside down ("the war is over", "no one was
// killed", "the strike was a hoax"). Where a summary uses one, the reports must
// use it in the same two-word phrase.
var polarityWords = map[string]bool{
	"no": true, "not": true, "never": true, "none": true, "nobody": true, "over": true, "ended": true, "end": true,
	"ends": true, "ceasefire": true, "truce": true, "peace": true, "calm": true, "hoax": true, "false": true,
	"fake": true, "denied": true, "denies": true, "deny": true, "cancelled": true, "canceled": true, "averted": true,
	"safe": true, "resolved": true, "normal": true, "lifted": true, "reopened": true, "surrendered": true, "won": true,
}

// refusalRe recognises a model declining in prose instead of answering.
var refusalRe = regexp.MustCompile(`(?i)^\s*(i'?m sorry|i am sorry|sorry,|i cannot|i can'?t|i won'?t|i am unable|i'?m unable|as an ai|i apologi[sz]e)`)

// grounding is what a model's output may rest on: the reports' words,
// numbers and two-word phrases, minus any sentence that addresses a model.
type grounding struct {
	words   map[string]bool // normWord of every word
	numbers map[string]bool // normalised numbers ("7500", "1.5")
	bigrams map[string]bool // "lower lower" of consecutive words
	facts   int             // names and numbers available (0: no key-fact check)
	names   map[string]bool // normWord of capitalised non-initial words and numbers
	// leak holds six-word windows of the system prompt.
	leak map[string]bool
}

// numberWords let a model write "12" where a report wrote "twelve".
var numberWords = map[string]string{
	"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
	"nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
	"fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
	"thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "dozen": "12",
}

func newGrounding(reports []report.Report, extra []string, systemPrompt string) *grounding {
	g := &grounding{words: map[string]bool{}, numbers: map[string]bool{}, bigrams: map[string]bool{},
		names: map[string]bool{}, leak: map[string]bool{}}
	// The model saw promptReports, each cut to maxPromptTextRunes: ground it
	// in exactly that.
	var texts []string
	for _, r := range promptReports(reports) {
		texts = append(texts, Clean(r.Title), truncateRunes(Clean(r.Text), maxPromptTextRunes), Clean(r.Outlet), Clean(r.Source))
	}
	texts = append(texts, extra...)
	for _, t := range texts {
		for _, s := range splitSentences(t) {
			if suspectInjection(s) {
				continue
			}
			ws := words(s)
			prev := ""
			for i, w := range ws {
				lw := strings.ToLower(w)
				nw := normWord(w)
				g.words[nw] = true
				g.words[lw] = true
				if hasDigit(w) {
					g.numbers[nw] = true
					g.names[nw] = true
				} else if d, ok := numberWords[lw]; ok {
					g.numbers[d] = true
				}
				if i > 0 && isCapitalised(w) && !stopwords[lw] {
					g.names[nw] = true
				}
				if prev != "" {
					g.bigrams[prev+" "+lw] = true
				}
				prev = lw
			}
		}
	}
	g.facts = len(g.names)
	sp := strings.Fields(strings.ToLower(systemPrompt))
	for i := 0; i+6 <= len(sp); i++ {
		g.leak[strings.Join(sp[i:i+6], " ")] = true
	}
	return g
}

// validateSummary cleans a model's summary and checks it against the
// reports. It returns the cleaned text, or "" and a reason:
//
//   - "refusal": the model declined;
//   - "injection": it contains our delimiters (it echoes the data framing);
//   - "leak": it repeats six consecutive words of the system prompt;
//   - "too_short" / "too_long": outside 20..maxChars runes or over 3 sentences;
//   - "unverified: X": a number, a capitalised name or a polarity phrase
//     ("is over", "no casualties") X does not appear in any report;
//   - "ungrounded: ...": too few of its words appear in the reports, or it
//     names none of the reports' names and numbers.
func validateSummary(raw string, g *grounding, maxChars int) (string, string) {
	if refusalRe.MatchString(raw) {
		return "", "refusal"
	}
	lowFields := strings.Fields(strings.ToLower(raw))
	for i := 0; i+6 <= len(lowFields); i++ {
		if g.leak[strings.Join(lowFields[i:i+6], " ")] {
			return "", "leak"
		}
	}
	low := strings.ToLower(raw)
	if strings.Contains(low, "<report") || strings.Contains(low, "</report") || strings.Contains(low, "<evidence") {
		return "", "injection"
	}
	text := cleanSentence(raw)
	n := utf8.RuneCountInString(text)
	if n < minSummaryRunes {
		return "", "too_short"
	}
	if n > maxChars || len(splitSentences(text)) > maxSentences {
		return "", "too_long"
	}
	if why := checkFacts(text, g); why != "" {
		return "", why
	}
	return text, ""
}

// checkFacts is the grounding test proper; "" means grounded.
func checkFacts(text string, g *grounding) string {
	content, grounded, facts := 0, 0, 0
	for _, sent := range splitSentences(text) {
		ws := words(sent)
		for i, w := range ws {
			lw := strings.ToLower(w)
			nw := normWord(w)
			switch {
			case hasDigit(w):
				if !g.numbers[nw] {
					return "unverified: " + w
				}
				facts++
			case isCapitalised(w) && !(i == 0 && stopwords[lw]):
				if !g.words[nw] && !g.words[lw] {
					return "unverified: " + w
				}
				if g.names[nw] {
					facts++
				}
			}
			if polarityWords[lw] {
				prev, next := "", ""
				if i > 0 {
					prev = strings.ToLower(ws[i-1]) + " " + lw
				}
				if i+1 < len(ws) {
					next = lw + " " + strings.ToLower(ws[i+1])
				}
				if !g.bigrams[prev] && !g.bigrams[next] {
					phrase := strings.TrimSpace(strings.TrimPrefix(prev, " "))
					if phrase == "" {
						phrase = next
					}
					return "unverified: " + phrase
				}
			}
			if stopwords[lw] || (len(lw) < 2 && !hasDigit(w)) {
				continue
			}
			content++
			if g.words[nw] || g.words[lw] || numberWords[lw] != "" && g.numbers[numberWords[lw]] {
				grounded++
			}
		}
	}
	if content > 0 && float64(grounded) < minGroundedShare*float64(content) {
		return fmt.Sprintf("ungrounded: %d of %d words", content-grounded, content)
	}
	if g.facts > 0 && facts == 0 {
		return "ungrounded: no name or number from the reports"
	}
	return ""
}

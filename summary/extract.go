package summary

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/report"
)

// Input is what a summary is made from: plain values, so that the summary
// package needs neither the rules nor the alerts package.
type Input struct {
	// Reports are the incident's reports, newest last; the first is the
	// primary (the one that opened the incident).
	Reports []report.Report
	// Evidence are the rule engine's evidence sentences, most important
	// first, exactly as they appear in the reports.
	Evidence []string
	// Location is the incident's place ("Aleppo, Syria"); may be empty.
	Location string
	// Categories are the incident's categories ("offensive", ...).
	Categories []string
}

// DefaultMaxChars bounds a summary: short enough to read at a glance in a
// Discord embed, long enough for the evidence plus who/where/attribution.
const DefaultMaxChars = 400

// maxSentences is the most sentences a summary holds.
const maxSentences = 3

// Bounds on the text Extract reads, so that a 4 MiB page or an incident with
// hundreds of updates costs milliseconds, not seconds: the key facts of a news
// report are near its top, and an incident's story is in its primary and
// newest reports.
const (
	maxExtractBytes   = 64 << 10
	maxExtractReports = 8
)

var (
	// boilerplateRe marks page furniture that feeds carry along with the
	// story: newsletter prompts, share bars, cookie banners.
	boilerplateRe = regexp.MustCompile(`(?i)\b(subscribe|newsletter|sign up|cookies?|share on|read more|discover more|all rights reserved|click here|follow us|advertisement|copyright)\b|©|\|`)
)

// boilerplateHints are lower-case fragments, one of which every
// boilerplateRe match contains.
var boilerplateHints = []string{"subscri", "newsletter", "sign up", "cookie", "share on", "read more", "discover more",
	"rights reserved", "click here", "follow us", "advertis", "copyright", "©", "|"}

// attributionWords mark a sentence that says who reports the facts
// ("…, officials said"; "according to" is matched as a pair).
var attributionWords = map[string]bool{"said": true, "says": true, "told": true, "reported": true, "reports": true,
	"confirmed": true, "announced": true, "claimed": true, "statement": true}

// sentenceFilter records which costly per-sentence checks a body needs.
type sentenceFilter struct{ boilerplate, injection bool }

// candidate is one sentence that may go into a summary.
type candidate struct {
	text    string
	report  int // index in Input.Reports
	pos     int // sentence index in its report
	score   float64
	content map[string]bool
}

// Extract builds an extractive summary of at most maxChars characters
// (runes; DefaultMaxChars when maxChars <= 0) from the reports' own
// sentences, so it never states a fact that is not in them.
//
// The first evidence sentence always comes first: it is why the alert fired.
// Further evidence sentences and then the most informative other sentences
// follow — leads, numbers, names and places, source attribution ("…,
// officials said"), words of the location and categories — as long as they add
// information not already present (near-duplicates from two outlets count
// once) and fit. Sentences are never cut; only when the first evidence
// sentence alone is too long is it truncated by rune with "…". Text is
// cleaned of HTML, links, mentions and control characters. With no evidence,
// the best sentence of the primary report leads; with no text at all, the
// cleaned title is returned.
func Extract(in Input, maxChars int) string {
	if maxChars <= 0 {
		maxChars = DefaultMaxChars
	}
	var chosen []candidate
	seen := map[string]bool{}
	length := 0
	fits := func(s string) bool {
		n := utf8.RuneCountInString(s)
		if len(chosen) > 0 {
			n++ // the joining space
		}
		return length+n <= maxChars
	}
	add := func(c candidate) {
		if len(chosen) > 0 {
			length++
		}
		length += utf8.RuneCountInString(c.text)
		chosen = append(chosen, c)
		for w := range c.content {
			seen[w] = true
		}
	}

	for i, ev := range in.Evidence {
		s := terminate(cleanSentence(ev))
		if s == "" || len(chosen) >= maxSentences {
			continue
		}
		if len(chosen) == 0 && utf8.RuneCountInString(s) > maxChars {
			return truncateRunes(s, maxChars)
		}
		c := candidate{text: s, report: -1, pos: i, content: contentSet(s)}
		if len(chosen) > 0 && (redundant(c, seen, chosen) || !fits(s)) {
			continue
		}
		add(c)
	}
	nEvidence := len(chosen)

	cands := candidates(in)
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	for _, c := range cands {
		if len(chosen) >= maxSentences {
			break
		}
		if c.score <= 0 || redundant(c, seen, chosen) {
			continue
		}
		if !fits(c.text) {
			if len(chosen) == 0 {
				return truncateRunes(c.text, maxChars)
			}
			continue
		}
		add(c)
	}
	if len(chosen) == 0 {
		if len(in.Reports) > 0 {
			return truncateRunes(terminate(cleanSentence(in.Reports[0].Title)), maxChars)
		}
		return ""
	}
	// Evidence first, in its given order; the rest in reading order, which
	// keeps a story's own logic (lead before detail).
	rest := chosen[nEvidence:]
	sort.SliceStable(rest, func(i, j int) bool {
		if rest[i].report != rest[j].report {
			return rest[i].report < rest[j].report
		}
		return rest[i].pos < rest[j].pos
	})
	parts := make([]string, len(chosen))
	for i, c := range chosen {
		parts[i] = c.text
	}
	return strings.Join(parts, " ")
}

// candidates returns the scored body sentences of every report (the title
// when a report has no body).
func candidates(in Input) []candidate {
	placeWords := contentSet(in.Location)
	catWords := map[string]bool{}
	for _, c := range in.Categories {
		for w := range contentSet(strings.ReplaceAll(c, "_", " ")) {
			catWords[w] = true
		}
	}
	var out []candidate
	for ri, r := range in.Reports {
		if ri > 0 && ri < len(in.Reports)-maxExtractReports+1 {
			continue // a long-running incident: the primary and the newest only
		}
		body := Clean(report.TruncateBytes(r.Text, maxExtractBytes))
		if strings.TrimSpace(body) == "" {
			body = Clean(r.Title)
		}
		// The regexps below are the costly part; most bodies match neither,
		// so each is tried on the whole body before any sentence.
		low := strings.ToLower(body)
		f := sentenceFilter{boilerplate: containsAny(low, boilerplateHints), injection: containsAny(low, injectionHints)}
		for pos, s := range splitSentences(body) {
			s = terminate(s)
			c := candidate{text: s, report: ri, pos: pos, content: contentSet(s)}
			c.score = scoreSentence(c, f, placeWords, catWords)
			out = append(out, c)
		}
	}
	return out
}

// scoreSentence rates how much a sentence tells a reader who only sees the
// summary. News puts the key facts first, so the lead scores highest; facts
// (numbers, names and places), attribution and the incident's own place and
// category words add to it; fragments, questions and page furniture lose,
// and text addressed to a model (prompt injection) is never picked.
func scoreSentence(c candidate, f sentenceFilter, placeWords, catWords map[string]bool) float64 {
	if f.boilerplate && boilerplateRe.MatchString(c.text) || f.injection && suspectInjection(c.text) {
		return 0
	}
	n := utf8.RuneCountInString(c.text)
	ws := words(c.text)
	if len(ws) < 5 || n < 30 {
		return 0
	}
	score := 3.0/float64(1+c.pos) - 0.3*float64(c.report)
	numbers, names, attributed := 0, 0, false
	for i, w := range ws {
		lw := strings.ToLower(w)
		if attributionWords[lw] || lw == "according" && i+1 < len(ws) && strings.EqualFold(ws[i+1], "to") {
			attributed = true
		}
		switch {
		case hasDigit(w):
			numbers++
		case i > 0 && isCapitalised(w):
			names++
		}
	}
	score += 0.8 * float64(min(numbers, 3))
	score += 0.4 * float64(min(names, 5))
	if attributed {
		score += 1.2
	}
	for w := range placeWords {
		if c.content[w] {
			score += 1.0
			break
		}
	}
	cat := 0
	for w := range catWords {
		if c.content[w] {
			cat++
		}
	}
	score += 0.5 * float64(min(cat, 3))
	if strings.HasSuffix(c.text, "?") {
		score -= 2
	}
	if n > 300 {
		score -= 1
	}
	return score + 0.01 // a plain sentence still beats nothing
}

// redundant reports whether c adds too little to what is already chosen:
// fewer than max(3, a quarter of its words) words not already said, or it is
// contained in a chosen sentence. This is what makes the same wire sentence
// from two outlets count once while a lead that repeats a headline and adds
// the details still gets in.
func redundant(c candidate, seen map[string]bool, chosen []candidate) bool {
	lc := strings.ToLower(c.text)
	for _, ch := range chosen {
		lch := strings.ToLower(ch.text)
		if strings.Contains(lch, strings.TrimRight(lc, ".!?…")) || strings.Contains(lc, strings.TrimRight(lch, ".!?…")) {
			return true
		}
	}
	if len(chosen) == 0 {
		return false
	}
	fresh := 0
	for w := range c.content {
		if !seen[w] {
			fresh++
		}
	}
	return fresh < max(3, len(c.content)/4)
}

// terminate ends a headline-like fragment with a period so that sentences
// joined into one summary read as sentences.
func terminate(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || endsSentence(s) {
		return s
	}
	s = strings.TrimRight(s, ":;,-–— ")
	if s == "" {
		return s
	}
	return s + "."
}

// ContainsEvidence reports whether summary contains the evidence sentence as
// Extract renders it (cleaned; a final period added to a fragment).
func ContainsEvidence(summary, evidence string) bool {
	ev := cleanSentence(evidence)
	if ev == "" {
		return true
	}
	return strings.Contains(summary, strings.TrimRight(ev, ".!?…:;,-–— "))
}

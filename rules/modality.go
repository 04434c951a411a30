package rules

import (
	"strings"

	"github.com/tocsin-alerts/tocsin/rules/geo"
)

// Window sizes, in words, for modality cues. They are deliberately small:
// a cue far from the trigger usually governs another clause.
const (
	negationWindow   = 3 // "not closed", "did not withdraw"
	hedgeWindow      = 8 // "threatened on Tuesday to launch an offensive"
	historicalWindow = 6 // "... withdrew from the city in 2016"
	denialAfter      = 4 // "reports of a withdrawal were denied"
)

// modal is how a sentence presents a rule's hit: its modality, the cue that
// decided it, and, for a hedge, whether it is a threat of force made by a
// party able to use it (only such a hedge may become a threat alert).
type modal struct {
	mod    Modality
	cue    string
	threat bool
}

// modality classifies how the sentence presents the matched words.
// Precedence: negated, then historical, then hedged, else asserted. Cues
// relate to the hit words of the match, so that a negator, a "without" or a
// "had" governs the word it stands before, not every word of the sentence.
func (s *Set) modality(sc *scratch, d *doc, c candidate) modal {
	sent := d.sents[c.sent]
	text := func(h cueHit) string { return d.text[d.toks[h.first].start:d.toks[h.last].end] }
	var hedge, hist string
	threat := false
	for _, h := range sc.cueRange(sent.first, sent.last) {
		inside := h.first > c.first && h.last < c.last
		switch h.kind {
		case cueDenial:
			if inside || h.last < c.first && !s.resetBetween(sc, h.last, c.first) ||
				h.first > c.last && !clauseBreak(d, c.last, h.first) &&
					(h.first-c.last <= denialAfter || s.claimBefore(sc, sent.first, c.first)) {
				// After the match: close by ("... were denied"), or as the
				// predicate of a claim the match is the content of
				// ("reports that tanks were massing are baseless").
				return modal{mod: Negated, cue: text(h)}
			}
		case cueNegation:
			if governsHit(d, h, c, negationWindow) {
				return modal{mod: Negated, cue: text(h)}
			}
		case cueNPNegation:
			// "without" negates its noun phrase: "seized the town without a
			// shot" is a capture, "soldiers without insignia seized the
			// airport" too; "without firing" negates the firing.
			if startsHit(d, c, h.last+1) || isDeterminer(d, h.last+1) && startsHit(d, c, h.last+2) {
				return modal{mod: Negated, cue: text(h)}
			}
		case cuePastPerfect:
			// "had seized": background to the news, for the verb right
			// after it (or after an adverb: "had already seized"). Not
			// "had to withdraw" (an obligation), and not in reported speech,
			// where "he said he had ordered a withdrawal" is backshift.
			next := h.last + 1
			if isAdverb(d, next) {
				next++
			}
			if hist == "" && !isWord(d, h.last+1, "to") && startsHit(d, c, next) && !s.speechBefore(sc, sent.first, h.first) {
				hist = text(h)
			}
		case cueHistorical:
			if hist == "" && s.governs(sc, d, h, c, historicalWindow) {
				hist = text(h)
			}
		case cueAttribution:
			// "X claims responsibility for the attack on Baga, in which
			// ..." : what follows is an earlier event, to the sentence's
			// end or a clause reset, relative clauses included.
			if last, ok := lastHitAfter(c, h.last); hist == "" && ok && !s.resetBetween(sc, h.last, last) {
				hist = text(h)
			}
		case cueConditional:
			// A condition that opens the sentence governs all of it: "If
			// talks fail, rebels will seize the airport".
			if h.first == sent.first && h.last < c.first || hedgeGoverns(s, sc, d, h, c, inside) {
				if hedge == "" {
					hedge = text(h)
				}
			}
		case cueHedge:
			if hedge == "" && hedgeGoverns(s, sc, d, h, c, inside) {
				hedge = text(h)
			}
		case cueThreat:
			if hedgeGoverns(s, sc, d, h, c, inside) {
				if s.actorBefore(sc, d, sent, h.first) {
					hedge, threat = text(h), true
				} else if hedge == "" {
					hedge = text(h)
				}
			}
		}
	}
	if hist == "" {
		hist = pastYear(d, c)
	}
	switch {
	case hist != "":
		return modal{mod: Historical, cue: hist}
	case hedge != "":
		return modal{mod: Hedged, cue: hedge, threat: threat}
	}
	return modal{mod: Asserted}
}

// speechBefore reports a reporting verb ("said", "told") between the
// sentence start and token i.
func (s *Set) speechBefore(sc *scratch, from, i int32) bool {
	for _, h := range sc.cueRange(from, i) {
		if h.kind == cueSpeech {
			return true
		}
	}
	return false
}

// isAdverb: an -ly word or a few short adverbs, between "had" and its verb.
func isAdverb(d *doc, i int32) bool {
	if i < 0 || int(i) >= len(d.toks) {
		return false
	}
	tk := d.toks[i]
	w := strings.ToLower(d.text[tk.start:tk.end])
	switch w {
	case "already", "just", "since", "also", "once", "long", "not", "never", "previously", "earlier":
		return true
	}
	return len(w) > 4 && strings.HasSuffix(w, "ly")
}

// claimBefore reports a claim noun ("reports that", "claims of") between
// the sentence start and token i.
func (s *Set) claimBefore(sc *scratch, from, i int32) bool {
	for _, h := range sc.cueRange(from, i) {
		if h.kind == cueClaim {
			return true
		}
	}
	return false
}

// hedgeGoverns: a hedge cue inside the match, or before it within
// hedgeWindow in the same clause.
func hedgeGoverns(s *Set, sc *scratch, d *doc, h cueHit, c candidate, inside bool) bool {
	if inside {
		return true
	}
	return h.last < c.first && c.first-h.last <= hedgeWindow &&
		(c.first-h.last <= 2 || !clauseBreak(d, h.last, c.first)) && !s.resetBetween(sc, h.last, c.first)
}

// governsHit reports a cue that stands before one of the match's hit words
// within window words, in the same clause.
func governsHit(d *doc, h cueHit, c candidate, window int32) bool {
	for _, hit := range c.hits {
		if hit.first > h.last && hit.first-h.last <= window && !clauseBreak(d, h.last, hit.first) {
			return true
		}
	}
	return false
}

// lastHitAfter returns the first word of the match's last hit after token
// i, if there is one.
func lastHitAfter(c candidate, i int32) (int32, bool) {
	last, ok := int32(0), false
	for _, hit := range c.hits {
		if hit.first > i {
			last, ok = max(last, hit.first), true
		}
	}
	return last, ok
}

// startsHit reports whether one of the match's hit words starts at token i.
func startsHit(d *doc, c candidate, i int32) bool {
	for _, hit := range c.hits {
		if hit.first == i {
			return true
		}
	}
	return false
}

func isWord(d *doc, i int32, w string) bool {
	if i < 0 || int(i) >= len(d.toks) {
		return false
	}
	tk := d.toks[i]
	return strings.EqualFold(d.text[tk.start:tk.end], w)
}

// isDeterminer: "a", "the", "any"... between "without" and its noun.
func isDeterminer(d *doc, i int32) bool {
	for _, w := range [...]string{"a", "an", "the", "any", "its", "their", "his", "her", "much", "further"} {
		if isWord(d, i, w) {
			return true
		}
	}
	return false
}

// actorBefore reports a party able to use force named in the sentence
// before token i: an actor cue ("the army", "the president", "rebels") or a
// state (a country or capital standing for its government: "Russia warned",
// "Tehran vowed").
func (s *Set) actorBefore(sc *scratch, d *doc, sent sentSpan, i int32) bool {
	for _, h := range sc.cueRange(sent.first, i) {
		if h.kind == cueActor {
			return true
		}
	}
	if s.gaz == nil || i <= sent.first {
		return false
	}
	limit := int(d.toks[i].start - sent.start)
	for _, m := range sc.placesIn(s.gaz, d, d.toks[i].sent) {
		if m.Start < limit && (m.Place.Kind == geo.Country || m.Place.Capital) {
			return true
		}
	}
	return false
}

// governs reports whether a cue applies to the match: before it in the
// sentence with no clause reset between, or just after it in the same clause.
func (s *Set) governs(sc *scratch, d *doc, h cueHit, c candidate, after int32) bool {
	if h.last < c.first {
		return !s.resetBetween(sc, h.last, c.first) && !clauseBreak(d, h.last, c.first) || c.first-h.last <= 3
	}
	return h.first > c.last && h.first-c.last <= after && !clauseBreak(d, c.last, h.first)
}

// pastYear finds a year earlier than the report's own in the match's clause:
// "In 2016, Assad regained Aleppo" is background, not news. "since 2014"
// and "than in 2019" compare with the past and are not.
func pastYear(d *doc, c candidate) string {
	if d.refYear == 0 {
		return ""
	}
	sent := d.sents[c.sent]
	heading := int32(-1) // found when a year is (most sentences have none)
	for i := sent.first; i < sent.last; i++ {
		if !isYear(d, int(i)) || int(d.toks[i].num) >= d.refYear {
			continue
		}
		if heading < 0 {
			heading = headingEnd(d, sent)
		}
		// A topic heading ("2010–2011 Ivorian crisis: heavy fighting ...")
		// names a story, not a time; nor does a year opening a range
		// that reaches the report's own year.
		if i < heading && c.first >= heading || yearRangeTo(d, i) >= d.refYear {
			continue
		}
		// "In 2016, Assad regained Aleppo ...": a year that opens the
		// sentence dates all of it.
		if i-sent.first <= 2 && i > sent.first {
			switch strings.ToLower(d.text[d.toks[i-1].start:d.toks[i-1].end]) {
			case "in", "by", "during", "until", "from":
				return d.text[d.toks[i].start:d.toks[i].end]
			}
		}
		if i > sent.first {
			prev := strings.ToLower(d.text[d.toks[i-1].start:d.toks[i-1].end])
			if prev == "since" || prev == "than" || prev == "until" || prev == "till" {
				continue
			}
		}
		near := (i < c.first && (c.first-i <= historicalWindow || !clauseBreak(d, i, c.first))) ||
			(i > c.last && i-c.last <= historicalWindow && !clauseBreak(d, c.last, i))
		if near {
			return d.text[d.toks[i].start:d.toks[i].end]
		}
	}
	return ""
}

// headingEnd returns the first token after a topic heading that opens the
// sentence ("2011 Libyan civil war: ..."): a few words ending in a colon.
// It returns the sentence's first token when there is none.
func headingEnd(d *doc, sent sentSpan) int32 {
	for i := sent.first; i < sent.last-1 && i < sent.first+8; i++ {
		if strings.Contains(d.text[d.toks[i].end:d.toks[i+1].start], ":") {
			return i + 1
		}
	}
	return sent.first
}

// yearRangeTo returns the year a range starting at token i ends at
// ("2010–2011", "2010-11"), or 0.
func yearRangeTo(d *doc, i int32) int {
	if int(i)+1 >= len(d.toks) || !strings.ContainsAny(d.text[d.toks[i].end:d.toks[i+1].start], "-–—") {
		return 0
	}
	next := d.toks[i+1]
	switch {
	case isYear(d, int(i)+1):
		return int(next.num)
	case next.end-next.start == 2 && next.num >= 0:
		return int(d.toks[i].num)/100*100 + int(next.num)
	}
	return 0
}

// resetBetween reports a clause reset ("but", "however") between two tokens.
func (s *Set) resetBetween(sc *scratch, a, b int32) bool {
	for _, h := range sc.cueRange(a+1, b) {
		if h.kind == cueReset {
			return true
		}
	}
	return false
}

// clauseBreak reports punctuation that separates clauses between tokens a
// and b (exclusive).
func clauseBreak(d *doc, a, b int32) bool {
	if a < 0 || b <= a || int(b) >= len(d.toks) {
		return false
	}
	return strings.ContainsAny(d.text[d.toks[a].end:d.toks[b].start], ",;:()—–")
}

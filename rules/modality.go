package rules

import "strings"

// Window sizes, in words, for modality cues. They are deliberately small:
// a cue far from the trigger usually governs another clause.
const (
	negationWindow   = 3 // "not closed", "did not withdraw"
	hedgeWindow      = 8 // "threatened on Tuesday to launch an offensive"
	historicalWindow = 6 // "... withdrew from the city in 2016"
	denialAfter      = 4 // "reports of a withdrawal were denied"
)

// modality classifies how the sentence presents the matched words.
// Precedence: negated, then historical, then hedged, else asserted.
func (s *Set) modality(sc *scratch, d *doc, c candidate) (Modality, string) {
	sent := d.sents[c.sent]
	var hedge, hist string
	for _, h := range sc.cueRange(sent.first, sent.last) {
		cue := d.text[d.toks[h.first].start:d.toks[h.last].end]
		// A cue inside the matched words governs them: "airport could
		// close", "troops did not withdraw".
		inside := h.first > c.first && h.last < c.last
		if inside && (h.kind == cueDenial || h.kind == cueNegation) {
			return Negated, cue
		}
		if inside && h.kind == cueHedge && hedge == "" {
			hedge = cue
		}
		switch h.kind {
		case cueDenial:
			if h.last < c.first && !s.resetBetween(sc, h.last, c.first) {
				return Negated, cue
			}
			if h.first > c.last && h.first-c.last <= denialAfter && !clauseBreak(d, c.last, h.first) {
				return Negated, cue
			}
		case cueNegation:
			if h.last < c.first && c.first-h.last <= negationWindow && !clauseBreak(d, h.last, c.first) {
				return Negated, cue
			}
		case cueHistorical:
			if hist == "" && s.governs(sc, d, h, c, historicalWindow) {
				hist = cue
			}
		case cueHedge:
			if hedge == "" && h.last < c.first && c.first-h.last <= hedgeWindow &&
				(c.first-h.last <= 2 || !clauseBreak(d, h.last, c.first)) && !s.resetBetween(sc, h.last, c.first) {
				hedge = cue
			}
		}
	}
	if hist == "" {
		hist = pastYear(d, c)
	}
	switch {
	case hist != "":
		return Historical, hist
	case hedge != "":
		return Hedged, hedge
	}
	return Asserted, ""
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
	for i := sent.first; i < sent.last; i++ {
		if !isYear(d, int(i)) || int(d.toks[i].num) >= d.refYear {
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

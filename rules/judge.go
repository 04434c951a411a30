package rules

import (
	"slices"

	"github.com/tocsin-alerts/tocsin/vocab"
)

// numModalities counts the modalities a rule acts on (all but asserted).
const numModalities = 3

// modalityIndex numbers the modalities a rule acts on, for crule.onModality.
func modalityIndex(m Modality) int {
	switch m {
	case Negated:
		return 0
	case Hedged:
		return 1
	}
	return 2 // Historical
}

// judge decides what a candidate becomes for one rule: its modality (read
// once per candidate, whichever rule asks), the suppressors that apply,
// boosts, and the resulting evidence. dropped reports a hit that does not
// count; a dropped hit is explained only when explain is set.
func (s *Set) judge(sc *scratch, d *doc, cr *crule, c *candidate, explain bool) (Evidence, bool) {
	rs := sc.judging[:0]
	defer func() { sc.judging = rs[:0] }()
	if !c.read {
		c.modal, c.read = s.modality(sc, d, *c), true
	}
	m := c.modal
	mod := m.mod
	action := Keep
	if mod != Asserted {
		action = cr.onModality[modalityIndex(mod)]
		speculation := false
		if mod == Hedged && action == Downgrade && !m.threat {
			// Only a threat of force by a party able to use it becomes a
			// threat alert; speculation and conditions are not news.
			action, speculation = Drop, true
		}
		rs = append(rs, reason{kind: reasonModality, mod: mod, cue: m.cue, action: action, speculation: speculation})
	}
	if action == Drop && !explain {
		// Suppressors could only name more reasons; nobody reads them.
		return Evidence{Rule: cr.ID, Category: cr.Category, Modality: mod, Action: Drop}, true
	}
	action, rs = s.applySuppressors(sc, d, cr, c, action, rs, explain)
	if action == Drop && !explain {
		return Evidence{Rule: cr.ID, Category: cr.Category, Modality: mod, Action: Drop}, true
	}
	sent := d.sents[c.sent]
	fieldName, fs, fe := d.field(sent.start, sent.end)
	ev := Evidence{
		Rule:     cr.ID,
		Category: cr.Category,
		Severity: cr.Severity,
		Sentence: d.text[sent.start:sent.end],
		Field:    fieldName,
		Start:    fs,
		End:      fe,
		Match:    d.text[d.toks[c.first].start:d.toks[c.last].end],
		Modality: mod,
		Action:   action,
		sent:     c.sent,
	}
	switch action {
	case Drop:
		ev.Why = sc.explain("", ev.Match, rs, nil)
		return ev, true
	case Downgrade:
		ev.Category = string(vocab.Threat)
		ev.Severity = SevLow
	case Contest:
		ev.Contested = true
	}
	var ki keptInfo
	if action != Downgrade {
		ki.boostWhys, ki.boosts = s.applyBoosts(sc, d, cr, c, &ev)
	}
	ev.Weight = float64(ev.Severity)
	// Why is rendered only for the evidence a rule keeps (evaluateRule):
	// most kept candidates are outranked and never shown.
	ki.rsFrom = int32(len(sc.reasons))
	sc.reasons = append(sc.reasons, rs...)
	ki.rsTo = int32(len(sc.reasons))
	ev.kept = int32(len(sc.keptInfo))
	sc.keptInfo = append(sc.keptInfo, ki)
	return ev, false
}

// applySuppressors applies the rule's own suppressors, then the global ones
// it does not opt out of, and returns the strongest action with the reasons
// (all of them when the hit is to be explained; else it stops at a drop).
func (s *Set) applySuppressors(sc *scratch, d *doc, cr *crule, c *candidate, action Action, rs []reason, explain bool) (Action, []reason) {
	for si := range cr.Unless {
		sup := &cr.Unless[si]
		if ex, ok := s.suppressed(sc, d, c.sent, cr.unlessSig[si]); ok {
			action = stronger(action, sup.Action)
			if action == Drop && !explain {
				return action, rs
			}
			rs = append(rs, reason{kind: reasonSup, sup: sup, example: ex})
		}
	}
	mask := s.globalsAt(sc, d, c.sent)
	if !intersects(mask, cr.globalMask) {
		return action, rs // the common case: no global suppressor here
	}
	for _, gi := range cr.globals {
		if mask[gi>>6]&(1<<(gi&63)) == 0 {
			continue
		}
		sup := &s.lexicon.Suppress[gi]
		ex, _ := s.suppressed(sc, d, c.sent, s.globalSig[gi])
		action = stronger(action, sup.Action)
		rs = append(rs, reason{kind: reasonSup, sup: sup, example: ex})
	}
	return action, rs
}

func intersects(a, b []uint64) bool {
	for i := range a {
		if a[i]&b[i] != 0 {
			return true
		}
	}
	return false
}

// globalsAt returns which global suppressors apply to a hit in sentence si
// (a bitset): judged once per sentence, whichever rules ask.
func (s *Set) globalsAt(sc *scratch, d *doc, si int32) []uint64 {
	w := (len(s.globalSig) + 63) / 64
	if len(sc.sentGen) < len(d.sents) {
		sc.sentGen = make([]uint32, len(d.sents))
		sc.sentGlobals = make([]uint64, len(d.sents)*w)
	}
	mask := sc.sentGlobals[int(si)*w : int(si)*w+w]
	if sc.sentGen[si] == sc.gen {
		return mask
	}
	sc.sentGen[si] = sc.gen
	clear(mask)
	for gi, sig := range s.globalSig {
		if _, ok := s.suppressed(sc, d, si, sig); ok {
			mask[gi>>6] |= 1 << (gi & 63)
		}
	}
	return mask
}

// suppressed reports whether a suppressor (by signature) applies to a hit
// in sentence si, with an example of the words found for the explanation.
// Its verdict depends on the place only (the sentence, its paragraph, the
// title or the report, as its scope says), so it is judged once per place
// and call.
func (s *Set) suppressed(sc *scratch, d *doc, si, sig int32) (string, bool) {
	sg := &s.sigs[sig]
	if !sg.absent && len(sc.groupHits[sg.group]) == 0 {
		return "", false // none of its terms anywhere in the report
	}
	unit := int32(0)
	switch sg.scope {
	case "sentence":
		unit = si
	case "paragraph":
		unit = d.sents[si].para
	}
	v := s.supVerdictAt(sc, d, si, sig, unit)
	if !v.ok || v.exTok < 0 {
		return "", v.ok
	}
	last := min(int(v.exTok)+len(s.terms[v.exTerm].atoms)-1, len(d.toks)-1)
	return d.text[d.toks[v.exTok].start:d.toks[last].end], true
}

// supVerdictAt memoises suppressor verdicts: each signature keeps the last
// place it was asked about (rules are judged one after another on the same
// place), older places go to the call's table.
func (s *Set) supVerdictAt(sc *scratch, d *doc, si, sig, unit int32) supVerdict {
	if len(sc.sigLast) < len(s.sigs) {
		sc.sigLast = make([]sigLast, len(s.sigs))
	}
	last := &sc.sigLast[sig]
	if last.gen == sc.gen && last.unit == unit {
		return last.v
	}
	key := uint64(sig)<<32 | uint64(uint32(unit))
	v, ok := sc.sups.get(key, sc.gen)
	if !ok {
		v = s.judgeSuppressor(sc, d, si, &s.sigs[sig])
		sc.sups.put(key, sc.gen, v)
	}
	*last = sigLast{gen: sc.gen, unit: unit, v: v}
	return v
}

// judgeSuppressor: at least min distinct suppressor terms in scope (or, when
// absent, fewer), and none of its without-terms there.
func (s *Set) judgeSuppressor(sc *scratch, d *doc, si int32, sg *supSig) supVerdict {
	sent := d.sents[si]
	lo, hi := int32(0), int32(len(d.toks))
	switch sg.scope {
	case "sentence":
		lo, hi = sent.first, sent.last
	case "paragraph":
		lo, hi = d.paraRange(si)
	case "title":
		hi = 0
		for hi < int32(len(d.toks)) && int(d.toks[hi].start) < d.textOff {
			hi++
		}
	}
	var seenBuf [8]int32
	seen := seenBuf[:0]
	v := supVerdict{exTok: -1}
	for _, h := range sc.groupRange(sg.group, lo, hi) {
		if slices.Contains(seen, h.term) {
			continue
		}
		seen = append(seen, h.term)
		if v.exTok < 0 {
			v.exTok, v.exTerm = h.first, h.term
		}
		if len(seen) >= int(sg.min) {
			break
		}
	}
	if sg.absent {
		return supVerdict{ok: len(seen) < int(sg.min), exTok: -1}
	}
	if len(seen) < int(sg.min) {
		return supVerdict{exTok: -1}
	}
	if sg.without >= 0 && len(sc.groupRange(sg.without, lo, hi)) > 0 {
		return supVerdict{exTok: -1} // a cause that rules this context out is present
	}
	v.ok = true
	return v
}

// paraRange returns the token range of the paragraph holding sentence si.
func (d *doc) paraRange(si int32) (int32, int32) {
	p := d.sents[si].para
	a, b := si, si
	for a > 0 && d.sents[a-1].para == p {
		a--
	}
	for int(b)+1 < len(d.sents) && d.sents[b+1].para == p {
		b++
	}
	return d.sents[a].first, d.sents[b].last
}

func defaultModalityAction(m Modality) Action {
	switch m {
	case Negated, Historical:
		return Drop
	case Hedged:
		return Downgrade
	}
	return Keep
}

// stronger returns the stronger action: drop > downgrade > contest > keep.
func stronger(a, b Action) Action {
	if actionRank(b) > actionRank(a) {
		return b
	}
	return a
}

func actionRank(a Action) int {
	switch a {
	case Contest:
		return 1
	case Downgrade:
		return 2
	case Drop:
		return 3
	}
	return 0
}

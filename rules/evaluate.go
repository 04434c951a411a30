package rules

import (
	"math/bits"
	"slices"
)

// maxSuppressedPerRule bounds the "why not" list: a huge report that hedges
// a term in every sentence needs a few examples, not thousands.
const maxSuppressedPerRule = 3

// extraCandidates is how many more places a rule is judged after its first
// asserted hit, to notice denials elsewhere in the report.
const extraCandidates = 16

// evaluate turns hits into evidence and the report verdict. Evidence and
// suppressed hits are gathered in the scratch and copied out once, at
// their final size.
func (s *Set) evaluate(sc *scratch, d *doc) Result {
	sc.evidence, sc.suppressed, sc.negated = sc.evidence[:0], sc.suppressed[:0], sc.negated[:0]
	// Rules are evaluated in rule order so output is deterministic.
	for wi, word := range sc.ruleBits {
		for word != 0 {
			bit := bits.TrailingZeros64(word)
			word &^= 1 << bit
			s.evaluateRule(sc, d, s.rules[wi<<6|bit])
		}
	}
	s.yield(sc)
	res := Result{Categories: []string{}, Evidence: make([]Evidence, len(sc.evidence))}
	copy(res.Evidence, sc.evidence)
	if len(sc.suppressed) > 0 {
		res.Suppressed = make([]Evidence, len(sc.suppressed))
		copy(res.Suppressed, sc.suppressed)
	}
	s.aggregate(sc, &res, d)
	return res
}

// yield drops the evidence of rules that yield to a more specific category
// kept on the same sentence, and lists it as suppressed with the reason.
// (Evidence kept so far is compacted in place while the rest is checked:
// a rule that yielded is no longer there to be yielded to.)
func (s *Set) yield(sc *scratch) {
	kept := sc.evidence[:0]
	for _, ev := range sc.evidence {
		if y := s.yieldsTo(sc.evidence, ev); y != "" {
			ev.Why += "; yields to " + y + " on the same sentence"
			ev.Action = Drop
			sc.suppressed = append(sc.suppressed, ev)
			continue
		}
		kept = append(kept, ev)
	}
	sc.evidence = kept
}

// yieldsTo returns the category ev's rule yields to that other evidence on
// its sentence carries, or "".
func (s *Set) yieldsTo(all []Evidence, ev Evidence) string {
	cr := s.byID[ev.Rule]
	if cr == nil || len(cr.YieldsTo) == 0 || ev.Action == Downgrade {
		return ""
	}
	for _, o := range all {
		if o.sent == ev.sent && o.Rule != ev.Rule && o.Action != Downgrade && slices.Contains(cr.YieldsTo, o.Category) {
			return o.Category
		}
	}
	return ""
}

// evaluateRule judges one rule's candidates and files its evidence.
func (s *Set) evaluateRule(sc *scratch, d *doc, cr *crule) {
	kept := sc.kept[:0]
	defer func() { sc.kept = kept[:0] }()
	nSup, after := 0, -1
	cands := s.classCandidates(sc, d, cr.class)
	for ci := range cands {
		explain := nSup < maxSuppressedPerRule
		if after >= 0 {
			// Past the rule's evidence, look a little further only to
			// record denials (contested) and a few "why not"s.
			if after >= extraCandidates {
				break
			}
			after++
		}
		ev, dropped := s.judge(sc, d, cr, &cands[ci], explain)
		if dropped {
			if ev.Modality == Negated && !slices.Contains(sc.negated, cr.Category) {
				sc.negated = append(sc.negated, cr.Category)
			}
			if nSup < maxSuppressedPerRule {
				sc.suppressed = append(sc.suppressed, ev)
			}
			nSup++
			continue
		}
		kept = append(kept, ev)
		if ev.Action == Keep && after < 0 {
			after = 0 // the earliest asserted hit is the rule's evidence
		}
	}
	if len(kept) == 0 {
		return
	}
	// One piece of evidence per rule: the strongest, earliest.
	best := kept[0]
	for _, ev := range kept[1:] {
		if rank(ev) > rank(best) {
			best = ev
		}
	}
	ki := &sc.keptInfo[best.kept]
	best.Why = sc.explain(cr.ID, best.Match, sc.reasons[ki.rsFrom:ki.rsTo], ki.boostWhys)
	sc.evidence = append(sc.evidence, best)
}

// rank orders kept evidence of one rule: asserted beats contested beats
// downgraded; then higher severity.
func rank(ev Evidence) int {
	r := int(ev.Severity)
	switch ev.Action {
	case Keep, "":
		r += 30
	case Contest:
		r += 20
	case Downgrade:
		r += 10
	}
	return r
}

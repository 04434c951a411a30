package rules

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules/geo"
	"github.com/tocsin-alerts/tocsin/vocab"
)

type termHit struct{ term, first, last int32 }
type leafHit struct{ leaf, first, last int32 }
type supHit struct{ term, tok int32 }
type cueHit struct{ kind, first, last int32 }
type boostHit struct{ rule, boost, tok int32 }

// scratch is per-call working memory, pooled so that scoring allocates
// little beyond its result.
type scratch struct {
	lx       lexer
	leafHits [][]leafHit
	touched  []int32
	// touchedBits mirrors touched as a bitset, walked in rule order so
	// that output is deterministic without sorting.
	touchedBits []uint64
	cueHits     []cueHit
	boostHits   []boostHit
	present     []bool
	// supBy buckets suppressor hits by dense key; supTouched lists the
	// buckets to clear. supCount memoises the report-scope count of each
	// key within one call (-1: not computed) and supMemo lists the keys
	// memoised, hits or not: a count must never outlive its report.
	supBy      [][]supHit
	supTouched []int32
	supCount   []int32
	supMemo    []int32
	// words is a lock-free first-level word cache (see classify).
	words wordCache
	// finder is the gazetteer's reusable buffers.
	finder geo.Finder
	// places caches gazetteer mentions per sentence for one call.
	places map[int32][]geo.Mention
	// feats and featAt are the prior's features and the token each came
	// from (negative: a word pair ending at that token).
	feats  []uint32
	featAt []int32
	seen   []uint64 // Dim-bit set for deduplicating features, kept cleared
	// cands and kept are evaluateRule's working lists, reused rule after
	// rule; reasons is the arena kept hits' explanations live in until
	// their rule's evidence is chosen.
	cands   []candidate
	kept    []Evidence
	reasons []reason
}

// resetSup clears the suppressor buckets and memoised counts of the
// previous call.
func (sc *scratch) resetSup(n int32) {
	if int32(len(sc.supBy)) < n {
		sc.supBy = make([][]supHit, n)
		sc.supCount = make([]int32, n)
		for i := range sc.supCount {
			sc.supCount[i] = -1
		}
		sc.supTouched, sc.supMemo = sc.supTouched[:0], sc.supMemo[:0]
		return
	}
	for _, k := range sc.supTouched {
		sc.supBy[k] = sc.supBy[k][:0]
	}
	for _, k := range sc.supMemo {
		sc.supCount[k] = -1
	}
	sc.supTouched, sc.supMemo = sc.supTouched[:0], sc.supMemo[:0]
}

// supRange returns the hits of suppressor key with tokens in [lo, hi).
// Hits are appended in token order, so each bucket is sorted already.
func (sc *scratch) supRange(key, lo, hi int32) []supHit {
	h := sc.supBy[key]
	start := sort.Search(len(h), func(i int) bool { return h[i].tok >= lo })
	end := sort.Search(len(h), func(i int) bool { return h[i].tok >= hi })
	return h[start:end]
}

// cueRange returns the cue hits whose first token is in [lo, hi) (none when
// the range is empty or inverted).
func (sc *scratch) cueRange(lo, hi int32) []cueHit {
	if lo >= hi {
		return nil
	}
	h := sc.cueHits
	start := sort.Search(len(h), func(i int) bool { return h[i].first >= lo })
	end := sort.Search(len(h), func(i int) bool { return h[i].first >= hi })
	return h[start:end]
}

// maxSuppressedPerRule bounds the "why not" list: a huge report that hedges
// a term in every sentence needs a few examples, not thousands.
const maxSuppressedPerRule = 3

// extraCandidates is how many more places a rule is judged after its first
// asserted hit, to notice denials elsewhere in the report.
const extraCandidates = 16

func (s *Set) getScratch() *scratch {
	if v := s.pool.Get(); v != nil {
		return v.(*scratch)
	}
	return &scratch{leafHits: make([][]leafHit, len(s.rules))}
}

func (s *Set) putScratch(sc *scratch) {
	if cap(sc.lx.toks) > 1<<16 { // do not keep huge buffers after a 10 MB report
		sc.lx.toks = nil
		sc.lx.sents = nil
		sc.feats, sc.featAt = nil, nil
	}
	sc.lx.text = "" // do not pin the report's text in the pool
	clear(sc.places)
	s.pool.Put(sc)
}

// doc is the scored text with its layout.
type doc struct {
	text    string
	textOff int // offset of the body in text (title + "\n\n")
	hasBody bool
	toks    []token
	sents   []sentSpan
	refYear int
}

// Score evaluates every enabled rule against the report and returns the
// verdict with its evidence. It never fails: any text, however large or
// malformed, gets a verdict.
func (s *Set) Score(r report.Report) Result {
	sc := s.getScratch()
	defer s.putScratch(sc)
	return s.scoreWith(sc, r)
}

// scoreWith scores with the given working memory: pooled in Score, fresh in
// the tests that prove no state survives from one call to the next.
func (s *Set) scoreWith(sc *scratch, r report.Report) Result {
	d := s.prepare(sc, r)
	s.match(sc, &d)
	res := s.evaluate(sc, &d)
	if s.prior != nil {
		s.applyPrior(sc, &d, &res)
	}
	s.locate(sc, &d, &res)
	res.RulesVersion = s.version
	return res
}

// prepare sanitizes and tokenizes a report into the scratch's buffers.
func (s *Set) prepare(sc *scratch, r report.Report) doc {
	r = r.Sanitize()
	d := doc{text: r.Text}
	if r.Title != "" {
		d.text = r.Title + "\n\n" + r.Text
		d.textOff = len(r.Title) + 2
	}
	d.hasBody = r.Text != ""
	sc.lx = lexer{text: d.text, toks: sc.lx.toks[:0], sents: sc.lx.sents[:0], buf: sc.lx.buf[:0], set: s, words: &sc.words}
	sc.lx.tokenize()
	d.toks, d.sents = sc.lx.toks, sc.lx.sents
	markNonCounts(&d)
	d.refYear = refYear(r.Published, d.toks)
	return d
}

func refYear(published time.Time, toks []token) int {
	if !published.IsZero() {
		return published.Year()
	}
	y := 0
	for _, t := range toks {
		if t.num >= 1900 && t.num <= 2100 && int(t.num) > y && t.end-t.start == 4 {
			y = int(t.num)
		}
	}
	return y
}

// match finds every term occurrence and files it under the rules,
// suppressors, cues and boosts that use the term.
func (s *Set) match(sc *scratch, d *doc) {
	for _, ri := range sc.touched {
		sc.leafHits[ri] = sc.leafHits[ri][:0]
		sc.touchedBits[ri>>6] = 0
	}
	sc.touched = sc.touched[:0]
	if need := (len(s.rules) + 63) >> 6; len(sc.touchedBits) < need {
		sc.touchedBits = make([]uint64, need)
	}
	sc.resetSup(s.numSupKeys)
	clear(sc.places)
	sc.cueHits = sc.cueHits[:0]
	sc.boostHits = sc.boostHits[:0]
	sc.reasons = sc.reasons[:0]
	if len(sc.leafHits) < len(s.rules) {
		sc.leafHits = make([][]leafHit, len(s.rules))
	}
	toks := d.toks
	for i := range toks {
		tk := &toks[i]
		if tk.stem >= 0 && int(tk.stem) < len(s.postStem) {
			for _, t := range s.postStem[tk.stem] {
				if !s.quickMiss(d, t, i) {
					s.tryTerm(sc, d, t, i)
				}
			}
		}
		if tk.surf >= 0 && int(tk.surf) < len(s.postSurf) {
			for _, t := range s.postSurf[tk.surf] {
				if !s.quickMiss(d, t, i) {
					s.tryTerm(sc, d, t, i)
				}
			}
		}
		if tk.num >= 0 && !isYear(d, i) {
			for _, t := range s.numTerms {
				if tk.num >= s.terms[t].atoms[s.terms[t].anchor].min {
					s.tryTerm(sc, d, t, i)
				}
			}
		}
	}
}

// quickMiss is a cheap inline test of the word next to a term's anchor
// before the full check: most multi-word terms fail there.
func (s *Set) quickMiss(d *doc, t int32, i int) bool {
	term := &s.terms[t]
	n := int32(len(term.atoms))
	if n < 2 {
		return false
	}
	k, j := term.anchor+1, i+1
	if k == n {
		k, j = term.anchor-1, i-1
	}
	if j < 0 || j >= len(d.toks) || d.toks[j].sent != d.toks[i].sent {
		return true
	}
	return !atomMatches(term.atoms[k], &d.toks[j])
}

// tryTerm checks the term anchored at token i and files a hit under
// everyone who uses it. Hits are kept in order of their first word (a term
// anchored at its second word starts before the token that found it).
func (s *Set) tryTerm(sc *scratch, d *doc, t int32, i int) {
	term := &s.terms[t]
	atoms := term.atoms
	toks := d.toks
	start := i - int(term.anchor)
	if start < 0 || start+len(atoms) > len(toks) {
		return
	}
	sent := toks[i].sent
	for k, a := range atoms {
		j := start + k
		if k == int(term.anchor) && a.kind != atomNum {
			continue
		}
		if toks[j].sent != sent || !atomMatches(a, &toks[j]) || a.kind == atomNum && isYear(d, j) {
			return
		}
	}
	first, last := int32(start), int32(start+len(atoms)-1)
	for _, rf := range s.termRefs[t] {
		switch rf.kind {
		case refLeaf:
			if len(sc.leafHits[rf.rule]) == 0 {
				sc.touched = append(sc.touched, rf.rule)
				sc.touchedBits[rf.rule>>6] |= 1 << (rf.rule & 63)
			}
			sc.leafHits[rf.rule] = insertLeaf(sc.leafHits[rf.rule], leafHit{leaf: rf.idx, first: first, last: last})
		case refSup, refGlobal:
			if len(sc.supBy[rf.idx]) == 0 {
				sc.supTouched = append(sc.supTouched, rf.idx)
			}
			sc.supBy[rf.idx] = insertSup(sc.supBy[rf.idx], supHit{term: t, tok: first})
		case refCue:
			sc.cueHits = insertCue(sc.cueHits, cueHit{kind: rf.idx, first: first, last: last})
		case refBoost:
			sc.boostHits = append(sc.boostHits, boostHit{rule: rf.rule, boost: rf.idx, tok: first})
		}
	}
}

// insertLeaf, insertSup and insertCue append a hit and move it back past
// any that start later: the lists are nearly sorted (only a term anchored
// past its first word starts before the token that found it), so this is
// one comparison a hit.
func insertLeaf(hs []leafHit, h leafHit) []leafHit {
	hs = append(hs, h)
	for k := len(hs) - 1; k > 0 && hs[k-1].first > h.first; k-- {
		hs[k], hs[k-1] = hs[k-1], hs[k]
	}
	return hs
}

func insertSup(hs []supHit, h supHit) []supHit {
	hs = append(hs, h)
	for k := len(hs) - 1; k > 0 && hs[k-1].tok > h.tok; k-- {
		hs[k], hs[k-1] = hs[k-1], hs[k]
	}
	return hs
}

func insertCue(hs []cueHit, h cueHit) []cueHit {
	hs = append(hs, h)
	for k := len(hs) - 1; k > 0 && hs[k-1].first > h.first; k-- {
		hs[k], hs[k-1] = hs[k-1], hs[k]
	}
	return hs
}

func atomMatches(a atom, tk *token) bool {
	switch a.kind {
	case atomStem:
		return tk.stem == a.id
	case atomSurf:
		return tk.surf == a.id
	default:
		return tk.num >= a.min
	}
}

// candidate is one place where a rule's condition holds: its span, its
// sentence, and the leaf hits that make it (modality cues relate to those
// words, not to the whole span).
type candidate struct {
	first, last int32
	sent        int32
	hits        []leafHit
}

// evaluate turns hits into evidence and the report verdict.
func (s *Set) evaluate(sc *scratch, d *doc) Result {
	res := Result{Categories: []string{}, Evidence: []Evidence{}}
	negatedCats := map[string]bool{}
	// Rules are evaluated in rule order so output is deterministic.
	for wi, word := range sc.touchedBits {
		for word != 0 {
			bit := bits.TrailingZeros64(word)
			word &^= 1 << bit
			s.evaluateRule(sc, d, s.rules[wi<<6|bit], &res, negatedCats)
		}
	}
	s.yield(&res)
	s.aggregate(sc, &res, d, negatedCats)
	return res
}

// yield drops the evidence of rules that yield to a more specific category
// kept on the same sentence, and lists it as suppressed with the reason.
func (s *Set) yield(res *Result) {
	kept := res.Evidence[:0]
	for _, ev := range res.Evidence {
		if y := s.yieldsTo(res.Evidence, ev); y != "" {
			ev.Why += "; yields to " + y + " on the same sentence"
			ev.Action = Drop
			res.Suppressed = append(res.Suppressed, ev)
			continue
		}
		kept = append(kept, ev)
	}
	res.Evidence = kept
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

// evaluateRule judges one rule with hits and files its evidence.
func (s *Set) evaluateRule(sc *scratch, d *doc, cr *crule, res *Result, negatedCats map[string]bool) {
	kept := sc.kept[:0]
	defer func() { sc.kept = kept[:0] }()
	nSup, after := 0, -1
	sc.cands = s.candidates(sc, d, cr, sc.cands[:0])
	for _, c := range sc.cands {
		explain := nSup < maxSuppressedPerRule
		if after >= 0 {
			// Past the rule's evidence, look a little further only to
			// record denials (contested) and a few "why not"s.
			if after >= extraCandidates {
				break
			}
			after++
		}
		ev, dropped := s.judge(sc, d, cr, c, explain)
		if dropped {
			if ev.Modality == Negated {
				negatedCats[cr.Category] = true
			}
			if nSup < maxSuppressedPerRule {
				res.Suppressed = append(res.Suppressed, ev)
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
	best.Why = cr.ID + ": " + explainHit(best.Match, sc.reasons[best.rsFrom:best.rsTo], best.boostWhys)
	best.boostWhys = nil
	res.Evidence = append(res.Evidence, best)
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

// candidates evaluates a rule's condition in each scope unit that has hits,
// appending to out.
func (s *Set) candidates(sc *scratch, d *doc, cr *crule, out []candidate) []candidate {
	hits := sc.leafHits[cr.idx]
	if len(hits) == 0 {
		return out
	}
	if cap(sc.present) < cr.nLeaves {
		sc.present = make([]bool, cr.nLeaves)
	}
	// A rule whose condition cannot hold even with every hit of the report
	// in one unit (none ignored: that only removes matches) is skipped
	// before any per-unit work. Most rules touched by a report are.
	present := sc.present[:cr.nLeaves]
	clear(present)
	for _, h := range hits {
		present[h.leaf] = true
	}
	if !evalUpper(cr.root, present) {
		return out
	}
	unitOf := func(h leafHit) int32 {
		switch cr.Scope {
		case "paragraph":
			return d.toks[h.first].para
		case "report":
			return 0
		default:
			return d.toks[h.first].sent
		}
	}
	for start := 0; start < len(hits); {
		u := unitOf(hits[start])
		end := start + 1
		for end < len(hits) && unitOf(hits[end]) == u {
			end++
		}
		group := hits[start:end]
		start = end
		clear(present)
		for _, h := range group {
			if cr.NoneWithin > 0 && isNegLeaf(cr.root, h.leaf) && !nearTrigger(cr, candidate{hits: group}, h.first, cr.NoneWithin) {
				continue // a none-term far from the act is not its object
			}
			present[h.leaf] = true
		}
		if !evalNode(cr.root, present) || cr.hasOrdered && !s.evalOrdered(sc, d, cr.root, group, present) {
			continue
		}
		first, last, ok := span(cr, group, present)
		if !ok {
			continue
		}
		out = append(out, candidate{first: first, last: last, sent: d.toks[first].sent, hits: group})
	}
	return out
}

// evalOrdered is evalNode that also holds ordered nodes to their order.
func (s *Set) evalOrdered(sc *scratch, d *doc, n *cnode, group []leafHit, present []bool) bool {
	if n.leaf >= 0 {
		return present[n.leaf]
	}
	for _, k := range n.all {
		if !s.evalOrdered(sc, d, k, group, present) {
			return false
		}
	}
	if n.ordered {
		for i := 0; i+1 < len(n.all); i++ {
			if !s.inOrder(sc, d, n.all[i], n.all[i+1], group) {
				return false
			}
		}
	}
	if len(n.any) > 0 && !slices.ContainsFunc(n.any, func(k *cnode) bool { return s.evalOrdered(sc, d, k, group, present) }) {
		return false
	}
	for _, k := range n.none {
		if evalNode(k, present) {
			return false
		}
	}
	return true
}

// inOrder reports a hit of a before a hit of b, or a after b with a passive
// marker right before it ("the depot was struck by drones").
func (s *Set) inOrder(sc *scratch, d *doc, a, b *cnode, group []leafHit) bool {
	for _, ha := range group {
		if !containsLeaf(a, ha.leaf) {
			continue
		}
		for _, hb := range group {
			if !containsLeaf(b, hb.leaf) {
				continue
			}
			if ha.first < hb.first || ha.first > hb.last && s.cueEndsAt(sc, cuePassive, ha.first-1) {
				return true
			}
		}
	}
	return false
}

// cueEndsAt reports a cue of the kind whose last word is token i.
func (s *Set) cueEndsAt(sc *scratch, kind, i int32) bool {
	for _, h := range sc.cueRange(max(0, i-3), i+1) {
		if h.kind == kind && h.last == i {
			return true
		}
	}
	return false
}

// evalUpper is evalNode with every "none" treated as satisfied: an upper
// bound, true whenever evalNode could be true for a subset of the hits.
func evalUpper(n *cnode, present []bool) bool {
	if n.leaf >= 0 {
		return present[n.leaf]
	}
	for _, k := range n.all {
		if !evalUpper(k, present) {
			return false
		}
	}
	if len(n.any) > 0 {
		for _, k := range n.any {
			if evalUpper(k, present) {
				return true
			}
		}
		return false
	}
	return true
}

func evalNode(n *cnode, present []bool) bool {
	if n.leaf >= 0 {
		return present[n.leaf]
	}
	for _, k := range n.all {
		if !evalNode(k, present) {
			return false
		}
	}
	if len(n.any) > 0 {
		ok := false
		for _, k := range n.any {
			if evalNode(k, present) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, k := range n.none {
		if evalNode(k, present) {
			return false
		}
	}
	return true
}

// span returns the words that make the match. With Within set, it is the
// smallest window holding a hit of every top-level "all" child, and the
// match fails if that window is wider than Within words.
func span(cr *crule, group []leafHit, present []bool) (int32, int32, bool) {
	if cr.Within > 0 && len(cr.root.all) == 0 && len(cr.root.any) > 0 {
		// within applies to the "all" branch of an "any" that holds.
		for _, k := range cr.root.any {
			if f, l, ok := windowed(k, group, cr.Within, present); ok {
				return f, l, true
			}
		}
		return 0, 0, false
	}
	if cr.Within <= 0 || len(cr.root.all) == 0 {
		first, last := group[0].first, group[0].last
		for _, h := range group {
			if isNegLeaf(cr.root, h.leaf) {
				continue
			}
			first = min(first, h.first)
			last = max(last, h.last)
		}
		return first, last, true
	}
	k := len(cr.root.all)
	childOf := func(leaf int32) int { return int(cr.topOf[leaf]) }
	counts := make([]int, k)
	covered := 0
	bestFirst, bestLast := int32(-1), int32(-1)
	lo := 0
	for hi := 0; hi < len(group); hi++ {
		ci := childOf(group[hi].leaf)
		if ci < 0 {
			continue
		}
		if counts[ci] == 0 {
			covered++
		}
		counts[ci]++
		for covered == k {
			lci := childOf(group[lo].leaf)
			first := group[lo].first
			// Hits are ordered by their first word and terms are a few
			// words long, so the window's last word is among the last few
			// hits: a bounded look-back keeps this loop linear (a scan of
			// the whole window made a long hostile sentence quadratic).
			last := group[hi].last
			for j := hi - 1; j >= lo && j >= hi-8; j-- {
				last = max(last, group[j].last)
			}
			if bestFirst < 0 || last-first < bestLast-bestFirst {
				bestFirst, bestLast = first, last
			}
			if lci >= 0 {
				counts[lci]--
				if counts[lci] == 0 {
					covered--
				}
			}
			lo++
		}
	}
	if bestFirst < 0 || int(bestLast-bestFirst) > cr.Within {
		return 0, 0, false
	}
	return bestFirst, bestLast, true
}

// windowed reports whether node n holds within a window of `within` words,
// and where: a leaf at its first hit; an "all" node when one hit of each
// child lies inside the window; an "any" node through its first child that
// does. Nested nodes are small, so child membership is looked up directly.
func windowed(n *cnode, group []leafHit, within int, present []bool) (int32, int32, bool) {
	if !evalNode(n, present) {
		return 0, 0, false
	}
	if n.leaf >= 0 {
		for _, h := range group {
			if h.leaf == n.leaf {
				return h.first, h.last, true
			}
		}
		return 0, 0, false
	}
	if len(n.all) == 0 {
		for _, k := range n.any {
			if f, l, ok := windowed(k, group, within, present); ok {
				return f, l, true
			}
		}
		return 0, 0, false
	}
	k := len(n.all)
	childOf := func(leaf int32) int {
		for i, c := range n.all {
			if containsLeaf(c, leaf) {
				return i
			}
		}
		return -1
	}
	counts := make([]int, k)
	covered, lo := 0, 0
	bestFirst, bestLast := int32(-1), int32(-1)
	for hi := range group {
		ci := childOf(group[hi].leaf)
		if ci < 0 {
			continue
		}
		if counts[ci] == 0 {
			covered++
		}
		counts[ci]++
		for covered == k {
			first, last := group[lo].first, group[hi].last
			for j := hi - 1; j >= lo && j >= hi-8; j-- {
				last = max(last, group[j].last)
			}
			if bestFirst < 0 || last-first < bestLast-bestFirst {
				bestFirst, bestLast = first, last
			}
			if lci := childOf(group[lo].leaf); lci >= 0 {
				counts[lci]--
				if counts[lci] == 0 {
					covered--
				}
			}
			lo++
		}
	}
	if bestFirst < 0 || int(bestLast-bestFirst) > within {
		return 0, 0, false
	}
	return bestFirst, bestLast, true
}

func containsLeaf(n *cnode, leaf int32) bool {
	if n.leaf >= 0 {
		return n.leaf == leaf
	}
	for _, ks := range [][]*cnode{n.all, n.any, n.none} {
		for _, k := range ks {
			if containsLeaf(k, leaf) {
				return true
			}
		}
	}
	return false
}

func isNegLeaf(n *cnode, leaf int32) bool {
	for _, k := range n.none {
		if containsLeaf(k, leaf) {
			return true
		}
	}
	for _, ks := range [][]*cnode{n.all, n.any} {
		for _, k := range ks {
			if k.leaf < 0 && isNegLeaf(k, leaf) {
				return true
			}
		}
	}
	return false
}

// field maps a byte range of the scored text to the report field it is in.
func (d *doc) field(start, end int32) (string, int, int) {
	if d.textOff > 0 && int(start) < d.textOff {
		return "title", int(start), min(int(end), d.textOff-2)
	}
	return "text", int(start) - d.textOff, int(end) - d.textOff
}

// reason is one thing that changed a hit, kept unformatted until the hit is
// known to be shown: most hits of a large rule set are dropped silently.
type reason struct {
	kind    uint8 // reasonModality, reasonSup
	mod     Modality
	cue     string
	sup     *Suppressor
	example string
	action  Action
	// speculation: a hedge that is no threat by an armed party, dropped
	// rather than downgraded.
	speculation bool
}

const (
	reasonModality uint8 = iota
	reasonSup
)

func (r reason) String() string {
	if r.kind == reasonModality {
		if r.speculation {
			return string(r.mod) + " by " + quote(r.cue) + " → " + string(r.action) +
				" (speculation or a condition, not a threat by a party able to use force)"
		}
		return string(r.mod) + " by " + quote(r.cue) + " → " + string(r.action)
	}
	name := r.sup.ID
	if name == "" {
		name = "context"
	}
	var why string
	if r.sup.Absent {
		why = "no " + name + " context in " + r.sup.Scope + " → " + string(r.sup.Action)
	} else {
		why = name + " " + quote(r.example) + " in " + r.sup.Scope + " → " + string(r.sup.Action)
	}
	if r.sup.Why != "" {
		why += " (" + r.sup.Why + ")"
	}
	return why
}

// judge decides what a candidate becomes: its modality, the suppressors that
// apply, boosts, and the resulting evidence. dropped reports a hit that does
// not count; a dropped hit is explained only when explain is set.
func (s *Set) judge(sc *scratch, d *doc, cr *crule, c candidate, explain bool) (Evidence, bool) {
	var reasons [8]reason
	rs := reasons[:0]
	m := s.modality(sc, d, c)
	mod := m.mod
	action := Keep
	if mod != Asserted {
		action = defaultModalityAction(mod)
		if a, ok := cr.Modality[mod]; ok {
			action = a
		}
		speculation := false
		if mod == Hedged && action == Downgrade && !m.threat {
			// Only a threat of force by a party able to use it becomes a
			// threat alert; speculation and conditions are not news.
			action, speculation = Drop, true
		}
		rs = append(rs, reason{kind: reasonModality, mod: mod, cue: m.cue, action: action, speculation: speculation})
	}
	for si := range cr.Unless {
		sup := &cr.Unless[si]
		if ex, ok := s.suppressed(sc, d, c, cr.supKeys[si], cr.supWithout[si], sup); ok {
			action = stronger(action, sup.Action)
			rs = append(rs, reason{kind: reasonSup, sup: sup, example: ex})
		}
	}
	for _, gi := range cr.globals {
		sup := &s.lexicon.Suppress[gi]
		if ex, ok := s.suppressed(sc, d, c, gi, s.globalWithout[gi], sup); ok {
			action = stronger(action, sup.Action)
			rs = append(rs, reason{kind: reasonSup, sup: sup, example: ex})
		}
	}
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
		ev.Why = explainHit(ev.Match, rs, nil)
		return ev, true
	case Downgrade:
		ev.Category = string(vocab.Threat)
		ev.Severity = SevLow
	case Contest:
		ev.Contested = true
	}
	if action != Downgrade {
		var applied []string
		for bi, b := range cr.Boosts {
			if why, ok := s.boost(sc, d, c, cr.idx, int32(bi), b); ok {
				if b.Severity > ev.Severity {
					ev.Severity = b.Severity
				}
				if b.Raise > 0 {
					ev.Severity = min(SevCritical, ev.Severity+Severity(b.Raise))
				}
				applied = append(applied, why)
			}
		}
		ev.boostWhys = applied
		if ev.Severity > cr.Severity {
			ev.boosts = applied // only boosts that raised the hit count in the score
		}
	}
	ev.Weight = float64(ev.Severity)
	// Why is rendered only for the evidence a rule keeps (evaluateRule):
	// most kept candidates are outranked and never shown.
	ev.rsFrom = int32(len(sc.reasons))
	sc.reasons = append(sc.reasons, rs...)
	ev.rsTo = int32(len(sc.reasons))
	return ev, false
}

// explainHit renders a hit's explanation: what matched, what changed it,
// what raised it.
func explainHit(match string, rs []reason, boosts []string) string {
	var b strings.Builder
	b.WriteString("matched ")
	b.WriteString(quote(match))
	for _, r := range rs {
		b.WriteString("; ")
		b.WriteString(r.String())
	}
	for _, w := range boosts {
		b.WriteString("; ")
		b.WriteString(w)
	}
	return b.String()
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

func stronger(a, b Action) Action {
	order := map[Action]int{Keep: 0, Contest: 1, Downgrade: 2, Drop: 3}
	if order[b] > order[a] {
		return b
	}
	return a
}

func quote(s string) string {
	if len(s) > 80 {
		s = report.TruncateBytes(s, 77) + "..."
	}
	return "\u201c" + s + "\u201d"
}

// suppressed reports whether a suppressor applies to a candidate: at least
// Min distinct suppressor terms in its scope (or, with Absent, fewer), and
// none of its without-terms there (withoutKey -1: it has none). It returns
// an example of the words found, for the explanation.
func (s *Set) suppressed(sc *scratch, d *doc, c candidate, key, withoutKey int32, sup *Suppressor) (string, bool) {
	sent := d.sents[c.sent]
	lo, hi := int32(0), int32(len(d.toks))
	switch sup.Scope {
	case "sentence":
		lo, hi = sent.first, sent.last
	case "paragraph":
		lo, hi = d.paraRange(c.sent)
	case "title":
		hi = 0
		for hi < int32(len(d.toks)) && int(d.toks[hi].start) < d.textOff {
			hi++
		}
	case "report":
		if n := sc.supCount[key]; n >= 0 && sup.Absent {
			return "", int(n) < sup.Min
		}
	}
	var seenBuf [8]int32
	seen := seenBuf[:0]
	example := int32(-1)
	var exTerm int32
	for _, h := range sc.supRange(key, lo, hi) {
		if slices.Contains(seen, h.term) {
			continue
		}
		seen = append(seen, h.term)
		if example < 0 {
			example, exTerm = h.tok, h.term
		}
		if len(seen) >= sup.Min {
			break
		}
	}
	if sup.Scope == "report" && sup.Absent {
		sc.supCount[key] = int32(len(seen))
		sc.supMemo = append(sc.supMemo, key)
	}
	if sup.Absent {
		return "", len(seen) < sup.Min
	}
	if len(seen) < sup.Min {
		return "", false
	}
	if withoutKey >= 0 && len(sc.supRange(withoutKey, lo, hi)) > 0 {
		return "", false // a cause that rules this context out is present
	}
	last := min(int(example)+len(s.terms[exTerm].atoms)-1, len(d.toks)-1)
	return d.text[d.toks[example].start:d.toks[last].end], true
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

// boost reports whether a boost applies to a kept candidate.
func (s *Set) boost(sc *scratch, d *doc, c candidate, rule, idx int32, b Boost) (string, bool) {
	inScope := func(tok int32) bool { return b.Scope == "report" || d.toks[tok].sent == c.sent }
	why := b.Why
	if b.If != "" {
		p := s.placeIn(sc, d, c.sent, b.If)
		if p == "" {
			return "", false
		}
		if why == "" {
			why = b.If
		}
		why += " (" + p + ")"
	}
	if b.Casualties > 0 {
		found := false
		lo, hi := 0, len(d.toks)
		if b.Scope != "report" {
			lo, hi = int(d.sents[c.sent].first), int(d.sents[c.sent].last)
		}
		for i := lo; i < hi; i++ {
			tk := &d.toks[i]
			if tk.num < int32(b.Casualties) || !inScope(int32(i)) || isYear(d, i) {
				continue
			}
			if len(b.Terms) == 0 {
				found = true
			} else {
				for _, h := range sc.boostHits {
					if h.rule == rule && h.boost == idx && d.toks[h.tok].sent == tk.sent && abs(int(h.tok)-i) <= 6 {
						found = true
						break
					}
				}
			}
			if found {
				if why == "" {
					why = "casualties"
				}
				why += " (" + d.text[tk.start:tk.end] + ")"
				break
			}
		}
		if !found {
			return "", false
		}
	} else if len(b.Terms) > 0 {
		found := false
		for _, h := range sc.boostHits {
			if h.rule == rule && h.boost == idx && inScope(h.tok) && (b.Near == 0 || nearTrigger(s.rules[rule], c, h.tok, b.Near)) {
				found = true
				if why == "" {
					why = "boost"
				}
				why += " (" + d.text[d.toks[h.tok].start:d.toks[h.tok].end] + ")"
				break
			}
		}
		if !found {
			return "", false
		}
	}
	return why, true
}

// nearTrigger reports token tok within n words of a hit of the rule's first
// all-group (its trigger), or of any hit when the rule has no all-groups.
func nearTrigger(cr *crule, c candidate, tok int32, n int) bool {
	for _, h := range c.hits {
		if len(cr.root.all) > 0 && cr.topOf[h.leaf] != 0 {
			continue
		}
		if tok >= h.first-int32(n) && tok <= h.last+int32(n) {
			return true
		}
	}
	return false
}

// nonCountUnits are words after a number that make it a measure, an age, a
// date or money rather than a count of people.
var nonCountUnits = map[string]bool{
	"year": true, "years": true, "month": true, "months": true, "week": true, "weeks": true, "day": true,
	"days": true, "hour": true, "hours": true, "minute": true, "minutes": true, "percent": true, "per": true,
	"km": true, "kilometres": true, "kilometers": true, "kilometre": true, "kilometer": true, "miles": true,
	"mile": true, "metres": true, "meters": true, "metre": true, "meter": true, "am": true, "pm": true, "a": true,
	"p": true, "kg": true, "tonnes": true, "tons": true, "mm": true, "cm": true, "degrees": true, "points": true,
	"seats": true, "billion": true, "dollars": true, "euros": true, "pounds": true, "th": true, "st": true,
	"nd": true, "rd": true, "centimetres": true, "centimeters": true, "games": true, "goals": true, "times": true,
	"gb": true, "mb": true, "mph": true, "feet": true, "ft": true,
}

var monthNames = map[string]bool{
	"jan": true, "january": true, "feb": true, "february": true, "mar": true, "march": true, "apr": true,
	"april": true, "may": true, "jun": true, "june": true, "jul": true, "july": true, "aug": true, "august": true,
	"sep": true, "sept": true, "september": true, "oct": true, "october": true, "nov": true, "november": true,
	"dec": true, "december": true,
}

var injuryWords = map[string]bool{
	"wounded": true, "injured": true, "hurt": true, "wounding": true, "injuring": true, "injuries": true,
	"wounds": true,
}

// markNonCounts clears the numeric value of numbers that are not counts:
// "a 14-year-old", "40 centimetres", "$10", "5 p.m.".
func markNonCounts(d *doc) {
	for i := range d.toks {
		tk := &d.toks[i]
		if tk.num < 0 {
			continue
		}
		if tk.start > 0 {
			switch d.text[tk.start-1] {
			case '$', '#':
				tk.num = -1
				continue
			}
			if r, _ := utf8.DecodeLastRuneInString(d.text[:tk.start]); r == '€' || r == '£' || r == '¥' {
				tk.num = -1
				continue
			}
		}
		// "Feb. 14", "14 February": a date, not a count ("November 2020"
		// stays a year).
		if !isYear(d, i) && i > 0 && monthNames[strings.ToLower(d.text[d.toks[i-1].start:d.toks[i-1].end])] ||
			i+1 < len(d.toks) && monthNames[strings.ToLower(d.text[d.toks[i+1].start:d.toks[i+1].end])] {
			tk.num = -1
			continue
		}
		// "11 wounded", "injuring 20": a count of the hurt, not the dead.
		if i+1 < len(d.toks) && injuryWords[strings.ToLower(d.text[d.toks[i+1].start:d.toks[i+1].end])] ||
			i > 0 && injuryWords[strings.ToLower(d.text[d.toks[i-1].start:d.toks[i-1].end])] {
			tk.num = -1
			continue
		}
		if i+1 < len(d.toks) && d.toks[i+1].sent == tk.sent {
			next := d.toks[i+1]
			if next.end-next.start <= 11 && nonCountUnits[strings.ToLower(d.text[next.start:next.end])] {
				tk.num = -1
				continue
			}
			if gap := d.text[tk.end:next.start]; strings.Contains(gap, "%") {
				tk.num = -1
			}
		}
	}
}

// isYear reports whether token i looks like a year rather than a count.
func isYear(d *doc, i int) bool {
	tk := d.toks[i]
	return tk.num >= 1900 && tk.num <= 2100 && tk.end-tk.start == 4
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

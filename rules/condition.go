package rules

import "slices"

// candidate is one place where a class's condition holds: its span, its
// sentence, and the leaf hits that make it (modality cues relate to those
// words, not to the whole span). Its modality is the same for every rule of
// the class and is read once (modal, when read is set).
type candidate struct {
	first, last int32
	sent        int32
	hits        []leafHit
	read        bool
	modal       modal
}

// classCandidates returns the places where a class's condition holds,
// computed once per call for all the rules that share it.
func (s *Set) classCandidates(sc *scratch, d *doc, cl *cclass) []candidate {
	if sc.candGen[cl.idx] == sc.gen {
		return sc.classCands[cl.idx]
	}
	sc.candGen[cl.idx] = sc.gen
	sc.classHits[cl.idx] = s.leafHits(sc, cl, sc.classHits[cl.idx][:0])
	sc.classCands[cl.idx] = s.candidates(sc, d, cl, sc.classHits[cl.idx], sc.classCands[cl.idx][:0])
	return sc.classCands[cl.idx]
}

// leafHits merges the hits of a class's leaves' groups in text order (hits
// of one term in two leaves: the first leaf first), appending to out. Most
// leaves of a class have no hit in a report; only those that do are merged.
func (s *Set) leafHits(sc *scratch, cl *cclass, out []leafHit) []leafHit {
	runs := sc.runs[:0]
	for leaf, g := range cl.leafGroup {
		if h := sc.groupHits[g]; len(h) > 0 {
			runs = append(runs, hitRun{leaf: int32(leaf), hits: h})
		}
	}
	sc.runs = runs
	if len(runs) == 1 {
		for _, h := range runs[0].hits {
			out = append(out, leafHit{leaf: runs[0].leaf, first: h.first, last: h.last})
		}
		return out
	}
	for len(runs) > 0 {
		best := 0
		for k := 1; k < len(runs); k++ {
			a, b := runs[k].hits[0].seq, runs[best].hits[0].seq
			if a < b || a == b && runs[k].leaf < runs[best].leaf {
				best = k
			}
		}
		r := &runs[best]
		out = append(out, leafHit{leaf: r.leaf, first: r.hits[0].first, last: r.hits[0].last})
		if r.hits = r.hits[1:]; len(r.hits) == 0 {
			runs[best] = runs[len(runs)-1]
			runs = runs[:len(runs)-1]
		}
	}
	return out
}

// hitRun is one leaf's hits not yet merged.
type hitRun struct {
	leaf int32
	hits []groupHit
}

// candidates evaluates a class's condition in each scope unit that has
// hits, appending to out.
func (s *Set) candidates(sc *scratch, d *doc, cl *cclass, hits []leafHit, out []candidate) []candidate {
	if len(hits) == 0 {
		return out
	}
	present := sc.leafSet(cl)
	unitOf := func(h leafHit) int32 {
		switch cl.scope {
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
			if cl.noneWithin > 0 && cl.negLeaf[h.leaf] && !nearTrigger(cl, candidate{hits: group}, h.first, cl.noneWithin) {
				continue // a none-term far from the act is not its object
			}
			present.add(h.leaf)
		}
		if !evalNode(cl.root, present) || cl.hasOrdered && !s.evalOrdered(sc, d, cl.root, group, present) {
			continue
		}
		first, last, ok := span(cl, group, present)
		if !ok {
			continue
		}
		out = append(out, candidate{first: first, last: last, sent: d.toks[first].sent, hits: group})
	}
	return out
}

// evalOrdered is evalNode that also holds ordered nodes to their order.
func (s *Set) evalOrdered(sc *scratch, d *doc, n *cnode, group []leafHit, present leafSet) bool {
	if n.leaf >= 0 {
		return present.has(n.leaf)
	}
	for _, k := range n.all {
		if !s.evalOrdered(sc, d, k, group, present) {
			return false
		}
	}
	if n.ordered {
		for i := 0; i+1 < len(n.all); i++ {
			if !s.inOrder(sc, n.all[i], n.all[i+1], group) {
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
func (s *Set) inOrder(sc *scratch, a, b *cnode, group []leafHit) bool {
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
func evalUpper(n *cnode, present leafSet) bool {
	if n.leaf >= 0 {
		return present.has(n.leaf)
	}
	if !present.covers(n.allLeaves) {
		return false
	}
	for _, k := range n.allSub {
		if !evalUpper(k, present) {
			return false
		}
	}
	if len(n.any) > 0 {
		if present.meets(n.anyLeaves) {
			return true
		}
		for _, k := range n.anySub {
			if evalUpper(k, present) {
				return true
			}
		}
		return false
	}
	return true
}

// evalNode reports whether the condition holds with the present leaves.
// Leaf children are tested a word of bits at a time.
func evalNode(n *cnode, present leafSet) bool {
	if n.leaf >= 0 {
		return present.has(n.leaf)
	}
	if !present.covers(n.allLeaves) {
		return false
	}
	for _, k := range n.allSub {
		if !evalNode(k, present) {
			return false
		}
	}
	if len(n.any) > 0 && !present.meets(n.anyLeaves) && !slices.ContainsFunc(n.anySub, func(k *cnode) bool { return evalNode(k, present) }) {
		return false
	}
	if present.meets(n.noneLeaves) {
		return false
	}
	for _, k := range n.noneSub {
		if evalNode(k, present) {
			return false
		}
	}
	return true
}

// leafSet is a set of a class's leaves, as bits.
type leafSet []uint64

func (ls leafSet) has(l int32) bool { return ls[l>>6]&(1<<(l&63)) != 0 }
func (ls leafSet) add(l int32)      { ls[l>>6] |= 1 << (l & 63) }

// covers reports every leaf of m in ls (m nil: none asked).
func (ls leafSet) covers(m leafSet) bool {
	for i, w := range m {
		if ls[i]&w != w {
			return false
		}
	}
	return true
}

// meets reports some leaf of m in ls.
func (ls leafSet) meets(m leafSet) bool {
	for i, w := range m {
		if ls[i]&w != 0 {
			return true
		}
	}
	return false
}

// leafSet returns the scratch's leaf set, cleared, sized for a class.
func (sc *scratch) leafSet(cl *cclass) leafSet {
	w := (cl.nLeaves + 63) >> 6
	if cap(sc.present) < w {
		sc.present = make(leafSet, w)
	}
	ls := sc.present[:w]
	clear(ls)
	return ls
}

// span returns the words that make the match. With within set, it is the
// smallest window holding a hit of every top-level "all" child, and the
// match fails if that window is wider than within words.
func span(cl *cclass, group []leafHit, present leafSet) (int32, int32, bool) {
	if cl.within > 0 && len(cl.root.all) == 0 && len(cl.root.any) > 0 {
		// within applies to the "all" branch of an "any" that holds.
		for _, k := range cl.root.any {
			if f, l, ok := windowed(k, group, cl.within, present); ok {
				return f, l, true
			}
		}
		return 0, 0, false
	}
	if cl.within <= 0 || len(cl.root.all) == 0 {
		first, last := group[0].first, group[0].last
		for _, h := range group {
			if cl.negLeaf[h.leaf] {
				continue
			}
			first = min(first, h.first)
			last = max(last, h.last)
		}
		return first, last, true
	}
	return smallestWindow(group, len(cl.root.all), func(leaf int32) int { return int(cl.topOf[leaf]) }, cl.within)
}

// smallestWindow finds the smallest window of hits holding one hit of each
// of k children (childOf maps a leaf to its child, -1: none), and reports
// it when it is at most within words wide.
func smallestWindow(group []leafHit, k int, childOf func(int32) int, within int) (int32, int32, bool) {
	var countBuf [16]int
	counts := countBuf[:0]
	if k > len(countBuf) {
		counts = make([]int, k)
	} else {
		counts = countBuf[:k]
	}
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
			// Hits are ordered by their first word and terms are a few
			// words long, so the window's last word is among the last few
			// hits: a bounded look-back keeps this loop linear (a scan of
			// the whole window made a long hostile sentence quadratic).
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

// windowed reports whether node n holds within a window of `within` words,
// and where: a leaf at its first hit; an "all" node when one hit of each
// child lies inside the window; an "any" node through its first child that
// does. Nested nodes are small, so child membership is looked up directly.
func windowed(n *cnode, group []leafHit, within int, present leafSet) (int32, int32, bool) {
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
	childOf := func(leaf int32) int {
		for i, c := range n.all {
			if containsLeaf(c, leaf) {
				return i
			}
		}
		return -1
	}
	return smallestWindow(group, len(n.all), childOf, within)
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

// nearTrigger reports token tok within n words of a hit of the class's
// first all-group (its trigger), or of any hit when it has no all-groups.
func nearTrigger(cl *cclass, c candidate, tok int32, n int) bool {
	for _, h := range c.hits {
		if len(cl.root.all) > 0 && cl.topOf[h.leaf] != 0 {
			continue
		}
		if tok >= h.first-int32(n) && tok <= h.last+int32(n) {
			return true
		}
	}
	return false
}

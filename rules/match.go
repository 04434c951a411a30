package rules

// match finds every term occurrence, puts them in text order, files each
// under the groups, cue kinds and boosts that use its term, and marks the
// rules to evaluate: those of the classes the hits wake whose condition can
// hold with the report's hits.
func (s *Set) match(sc *scratch, d *doc) {
	sc.begin(s)
	s.findTerms(sc, d)
	sortHits(sc.hits)
	s.fileHits(sc)
	s.wake(sc)
}

// findTerms tries, at each word, the terms indexed by its stem, its exact
// form or its number.
func (s *Set) findTerms(sc *scratch, d *doc) {
	toks := d.toks
	for i := range toks {
		tk := &toks[i]
		if tk.flags&wordAnchor != 0 {
			if ps := s.postStem.of(tk.stem); len(ps) > 0 {
				s.tryPostings(sc, d, ps, i)
			}
			if ps := s.postSurf.of(tk.surf); len(ps) > 0 {
				s.tryPostings(sc, d, ps, i)
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

// tryPostings tries the terms anchored at token i, each after a cheap look
// at its neighbour word.
func (s *Set) tryPostings(sc *scratch, d *doc, ps []posting, i int) {
	toks := d.toks
	for k := range ps {
		p := &ps[k]
		if p.nb == 0 { // a one-word term: the anchor is the match
			s.found(sc, p.term, int32(i), int32(i))
			continue
		}
		j := i + int(p.nb)
		if j < 0 || j >= len(toks) || toks[j].sent != toks[i].sent || !atomMatches(p.nbAt, &toks[j]) {
			continue
		}
		s.tryTerm(sc, d, p.term, i)
	}
}

// tryTerm checks the term anchored at token i and records a hit. Boosts
// read their hits in the order found, so theirs are filed now.
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
	s.found(sc, t, int32(start), int32(start+len(atoms)-1))
}

// found records a hit of term t on tokens first..last.
func (s *Set) found(sc *scratch, t, first, last int32) {
	sc.hits = append(sc.hits, termHit{term: t, first: first, last: last})
	for _, g := range s.termBoosts.of(t) {
		sc.boostHits = append(sc.boostHits, boostHit{group: g, tok: first})
	}
}

// sortHits puts hits in order of their first word, keeping the order found
// among hits that start together. They are nearly sorted (only a term
// anchored past its first word starts before the word that found it), so
// this is one comparison a hit.
func sortHits(hs []termHit) {
	for i := 1; i < len(hs); i++ {
		h := hs[i]
		k := i
		for ; k > 0 && hs[k-1].first > h.first; k-- {
			hs[k] = hs[k-1]
		}
		hs[k] = h
	}
}

// fileHits files each hit, in text order, under its term's groups and cue
// kinds: every list it lands in is then in text order too.
func (s *Set) fileHits(sc *scratch) {
	for seq, h := range sc.hits {
		for _, g := range s.termGroups.of(h.term) {
			if len(sc.groupHits[g]) == 0 {
				sc.groupTouched = append(sc.groupTouched, g)
			}
			sc.groupHits[g] = append(sc.groupHits[g], groupHit{term: h.term, first: h.first, last: h.last, seq: int32(seq)})
		}
		for _, k := range s.termCues.of(h.term) {
			sc.cueHits = append(sc.cueHits, cueHit{kind: k, first: h.first, last: h.last})
		}
	}
}

// wake marks the rules of every class that a touched group indexes and
// whose condition could hold with every hit of the report in one place
// (none ignored: that only removes matches). Most classes a report wakes
// go no further.
func (s *Set) wake(sc *scratch) {
	for _, g := range sc.groupTouched {
		for _, cl := range s.groupWakes.of(g) {
			if sc.classGen[cl] != sc.gen {
				sc.classGen[cl] = sc.gen
				sc.wokenClasses = append(sc.wokenClasses, cl)
			}
		}
	}
	for _, ci := range sc.wokenClasses {
		cl := s.classes[ci]
		present := sc.leafSet(cl)
		for leaf, g := range cl.leafGroup {
			if len(sc.groupHits[g]) > 0 {
				present.add(int32(leaf))
			}
		}
		if !evalUpper(cl.root, present) {
			continue
		}
		for _, r := range cl.rules {
			sc.ruleBits[r>>6] |= 1 << (r & 63)
		}
	}
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

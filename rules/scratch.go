package rules

import (
	"sort"

	"github.com/tocsin-alerts/tocsin/rules/geo"
)

type termHit struct{ term, first, last int32 }

// groupHit is a term hit filed under a group; seq is the hit's rank in the
// report's term hits (text order), which orders the hits of a class.
type groupHit struct{ term, first, last, seq int32 }
type leafHit struct{ leaf, first, last int32 }
type cueHit struct{ kind, first, last int32 }
type boostHit struct{ group, tok int32 }

// scratch is per-call working memory, pooled so that scoring allocates
// little beyond its result. Everything a call memoises is stamped with the
// call's generation (gen), so nothing computed for one report is ever read
// for another: a memoised suppressor count that outlived its report once
// made alerts depend on feed order.
type scratch struct {
	gen uint32
	lx  lexer
	// hits are the report's term hits, in text order after match.
	hits []termHit
	// groupHits files the hits by group; groupTouched lists the groups
	// with hits (to clear them).
	groupHits    [][]groupHit
	groupTouched []int32
	boostHits    []boostHit // in the order found
	cueHits      []cueHit
	// classGen stamps the classes woken this call, wokenClasses lists
	// them, and ruleBits marks the rules to evaluate (walked in rule
	// order, so that output is deterministic without sorting).
	classGen     []uint32
	wokenClasses []int32
	ruleBits     []uint64
	// Per class, this call's candidates (classCands, valid when candGen
	// is gen) and the leaf hits they point into.
	candGen    []uint32
	classCands [][]candidate
	classHits  [][]leafHit
	present    leafSet
	runs       []hitRun
	// sups memoises suppressor verdicts per (signature, place); sentGen
	// and sentGlobals memoise each sentence's global suppressors.
	sups        supMemo
	sigLast     []sigLast
	sentGen     []uint32
	sentGlobals []uint64
	// words is a lock-free first-level word cache (see classify).
	words wordCache
	// finder is the gazetteer's reusable buffers.
	finder geo.Finder
	// mentions are the gazetteer's mentions of the sentences asked about
	// in this call, each sentence's at placeAt (valid when placeGen is gen).
	mentions []geo.Mention
	placeGen []uint32
	placeAt  [][2]int32
	// feats and featAt are the prior's features and the token each came
	// from (negative: a word pair ending at that token).
	feats  []uint32
	featAt []int32
	featW  []float32 // each feature's weight
	seen   []uint64  // Dim-bit set for deduplicating features, kept cleared
	// kept is evaluateRule's working list, reused rule after rule;
	// reasons is the arena kept hits' explanations live in until their
	// rule's evidence is chosen.
	kept     []Evidence
	keptInfo []keptInfo
	reasons  []reason
	judging  []reason // the reasons of the hit being judged
	// evidence and suppressed gather the verdict's hits; negated lists
	// the categories a denial was found for (the verdict is contested).
	evidence, suppressed []Evidence
	negated              []string
	cats                 []string // the verdict's categories, being gathered
	whyBuf               []byte   // explanations are rendered here (explain)
}

// begin starts a call: a new generation, and the previous call's hits
// cleared.
func (sc *scratch) begin(s *Set) {
	sc.gen++
	if sc.gen == 0 { // wrapped: no stamp may look current
		clear(sc.classGen)
		clear(sc.candGen)
		clear(sc.sentGen)
		clear(sc.sigLast)
		clear(sc.placeGen)
		sc.sups = supMemo{}
		sc.gen = 1
	}
	for _, g := range sc.groupTouched {
		sc.groupHits[g] = sc.groupHits[g][:0]
	}
	sc.groupTouched = sc.groupTouched[:0]
	if int32(len(sc.groupHits)) < s.numGroups {
		sc.groupHits = make([][]groupHit, s.numGroups)
	}
	if n := len(s.classes); len(sc.classGen) < n {
		sc.classGen = make([]uint32, n)
		sc.candGen = make([]uint32, n)
		sc.classCands = make([][]candidate, n)
		sc.classHits = make([][]leafHit, n)
	}
	if need := (len(s.rules) + 63) >> 6; len(sc.ruleBits) < need {
		sc.ruleBits = make([]uint64, need)
	} else {
		clear(sc.ruleBits)
	}
	sc.hits = sc.hits[:0]
	sc.wokenClasses = sc.wokenClasses[:0]
	sc.boostHits = sc.boostHits[:0]
	sc.cueHits = sc.cueHits[:0]
	sc.reasons = sc.reasons[:0]
	sc.keptInfo = sc.keptInfo[:0]
	sc.mentions = sc.mentions[:0]
}

// keptInfo is what a kept hit's Why and score need beyond its Evidence:
// its reasons (sc.reasons[rsFrom:rsTo]), the boosts that applied, and those
// that raised its severity.
type keptInfo struct {
	rsFrom, rsTo int32
	boostWhys    []string
	boosts       []string
}

// groupRange returns the hits of a group with first tokens in [lo, hi).
// Hits are filed in text order, so each group is sorted already.
func (sc *scratch) groupRange(g, lo, hi int32) []groupHit {
	h := sc.groupHits[g]
	start := sort.Search(len(h), func(i int) bool { return h[i].first >= lo })
	end := start + sort.Search(len(h)-start, func(i int) bool { return h[start+i].first >= hi })
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
	end := start + sort.Search(len(h)-start, func(i int) bool { return h[start+i].first >= hi })
	return h[start:end]
}

func (s *Set) getScratch() *scratch {
	if v := s.pool.Get(); v != nil {
		return v.(*scratch)
	}
	return &scratch{}
}

func (s *Set) putScratch(sc *scratch) {
	if cap(sc.lx.toks) > 1<<16 { // do not keep huge buffers after a 10 MB report
		sc.lx.toks = nil
		sc.lx.sents = nil
		sc.feats, sc.featAt = nil, nil
		sc.hits, sc.cueHits, sc.boostHits = nil, nil, nil
		sc.sentGen, sc.sentGlobals = nil, nil
		sc.groupHits = nil
		sc.groupTouched = nil
		sc.sups = supMemo{}
	}
	// Do not pin the report's text in the pool.
	sc.lx.text = ""
	clear(sc.evidence)
	clear(sc.suppressed)
	clear(sc.kept[:cap(sc.kept)])
	clear(sc.reasons)
	clear(sc.keptInfo)
	clear(sc.judging[:cap(sc.judging)])
	s.pool.Put(sc)
}

// supMemo is an open-addressing table of suppressor verdicts for one call:
// entries of older generations count as empty, so starting a call costs
// nothing and no verdict outlives its report.
type supMemo struct {
	slots []supSlot
	n     int
	gen   uint32
}

type supSlot struct {
	key uint64 // signature << 32 | place
	gen uint32
	v   supVerdict
}

// sigLast is a signature's last verdict in a call.
type sigLast struct {
	gen  uint32
	unit int32
	v    supVerdict
}

// supVerdict is whether a suppressor applies at a place, and the hit that
// shows it (for the explanation).
type supVerdict struct {
	ok            bool
	exTok, exTerm int32
}

func (m *supMemo) get(key uint64, gen uint32) (supVerdict, bool) {
	if m.gen != gen || len(m.slots) == 0 {
		return supVerdict{}, false
	}
	mask := uint64(len(m.slots) - 1)
	for i := mixKey(key) & mask; ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.gen != gen {
			return supVerdict{}, false
		}
		if s.key == key {
			return s.v, true
		}
	}
}

func (m *supMemo) put(key uint64, gen uint32, v supVerdict) {
	if m.gen != gen {
		m.gen, m.n = gen, 0
	}
	if (m.n+1)*4 > len(m.slots)*3 {
		m.grow(gen)
	}
	mask := uint64(len(m.slots) - 1)
	for i := mixKey(key) & mask; ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.gen != gen {
			*s = supSlot{key: key, gen: gen, v: v}
			m.n++
			return
		}
		if s.key == key {
			s.v = v
			return
		}
	}
}

func (m *supMemo) grow(gen uint32) {
	old := m.slots
	m.slots = make([]supSlot, max(64, 2*len(old)))
	m.n = 0
	for _, s := range old {
		if s.gen == gen {
			m.put(s.key, gen, s.v)
		}
	}
}

func mixKey(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	return k
}

package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/vocab"
)

// atom is one word position of a compiled term.
type atom struct {
	kind uint8 // atomStem, atomSurf, atomNum
	wlen uint8 // the word's length, to choose a term's anchor
	id   int32 // stem or surface id
	min  int32 // for atomNum: the smallest value that matches
}

const (
	atomStem uint8 = iota
	atomSurf
	atomNum
)

// cterm is a compiled term: a sequence of atoms matched on consecutive words
// of one sentence.
type cterm struct {
	text  string
	atoms []atom
	// anchor is the atom the term is indexed by: its longest word, the
	// rarest by Zipf's law, so that "in the war" or "have killed" is not
	// tried at every "in" or "have" of a report.
	anchor int32
}

// ref says what a term hit means to whom.
type ref struct {
	kind uint8 // refLeaf, refSup, refGlobal, refCue, refBoost
	rule int32
	idx  int32
}

const (
	refLeaf uint8 = iota
	refSup
	refGlobal
	refCue
	refBoost
)

// Cue kinds, indexes of cueNames.
const (
	cueNegation    = iota // "not", "never": negates a hit just after it
	cueDenial             // "denied", "baseless": the event is said not to have happened
	cueHedge              // "could", "may", "likely": speculation
	cueHistorical         // "years ago", "anniversary": the past
	cueReset              // "but", "however": a new clause starts
	cueNPNegation         // "without": negates only the noun phrase right after it
	cueConditional        // "if", "unless": a condition; from a sentence's start it governs all of it
	cuePastPerfect        // "had": the verb right after it is background
	cueThreat             // "threatened", "vowed": a threat, when an armed party makes it
	cueActor              // "army", "president", "rebels": a party able to use force
	cueClaim              // "reports that", "claims of": a claim a later denial answers
	cueSpeech             // "said", "told": reported speech (its "had" is backshift, not the past)
	cueTitle              // "President", "General": the name after it is a person's
	cuePassive            // "by": the agent follows the act ("struck by drones")
	cueLocative           // "in", "near": the place after it is where the event is
	cueAttribution        // "claims responsibility for", "blamed for": what follows is an earlier event
	numCues
)

var cueNames = [numCues]string{"negation", "denial", "hedge", "historical", "reset", "np_negation", "conditional",
	"past_perfect", "threat", "actor", "claim", "speech", "title", "passive", "locative", "attribution"}

// cnode is a compiled condition.
type cnode struct {
	leaf           int32 // leaf index within the rule, or -1
	all, any, none []*cnode
	ordered        bool
}

// crule is a compiled rule.
type crule struct {
	*Rule
	idx     int32 // index in Set.rules
	root    *cnode
	nLeaves int
	globals []int32 // global suppressors that apply
	supKeys []int32 // dense suppressor key of each Unless entry
	// supWithout is the key of each Unless entry's without-terms (-1: none).
	supWithout []int32
	// topOf maps each leaf to the index of the top-level "all" child that
	// contains it (-1: none), for the proximity window.
	topOf []int32
	// hasOrdered: some condition node of the rule is ordered.
	hasOrdered bool
}

// compiler builds a Set. Terms are deduplicated across rules, so a word used
// by a hundred rules is looked up once per token.
type compiler struct {
	s       *Set
	lists   map[string][]string
	termIDs map[string]int32
	probs   *problems
	seen    map[termOrigin]bool
	// listAt is where each named list was defined: a collision in a list
	// is reported there, where the fix goes, not at every rule using it.
	listAt map[string]termOrigin
	inList string // the list being expanded, if any
}

func newSet() *Set {
	return &Set{
		stemIDs:  map[string]int32{},
		surfIDs:  map[string]int32{},
		prefixes: make([]bool, prefixSpace),
		cache:    &stemCache{m: map[string]wordInfo{}},
	}
}

// compile turns parsed files into a Set, or reports every problem found.
func compile(files map[string]*file, order []string, sources map[string][]byte) (*Set, Problems) {
	s := newSet()
	s.sources = sources
	c := &compiler{s: s, lists: map[string][]string{}, termIDs: map[string]int32{}, probs: &problems{},
		listAt: map[string]termOrigin{}}
	var all Problems
	lex := Lexicon{Lists: map[string][]string{}, Cues: map[string][]string{}}
	listFile := map[string]string{}
	for _, name := range order {
		f := files[name]
		for k, v := range f.lex.Lists {
			if prev, dup := listFile[k]; dup {
				all = append(all, Problem{File: name, Line: f.listLines[k], Field: "lists." + k, Msg: "list already defined in " + prev})
				continue
			}
			listFile[k] = name
			lex.Lists[k] = v
			c.listAt[k] = termOrigin{file: name, line: f.listLines[k], field: "lists." + k}
		}
		lex.Suppress = append(lex.Suppress, f.lex.Suppress...)
	}
	c.lists = lex.Lists
	s.lexicon = lex
	cats, ps := declaredCategories(files, order)
	all = append(all, ps...)
	s.cats = cats
	// Cues, reported against the file and line that defined them.
	for _, name := range order {
		f := files[name]
		for k, kind := range cueNames {
			for _, t := range f.lex.Cues[kind] {
				c.probs = &problems{file: name}
				c.addTerm(t, ref{kind: refCue, idx: int32(k)}, f.cueLines[kind], "cues."+kind)
				all = append(all, c.probs.list...)
			}
			lex.Cues[kind] = append(lex.Cues[kind], f.lex.Cues[kind]...)
		}
	}
	// Global suppressors.
	globalIDs := map[string]bool{}
	for gi, g := range lex.Suppress {
		if g.ID != "" {
			globalIDs[g.ID] = true
		}
		for _, t := range g.Terms {
			c.probs = &problems{file: g.File}
			c.addTerm(t, ref{kind: refGlobal, idx: int32(gi)}, g.Line, "suppress") // global gi has key gi
			all = append(all, c.probs.list...)
		}
	}
	// Suppressor keys are dense: globals first, then the globals'
	// without-terms, then each rule's.
	s.numSupKeys = int32(len(lex.Suppress))
	s.globalWithout = make([]int32, len(lex.Suppress))
	for gi, g := range lex.Suppress {
		s.globalWithout[gi] = c.withoutKey(g, ref{kind: refGlobal}, "suppress", &all)
	}
	ids := map[string]string{}
	for _, name := range order {
		for _, r := range files[name].rules {
			c.probs = &problems{file: name}
			if prev, dup := ids[r.ID]; dup && r.ID != "" {
				c.probs.add(r.Line, "id", "duplicate rule id %q (first defined in %s)", r.ID, prev)
			}
			ids[r.ID] = fmt.Sprintf("%s:%d", name, r.Line)
			if !r.Enabled {
				all = append(all, c.probs.list...)
				s.disabled = append(s.disabled, r)
				continue
			}
			ri := int32(len(s.rules))
			cr := &crule{Rule: r, idx: ri}
			if r.Match != nil {
				cr.root = c.cond(r.Match, cr, ri, "match")
				cr.topOf = make([]int32, cr.nLeaves)
				for leaf := range cr.topOf {
					cr.topOf[leaf] = -1
					for i, child := range cr.root.all {
						if containsLeaf(child, int32(leaf)) {
							cr.topOf[leaf] = int32(i)
							break
						}
					}
				}
			}
			for _, sup := range r.Unless {
				key := s.numSupKeys
				s.numSupKeys++
				cr.supKeys = append(cr.supKeys, key)
				for _, t := range sup.Terms {
					c.addTerm(t, ref{kind: refSup, rule: ri, idx: key}, sup.Line, "unless")
				}
				cr.supWithout = append(cr.supWithout, c.withoutKey(sup, ref{kind: refSup, rule: ri}, "unless", nil))
			}
			for bi, b := range r.Boosts {
				for _, t := range b.Terms {
					c.addTerm(t, ref{kind: refBoost, rule: ri, idx: int32(bi)}, b.Line, "boosts")
				}
			}
			except := map[string]bool{}
			for _, e := range r.Except {
				if !globalIDs[e] {
					c.probs.add(r.Line, "except", "no global suppressor with id %q", e)
				}
				except[e] = true
			}
			for gi, g := range lex.Suppress {
				if g.ID == "" || !except[g.ID] {
					cr.globals = append(cr.globals, int32(gi))
				}
			}
			if r.Category != "" && cats.Len() > 0 && !cats.Has(vocab.Category(r.Category)) {
				msg := fmt.Sprintf("unknown category %q", r.Category)
				if _, err := cats.Parse(r.Category); err != nil {
					msg = err.Error()
				}
				c.probs.add(r.CategoryLine, "category", "%s; declare it under categories: or use a declared one", msg)
			}
			for _, y := range r.YieldsTo {
				if cats.Len() > 0 && !cats.Has(vocab.Category(y)) {
					c.probs.add(r.Line, "yields_to", "unknown category %q", y)
				}
			}
			if vocab.Category(r.Category) == vocab.DeEscalation && r.Severity != SevNone {
				c.probs.add(r.Line, "severity", "de_escalation rules must have severity none")
			}
			s.rules = append(s.rules, cr)
			all = append(all, c.probs.list...)
		}
	}
	// Irregular forms ("fought") reach the stemmer only if their own prefix
	// passes the pre-filter: mark the prefixes of every irregular form whose
	// stem some term uses.
	for form, st := range irregular {
		if _, ok := s.stemIDs[st]; ok {
			s.prefixes[prefixKey(form)] = true
		}
	}
	if len(all) > 0 {
		return nil, all.sorted()
	}
	s.version = s.hash(order)
	s.byID = make(map[string]*crule, len(s.rules))
	for _, cr := range s.rules {
		s.byID[cr.ID] = cr
	}
	return s, nil
}

// withoutKey allocates a suppressor key for a suppressor's without-terms
// and files them under it; -1 when it has none. Problems go to all when it
// is given (globals are compiled per file), else to the current file's.
func (c *compiler) withoutKey(sup Suppressor, r ref, field string, all *Problems) int32 {
	if len(sup.Without) == 0 {
		return -1
	}
	key := c.s.numSupKeys
	c.s.numSupKeys++
	r.idx = key
	if all != nil {
		c.probs = &problems{file: sup.File}
	}
	for _, t := range sup.Without {
		c.addTerm(t, r, sup.Line, field+".without")
	}
	if all != nil {
		*all = append(*all, c.probs.list...)
	}
	return key
}

func (c *compiler) cond(cd *Cond, cr *crule, ri int32, path string) *cnode {
	n := &cnode{leaf: -1}
	if len(cd.Terms) > 0 {
		n.leaf = int32(cr.nLeaves)
		cr.nLeaves++
		for _, t := range cd.Terms {
			c.addTerm(t, ref{kind: refLeaf, rule: ri, idx: n.leaf}, cd.Line, path)
		}
		return n
	}
	for i, k := range cd.All {
		n.all = append(n.all, c.cond(k, cr, ri, fmt.Sprintf("%s.all[%d]", path, i)))
	}
	n.ordered = cd.Ordered
	cr.hasOrdered = cr.hasOrdered || cd.Ordered
	for i, k := range cd.Any {
		n.any = append(n.any, c.cond(k, cr, ri, fmt.Sprintf("%s.any[%d]", path, i)))
	}
	for i, k := range cd.None {
		n.none = append(n.none, c.cond(k, cr, ri, fmt.Sprintf("%s.none[%d]", path, i)))
	}
	return n
}

// addTerm compiles one term (expanding "@list" references) and records what
// a hit on it means.
func (c *compiler) addTerm(t string, r ref, line int, field string) {
	t = strings.TrimSpace(t)
	if strings.HasPrefix(t, "@") {
		list, ok := c.lists[t[1:]]
		if !ok {
			c.probs.add(line, field, "unknown list %q", t)
			return
		}
		c.inList = t[1:]
		for _, lt := range list {
			if strings.HasPrefix(lt, "@") {
				c.probs.add(line, field, "list %q refers to another list (%s): lists do not nest", t, lt)
				continue
			}
			c.addTerm(lt, r, line, field)
		}
		c.inList = ""
		return
	}
	atoms, err := c.atoms(t)
	if err != nil {
		c.probs.add(line, field, "term %q: %v", t, err)
		return
	}
	c.recordOrigins(t, line, field)
	key := atomsKey(atoms)
	id, ok := c.termIDs[key]
	if !ok {
		id = int32(len(c.s.terms))
		c.termIDs[key] = id
		anchor := anchorOf(atoms)
		c.s.terms = append(c.s.terms, cterm{text: t, atoms: atoms, anchor: int32(anchor)})
		c.s.termRefs = append(c.s.termRefs, nil)
		a := atoms[anchor]
		switch a.kind {
		case atomStem:
			c.s.postStem = growTo(c.s.postStem, int(a.id))
			c.s.postStem[a.id] = append(c.s.postStem[a.id], id)
		case atomSurf:
			c.s.postSurf = growTo(c.s.postSurf, int(a.id))
			c.s.postSurf[a.id] = append(c.s.postSurf[a.id], id)
		case atomNum:
			c.s.numTerms = append(c.s.numTerms, id)
		}
	}
	for _, existing := range c.s.termRefs[id] {
		if existing == r {
			return
		}
	}
	c.s.termRefs[id] = append(c.s.termRefs[id], r)
}

// recordOrigins notes where each stem-matched word of a term was written,
// for the stem-collision check (Set.Hygiene).
func (c *compiler) recordOrigins(t string, line int, field string) {
	if c.seen == nil {
		c.seen = map[termOrigin]bool{}
	}
	for _, f := range strings.Fields(t) {
		if strings.HasPrefix(f, "=") || strings.HasPrefix(f, "#") {
			continue
		}
		for _, w := range c.words(f) {
			if _, isNum := parseNumber([]byte(w)); isNum {
				continue
			}
			o := termOrigin{word: w, term: t, file: c.probs.file, line: line, field: field}
			if at, ok := c.listAt[c.inList]; ok && c.inList != "" {
				o.file, o.line, o.field = at.file, at.line, at.field+" (via "+field+")"
			}
			if !c.seen[o] {
				c.seen[o] = true
				c.s.origins = append(c.s.origins, o)
			}
		}
	}
}

// anchorOf picks the atom a term is indexed by: its first word, unless
// that is a short function word ("in the war", "has killed", "to halt"),
// then its longest word. A term anchored on "in" would be tried at every
// "in" of every report. (A number anchors only a term of numbers.)
func anchorOf(atoms []atom) int {
	if atoms[0].kind != atomNum && atoms[0].wlen > shortWord {
		return 0
	}
	best := 0
	for k, a := range atoms {
		if a.kind == atomNum {
			continue
		}
		if atoms[best].kind == atomNum || a.wlen > atoms[best].wlen {
			best = k
		}
	}
	return best
}

// shortWord is the length up to which a term's first word counts as a
// function word for anchoring.
const shortWord = 3

func growTo(p [][]int32, i int) [][]int32 {
	for len(p) <= i {
		p = append(p, nil)
	}
	return p
}

// atoms splits a term into atoms. Syntax per word: "word" is matched by stem
// (close = closed = closing = closure), "=word" by exact form (=storm does not
// match "storming"), "#N+" by any number >= N ("#10+" matches 12, "dozens").
func (c *compiler) atoms(t string) ([]atom, error) {
	var out []atom
	for _, field := range strings.Fields(t) {
		switch {
		case strings.HasPrefix(field, "#"):
			spec := strings.TrimSuffix(field[1:], "+")
			min := int32(0)
			if spec != "" {
				v, ok := parseNumber([]byte(spec))
				if !ok || !strings.HasSuffix(field, "+") {
					return nil, fmt.Errorf("number atom %q: want #N+ (e.g. #10+) or #", field)
				}
				min = v
			}
			out = append(out, atom{kind: atomNum, min: min})
		case strings.HasPrefix(field, "="):
			for _, w := range c.words(field[1:]) {
				out = append(out, atom{kind: atomSurf, wlen: wordLen(w), id: c.s.surfID(w)})
			}
		default:
			for _, w := range c.words(field) {
				if _, isNum := parseNumber([]byte(w)); isNum {
					// "24" in "24-hour": numbers match as written.
					out = append(out, atom{kind: atomSurf, wlen: wordLen(w), id: c.s.surfID(w)})
					continue
				}
				st := stemWord(w)
				out = append(out, atom{kind: atomStem, wlen: wordLen(w), id: c.s.stemID(st)})
				c.s.prefixes[prefixKey(w)] = true
				c.s.prefixes[prefixKey(st)] = true
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no words")
	}
	return out, nil
}

func wordLen(w string) uint8 { return uint8(min(len(w), 255)) }

// words splits a term the way the tokenizer splits text.
func (c *compiler) words(s string) []string {
	lx := lexer{text: s}
	lx.tokenize()
	out := make([]string, 0, len(lx.toks))
	for _, tk := range lx.toks {
		raw := s[tk.start:tk.end]
		ascii := true
		for i := 0; i < len(raw); i++ {
			if raw[i] >= utf8.RuneSelf {
				ascii = false
				break
			}
		}
		out = append(out, string(normalizeWord(nil, raw, ascii)))
	}
	return out
}

func (s *Set) stemID(st string) int32 {
	if id, ok := s.stemIDs[st]; ok {
		return id
	}
	id := int32(len(s.stemIDs))
	s.stemIDs[st] = id
	return id
}

func (s *Set) surfID(w string) int32 {
	if id, ok := s.surfIDs[w]; ok {
		return id
	}
	id := int32(len(s.surfIDs))
	s.surfIDs[w] = id
	return id
}

func atomsKey(as []atom) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "%d:%d:%d ", a.kind, a.id, a.min)
	}
	return b.String()
}

// hash is the rule-set version: a short digest of every file's name and
// content, so a verdict names exactly the rules that produced it.
func (s *Set) hash(order []string) string {
	h := sha256.New()
	names := append([]string(nil), order...)
	sort.Strings(names)
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(s.sources[n])
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

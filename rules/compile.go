package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/tocsin-alerts/tocsin/vocab"
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

// crule is a compiled rule. Its condition is its class's (rules written
// alike share one); what it does with a match (modality, suppressors,
// boosts) is its own.
type crule struct {
	*Rule
	idx   int32 // index in Set.rules
	class *cclass
	// globals are the global suppressors that apply (ascending), and
	// globalMask the same as a bitset.
	globals    []int32
	globalMask []uint64
	// unlessSig is the suppressor signature of each Unless entry.
	unlessSig []int32
	// boostGroup is the boost group of each boost's terms (-1: none).
	boostGroup []int32
	// onModality is what the rule does with each modality but asserted
	// (cr.Modality with the defaults filled in), by modalityIndex.
	onModality [numModalities]Action
}

// compiler builds a Set. Terms are deduplicated across rules, so a word used
// by a hundred rules is looked up once per token, and so are the term lists
// and conditions rules share (index.go).
type compiler struct {
	s       *Set
	lists   map[string][]string
	termIDs map[string]int32 // atoms → term
	byText  map[string]int32 // term text → term
	stems   map[string]string
	probs   *problems
	// origins is non-nil when the words of every term and where they were
	// written are recorded (for Set.Hygiene).
	origins map[termOrigin]bool
	// listAt is where each named list was defined: a collision in a list
	// is reported there, where the fix goes, not at every rule using it.
	listAt map[string]termOrigin
	inList string  // the list being expanded, if any
	cur    []int32 // the terms of the term list being compiled
	ix     *indexer
	// postStem and postSurf are the postings being gathered, per word id.
	postStem, postSurf [][]posting
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
// withOrigins records where every stem-matched word was written.
func compile(files map[string]*file, order []string, sources map[string][]byte, withOrigins bool) (*Set, Problems) {
	s := newSet()
	s.sources = sources
	c := &compiler{s: s, lists: map[string][]string{}, termIDs: map[string]int32{}, byText: map[string]int32{},
		stems: map[string]string{}, probs: &problems{}, listAt: map[string]termOrigin{}, ix: newIndexer(s)}
	if withOrigins {
		c.origins = map[termOrigin]bool{}
	}
	all := c.lexicon(files, order)
	cats, ps := declaredCategories(files, order)
	all = append(all, ps...)
	s.cats = cats
	all = append(all, c.cues(files, order)...)
	globalIDs := c.globalSuppressors(&all)
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
			s.rules = append(s.rules, c.rule(r, globalIDs, cats))
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
	c.ix.finish()
	s.postStem, s.postSurf = flatten(c.postStem), flatten(c.postSurf)
	s.version = s.hash(order)
	s.byID = make(map[string]*crule, len(s.rules))
	for _, cr := range s.rules {
		s.byID[cr.ID] = cr
	}
	return s, nil
}

// lexicon merges the files' named lists and global suppressors.
func (c *compiler) lexicon(files map[string]*file, order []string) Problems {
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
	c.s.lexicon = lex
	return all
}

// cues compiles the modality cues, reported against the file and line that
// defined them.
func (c *compiler) cues(files map[string]*file, order []string) Problems {
	var all Problems
	lex := &c.s.lexicon
	for _, name := range order {
		f := files[name]
		for k, kind := range cueNames {
			for _, t := range f.lex.Cues[kind] {
				c.probs = &problems{file: name}
				c.cur = c.cur[:0]
				c.addTerm(t, f.cueLines[kind], "cues."+kind)
				for _, id := range c.cur {
					c.ix.cue(id, int32(k))
				}
				all = append(all, c.probs.list...)
			}
			lex.Cues[kind] = append(lex.Cues[kind], f.lex.Cues[kind]...)
		}
	}
	return all
}

// globalSuppressors compiles the suppressors that apply to every rule and
// returns their ids. Every one's terms come before any one's without-terms,
// as terms are numbered in the order they are first met.
func (c *compiler) globalSuppressors(all *Problems) map[string]bool {
	globalIDs := map[string]bool{}
	sups := c.s.lexicon.Suppress
	groups := make([]int32, len(sups))
	for gi, g := range sups {
		if g.ID != "" {
			globalIDs[g.ID] = true
		}
		c.probs = &problems{file: g.File}
		groups[gi] = c.termGroup(g.Terms, g.Line, "suppress")
		*all = append(*all, c.probs.list...)
	}
	c.s.globalSig = make([]int32, len(sups))
	for gi, g := range sups {
		without := int32(-1)
		if len(g.Without) > 0 {
			c.probs = &problems{file: g.File}
			without = c.termGroup(g.Without, g.Line, "suppress.without")
			*all = append(*all, c.probs.list...)
		}
		c.s.globalSig[gi] = c.ix.sig(supSig{group: groups[gi], without: without, scope: g.Scope, min: int32(g.Min), absent: g.Absent})
	}
	return globalIDs
}

// suppressor compiles a rule's suppressor (terms, then without-terms) and
// returns its signature: suppressors written alike are judged once per place.
func (c *compiler) suppressor(sup Suppressor, field string) int32 {
	g := c.termGroup(sup.Terms, sup.Line, field)
	without := int32(-1)
	if len(sup.Without) > 0 {
		without = c.termGroup(sup.Without, sup.Line, field+".without")
	}
	return c.ix.sig(supSig{group: g, without: without, scope: sup.Scope, min: int32(sup.Min), absent: sup.Absent})
}

// termGroup compiles a term list and returns its group.
func (c *compiler) termGroup(terms []string, line int, field string) int32 {
	c.cur = c.cur[:0]
	for _, t := range terms {
		c.addTerm(t, line, field)
	}
	return c.ix.group(c.cur)
}

// rule compiles one enabled rule; its problems go to c.probs.
func (c *compiler) rule(r *Rule, globalIDs map[string]bool, cats vocab.Categories) *crule {
	s := c.s
	cr := &crule{Rule: r, idx: int32(len(s.rules))}
	if r.Match != nil {
		b := &classBuilder{}
		root := c.cond(r.Match, b, "match")
		cr.class = c.ix.class(root, b, r)
	}
	for _, sup := range r.Unless {
		cr.unlessSig = append(cr.unlessSig, c.suppressor(sup, "unless"))
	}
	for _, b := range r.Boosts {
		c.cur = c.cur[:0]
		for _, t := range b.Terms {
			c.addTerm(t, b.Line, "boosts")
		}
		g := int32(-1)
		if len(b.Terms) > 0 {
			g = c.ix.boostGroup(c.cur)
		}
		cr.boostGroup = append(cr.boostGroup, g)
	}
	except := map[string]bool{}
	for _, e := range r.Except {
		if !globalIDs[e] {
			c.probs.add(r.Line, "except", "no global suppressor with id %q", e)
		}
		except[e] = true
	}
	cr.globalMask = make([]uint64, (len(s.lexicon.Suppress)+63)/64)
	for gi, g := range s.lexicon.Suppress {
		if g.ID == "" || !except[g.ID] {
			cr.globals = append(cr.globals, int32(gi))
			cr.globalMask[gi>>6] |= 1 << (gi & 63)
		}
	}
	for _, m := range [...]Modality{Negated, Hedged, Historical} {
		a := defaultModalityAction(m)
		if x, ok := r.Modality[m]; ok {
			a = x
		}
		cr.onModality[modalityIndex(m)] = a
	}
	c.checkCategories(r, cats)
	if cr.class != nil {
		cr.class.rules = append(cr.class.rules, cr.idx)
	}
	// The terms now live in the index; the parsed lists would only hold
	// memory (Hygiene parses the sources again).
	r.Match = nil
	for i := range r.Unless {
		r.Unless[i].Terms, r.Unless[i].Without = nil, nil
	}
	return cr
}

// checkCategories validates a rule's category and yields_to against the
// set's vocabulary.
func (c *compiler) checkCategories(r *Rule, cats vocab.Categories) {
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
}

// cond compiles a condition tree; each leaf's term list becomes a group.
func (c *compiler) cond(cd *Cond, b *classBuilder, path string) *cnode {
	n := &cnode{leaf: -1}
	if len(cd.Terms) > 0 {
		n.leaf = int32(len(b.leafGroup))
		b.leafGroup = append(b.leafGroup, c.termGroup(cd.Terms, cd.Line, path))
		return n
	}
	for i, k := range cd.All {
		n.all = append(n.all, c.cond(k, b, fmt.Sprintf("%s.all[%d]", path, i)))
	}
	n.ordered = cd.Ordered
	b.hasOrdered = b.hasOrdered || cd.Ordered
	for i, k := range cd.Any {
		n.any = append(n.any, c.cond(k, b, fmt.Sprintf("%s.any[%d]", path, i)))
	}
	for i, k := range cd.None {
		n.none = append(n.none, c.cond(k, b, fmt.Sprintf("%s.none[%d]", path, i)))
	}
	return n
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

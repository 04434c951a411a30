package rules

import (
	"slices"
	"strconv"
	"strings"
)

// The index: what the scorer needs to score a report once against every
// rule, however many there are.
//
// Every term list a rule set uses (a condition's leaf, a suppressor's terms
// or without-terms) is a group, and lists with the same terms are one
// group: a hit on "killed" is filed once per group that holds it, not once
// per rule. Conditions written alike (a rule copied for twenty regions with
// the region as required context) are one class, so their candidates and
// the modality of each are computed once. Each class is indexed by its
// rarest required group, the one that must have a hit for the condition to
// hold and that the fewest term-class pairs share, so a report wakes only
// the classes whose rarest part it names: the copies of a rule for twenty
// regions wait on their region, not on the trigger they all share.

// cnode is a compiled condition.
type cnode struct {
	leaf           int32 // leaf index within the class, or -1
	all, any, none []*cnode
	ordered        bool
	// allLeaves, anyLeaves and noneLeaves are the leaf children of all,
	// any and none as sets; allSub, anySub and noneSub the others.
	allLeaves, anyLeaves, noneLeaves leafSet
	allSub, anySub, noneSub          []*cnode
	id                               int32 // in the indexer's shared nodes
}

// split fills a node's leaf sets and other children (w words of bits);
// its children are split already.
func (n *cnode) split(w int) {
	if n.leaf >= 0 {
		return
	}
	part := func(kids []*cnode) (leafSet, []*cnode) {
		var set leafSet
		var sub []*cnode
		for _, k := range kids {
			if k.leaf < 0 {
				sub = append(sub, k)
				continue
			}
			if set == nil {
				set = make(leafSet, w)
			}
			set.add(k.leaf)
		}
		return set, sub
	}
	n.allLeaves, n.allSub = part(n.all)
	n.anyLeaves, n.anySub = part(n.any)
	n.noneLeaves, n.noneSub = part(n.none)
}

// shared returns the index's copy of a condition node, its children shared
// first: a rule copied for many regions with the region as one more group
// keeps the rest of its condition, leaves numbered alike, and thousands of
// classes then hold one copy of it.
func (ix *indexer) shared(n *cnode, leafGroup []int32, w int) *cnode {
	var b strings.Builder
	b.WriteString(strconv.Itoa(w))
	if n.leaf >= 0 {
		b.WriteString("L" + strconv.Itoa(int(n.leaf)) + ":" + strconv.Itoa(int(leafGroup[n.leaf])))
	} else {
		if n.ordered {
			b.WriteByte('>')
		}
		for _, part := range n.parts() {
			for i, k := range part.nodes {
				k = ix.shared(k, leafGroup, w)
				part.nodes[i] = k
				b.WriteByte(part.tag)
				b.WriteString(strconv.Itoa(int(k.id)))
			}
		}
	}
	key := b.String()
	if c, ok := ix.nodes[key]; ok {
		return c
	}
	n.split(w)
	n.id = int32(len(ix.nodes))
	ix.nodes[key] = n
	return n
}

// classBuilder collects a condition's leaves while it is compiled.
type classBuilder struct {
	leafGroup  []int32
	hasOrdered bool
}

// cclass is a compiled condition with its scope and proximity: the part of
// a rule that decides where it matches.
type cclass struct {
	idx        int32
	root       *cnode
	leafGroup  []int32 // each leaf's group
	nLeaves    int
	scope      string // sentence, paragraph or report
	within     int
	noneWithin int
	// topOf maps each leaf to the index of the top-level "all" child that
	// contains it (-1: none), for the proximity window.
	topOf []int32
	// negLeaf marks the leaves under a "none".
	negLeaf []bool
	// hasOrdered: some condition node is ordered.
	hasOrdered bool
	rules      []int32 // the rules with this condition, in rule order
}

// supSig is what a suppressor's verdict on a place depends on; rules'
// copies of one suppressor share it, and it is judged once per place.
type supSig struct {
	group, without int32 // without -1: none
	scope          string
	min            int32
	absent         bool
}

// indexer builds the index while the rules compile.
type indexer struct {
	s          *Set
	groupIDs   map[string]int32
	groupTerms [][]int32
	boostIDs   map[string]int32
	boostTerms [][]int32
	sigIDs     map[supSig]int32
	classIDs   map[string]*cclass
	nodes      map[string]*cnode // shared condition nodes
	cues       [][]int32         // per term, its cue kinds in the order declared
}

func newIndexer(s *Set) *indexer {
	return &indexer{s: s, groupIDs: map[string]int32{}, boostIDs: map[string]int32{}, sigIDs: map[supSig]int32{},
		classIDs: map[string]*cclass{}, nodes: map[string]*cnode{}}
}

// group returns the group of a term list (its terms as a set).
func (ix *indexer) group(terms []int32) int32 {
	return intern(ix.groupIDs, &ix.groupTerms, terms)
}

// boostGroup is group for boosts' term lists. They are kept apart because a
// boost's hits are read in the order they were found, not in text order.
func (ix *indexer) boostGroup(terms []int32) int32 {
	return intern(ix.boostIDs, &ix.boostTerms, terms)
}

func intern(ids map[string]int32, members *[][]int32, terms []int32) int32 {
	set := slices.Clone(terms)
	slices.Sort(set)
	set = slices.Compact(set)
	key := termsKey(set)
	if id, ok := ids[key]; ok {
		return id
	}
	id := int32(len(*members))
	ids[key] = id
	*members = append(*members, set)
	return id
}

func termsKey(set []int32) string {
	b := make([]byte, 0, 4*len(set))
	for _, t := range set {
		b = appendInt32(b, t)
	}
	return string(b)
}

func (ix *indexer) sig(s supSig) int32 {
	if id, ok := ix.sigIDs[s]; ok {
		return id
	}
	id := int32(len(ix.s.sigs))
	ix.sigIDs[s] = id
	ix.s.sigs = append(ix.s.sigs, s)
	return id
}

// cue records that a term is a cue of a kind.
func (ix *indexer) cue(term, kind int32) {
	for len(ix.cues) <= int(term) {
		ix.cues = append(ix.cues, nil)
	}
	if !slices.Contains(ix.cues[term], kind) {
		ix.cues[term] = append(ix.cues[term], kind)
	}
}

// class returns the class of a rule's compiled condition, shared with every
// rule whose condition, scope and proximity are the same.
func (ix *indexer) class(root *cnode, b *classBuilder, r *Rule) *cclass {
	var sb strings.Builder
	sb.WriteString(r.Scope)
	sb.WriteByte('|')
	sb.WriteString(strconv.Itoa(r.Within))
	sb.WriteByte('|')
	sb.WriteString(strconv.Itoa(r.NoneWithin))
	sb.WriteByte('|')
	writeCond(&sb, root, b.leafGroup)
	key := sb.String()
	if cl, ok := ix.classIDs[key]; ok {
		return cl
	}
	root = ix.shared(root, b.leafGroup, (len(b.leafGroup)+63)>>6)
	cl := &cclass{idx: int32(len(ix.s.classes)), root: root, leafGroup: b.leafGroup, nLeaves: len(b.leafGroup),
		scope: r.Scope, within: r.Within, noneWithin: r.NoneWithin, hasOrdered: b.hasOrdered}
	cl.topOf = make([]int32, cl.nLeaves)
	cl.negLeaf = make([]bool, cl.nLeaves)
	for leaf := range cl.topOf {
		cl.topOf[leaf] = -1
		for i, child := range root.all {
			if containsLeaf(child, int32(leaf)) {
				cl.topOf[leaf] = int32(i)
				break
			}
		}
		cl.negLeaf[leaf] = isNegLeaf(root, int32(leaf))
	}
	ix.classIDs[key] = cl
	ix.s.classes = append(ix.s.classes, cl)
	return cl
}

// condPart is one of a node's child lists with the tag its shape is
// written with.
type condPart struct {
	tag   byte
	nodes []*cnode
}

// parts returns a node's all, any and none children, tagged.
func (n *cnode) parts() [3]condPart {
	return [3]condPart{{'&', n.all}, {'|', n.any}, {'!', n.none}}
}

// writeCond writes a condition's shape with its leaves' groups: two
// conditions with the same text are the same condition (leaves are
// numbered in the order written, so they number alike too).
func writeCond(b *strings.Builder, n *cnode, leafGroup []int32) {
	if n.leaf >= 0 {
		b.WriteByte('g')
		b.WriteString(strconv.Itoa(int(leafGroup[n.leaf])))
		return
	}
	b.WriteByte('(')
	if n.ordered {
		b.WriteByte('>')
	}
	for _, part := range n.parts() {
		for _, k := range part.nodes {
			b.WriteByte(part.tag)
			writeCond(b, k, leafGroup)
		}
	}
	b.WriteByte(')')
}

// finish lays the index out flat for the scorer: per term its groups,
// boost groups and cue kinds; per group the classes it wakes.
func (ix *indexer) finish() {
	s := ix.s
	n := len(s.terms)
	s.numGroups = int32(len(ix.groupTerms))
	s.numBoostGroups = int32(len(ix.boostTerms))
	s.termGroups = invert(ix.groupTerms, n)
	s.termBoosts = invert(ix.boostTerms, n)
	cues := make([][]int32, n)
	copy(cues, ix.cues)
	s.termCues = flatten(cues)
	uses := make([]int, len(ix.groupTerms))
	for _, cl := range s.classes {
		for _, g := range uniqueGroups(cl.leafGroup, nil) {
			uses[g]++
		}
	}
	cost := func(cl *cclass, clause []int32) int {
		total := 0
		for _, g := range uniqueGroups(cl.leafGroup, clause) {
			total += uses[g] * len(ix.groupTerms[g])
		}
		return total
	}
	wakes := make([][]int32, len(ix.groupTerms))
	for _, cl := range s.classes {
		var index []int32
		if clauses := clausesOf(cl.root, func(c []int32) int { return cost(cl, c) }); len(clauses) > 0 {
			index = uniqueGroups(cl.leafGroup, bestClause(clauses, func(c []int32) int { return cost(cl, c) }))
		} else {
			// Nothing in particular is required ("any" of a term or the
			// absence of another): any hit of the condition may make it.
			index = uniqueGroups(cl.leafGroup, nil)
		}
		for _, g := range index {
			wakes[g] = append(wakes[g], cl.idx)
		}
	}
	s.groupWakes = flatten(wakes)
}

// clausesOf returns sets of leaves of which at least one must have a hit
// for the condition to hold: each "all" child's, and one for an "any" (the
// union of its children's cheapest) unless some child requires nothing.
func clausesOf(n *cnode, cost func([]int32) int) [][]int32 {
	if n.leaf >= 0 {
		return [][]int32{{n.leaf}}
	}
	var out [][]int32
	for _, k := range n.all {
		out = append(out, clausesOf(k, cost)...)
	}
	if len(n.any) == 0 {
		return out
	}
	var merged []int32
	for _, k := range n.any {
		cs := clausesOf(k, cost)
		if len(cs) == 0 {
			return out
		}
		merged = append(merged, bestClause(cs, cost)...)
	}
	return append(out, merged)
}

func bestClause(clauses [][]int32, cost func([]int32) int) []int32 {
	best, bestCost := clauses[0], cost(clauses[0])
	for _, c := range clauses[1:] {
		if k := cost(c); k < bestCost {
			best, bestCost = c, k
		}
	}
	return best
}

// uniqueGroups returns the distinct groups of the given leaves (nil: all).
func uniqueGroups(leafGroup []int32, leaves []int32) []int32 {
	var out []int32
	add := func(g int32) {
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	if leaves == nil {
		for _, g := range leafGroup {
			add(g)
		}
		return out
	}
	for _, l := range leaves {
		add(leafGroup[l])
	}
	return out
}

// flat is a list of lists laid out flat: list i is at[start[i]:start[i+1]].
type flat[T any] struct {
	start []int32
	at    []T
}

// of returns list i (none when i is out of range: -1, or an id past the
// lists built).
func (f *flat[T]) of(i int32) []T {
	if i < 0 || int(i)+1 >= len(f.start) {
		return nil
	}
	return f.at[f.start[i]:f.start[i+1]]
}

func flatten[T any](lists [][]T) flat[T] {
	f := flat[T]{start: make([]int32, len(lists)+1)}
	for i, l := range lists {
		f.at = append(f.at, l...)
		f.start[i+1] = int32(len(f.at))
	}
	return f
}

// csr is lists of ids laid out flat.
type csr = flat[int32]

// invert turns groups' member terms into terms' groups (ascending).
func invert(members [][]int32, nTerms int) csr {
	lists := make([][]int32, nTerms)
	for g, ts := range members {
		for _, t := range ts {
			lists[t] = append(lists[t], int32(g))
		}
	}
	return flatten(lists)
}

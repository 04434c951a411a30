package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"
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

// addTerm compiles one term (expanding "@list" references) and appends its
// id to c.cur, the term list being compiled. A term written in many rules
// is compiled once: its atoms are remembered by its text.
func (c *compiler) addTerm(t string, line int, field string) {
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
			c.addTerm(lt, line, field)
		}
		c.inList = ""
		return
	}
	id, ok := c.byText[t]
	if !ok {
		atoms, err := c.atoms(t)
		if err != nil {
			c.probs.add(line, field, "term %q: %v", t, err)
			return
		}
		id = c.intern(t, atoms)
		c.byText[t] = id
	}
	if c.origins != nil {
		c.recordOrigins(t, line, field)
	}
	c.cur = append(c.cur, id)
}

// intern returns the id of the term with these atoms, adding it (and its
// posting) when no term compiled so far has them: "close" and "closed"
// are one term.
func (c *compiler) intern(t string, atoms []atom) int32 {
	key := atomsKey(atoms)
	if id, ok := c.termIDs[key]; ok {
		return id
	}
	id := int32(len(c.s.terms))
	c.termIDs[key] = id
	anchor := anchorOf(atoms)
	c.s.terms = append(c.s.terms, cterm{text: t, atoms: atoms, anchor: int32(anchor)})
	a := atoms[anchor]
	switch a.kind {
	case atomStem:
		c.postStem = growTo(c.postStem, int(a.id))
		c.postStem[a.id] = append(c.postStem[a.id], postingOf(id, atoms, anchor))
	case atomSurf:
		c.postSurf = growTo(c.postSurf, int(a.id))
		c.postSurf[a.id] = append(c.postSurf[a.id], postingOf(id, atoms, anchor))
	case atomNum:
		c.s.numTerms = append(c.s.numTerms, id)
	}
	return id
}

// posting is a term as its anchor word finds it, with the neighbour word
// to look at first: most multi-word terms fail there, and the look needs
// nothing but the posting and the neighbouring token.
type posting struct {
	term int32
	nb   int8 // the neighbour: +1 after the anchor, -1 before, 0 none (a one-word term)
	nbAt atom
}

// postingIndex is postings laid out flat by word id.
type postingIndex = flat[posting]

func postingOf(term int32, atoms []atom, anchor int) posting {
	p := posting{term: term}
	switch {
	case len(atoms) < 2:
	case anchor+1 < len(atoms):
		p.nb, p.nbAt = 1, atoms[anchor+1]
	default:
		p.nb, p.nbAt = -1, atoms[anchor-1]
	}
	return p
}

// recordOrigins notes where each stem-matched word of a term was written,
// for the stem-collision check (Set.Hygiene, which compiles the set again
// with origins on: a large set's origins would otherwise double its size).
func (c *compiler) recordOrigins(t string, line int, field string) {
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
			if !c.origins[o] {
				c.origins[o] = true
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

func growTo(p [][]posting, i int) [][]posting {
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
				st := c.stem(w)
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

// stem is stemWord, remembered: the same words recur across terms.
func (c *compiler) stem(w string) string {
	if st, ok := c.stems[w]; ok {
		return st
	}
	st := stemWord(w)
	c.stems[w] = st
	return st
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

func (s *Set) stemID(st string) int32 { return idOf(s.stemIDs, st) }
func (s *Set) surfID(w string) int32  { return idOf(s.surfIDs, w) }

// idOf returns k's id in a dictionary, numbering it next if it is new.
func idOf(ids map[string]int32, k string) int32 {
	if id, ok := ids[k]; ok {
		return id
	}
	id := int32(len(ids))
	ids[k] = id
	return id
}

// atomsKey is the identity of a term's atoms, for deduplication.
func atomsKey(as []atom) string {
	b := make([]byte, 0, 9*len(as))
	for _, a := range as {
		b = append(b, a.kind)
		b = appendInt32(b, a.id)
		b = appendInt32(b, a.min)
	}
	return string(b)
}

func appendInt32(b []byte, v int32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

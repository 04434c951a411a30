package main

import (
	"io"
	"sort"

	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/rules/prior"
)

// minWordItems keeps the table to words common enough to matter (and
// small: under 10,000 words).
const minWordItems = 5

// wordTable counts, per folded word, the Portal items it occurs in by
// section: the statistics behind the linter's stem-collision check.
type wordTable struct {
	sections map[string]int
	order    []string
	counts   map[string][]uint32
	occ, cap map[string]int
	names    map[string]map[string]int // word → two-word names it is part of
}

func newWordTable() *wordTable {
	return &wordTable{sections: map[string]int{}, counts: map[string][]uint32{}, occ: map[string]int{},
		cap: map[string]int{}, names: map[string]map[string]int{}}
}

func (t *wordTable) add(section, text string) {
	si, ok := t.sections[section]
	if !ok {
		si = len(t.order)
		t.sections[section] = si
		t.order = append(t.order, section)
	}
	seen := map[string]bool{}
	toks := rules.FoldedTokens(text)
	for i, tk := range toks {
		w := tk.Word
		t.occ[w]++
		if tk.SentStart {
			continue // a sentence's first word: common or name, nobody can tell
		}
		key := w
		if tk.NameLike {
			key = w + "\x00name"
		}
		if tk.NameLike {
			t.cap[w]++
			// The name it is part of: with a capitalised neighbour.
			for _, j := range []int{i - 1, i + 1} {
				if j < 0 || j >= len(toks) || !(toks[j].NameLike || toks[j].SentStart && j == i-1) {
					continue
				}
				a, b := toks[min(i, j)].Word, toks[max(i, j)].Word
				if t.names[w] == nil {
					t.names[w] = map[string]int{}
				}
				t.names[w][a+" "+b]++
			}
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		c := t.counts[key]
		for len(c) <= si {
			c = append(c, 0)
		}
		c[si]++
		t.counts[key] = c
	}
}

// write stores the common words, sections sorted by name and words sorted,
// so the same corpus always gives the same bytes.
func (t *wordTable) write(w io.Writer) error {
	sections := append([]string(nil), t.order...)
	sort.Strings(sections)
	var words []string
	out := map[string][]uint32{}
	k := len(sections)
	for word := range t.occ {
		n := uint32(0)
		row := make([]uint32, 2*k)
		for half, key := range []string{word, word + "\x00name"} {
			c := t.counts[key]
			for i, s := range sections {
				if si := t.sections[s]; si < len(c) {
					row[half*k+i] = c[si]
					n += c[si]
				}
			}
		}
		if n >= minWordItems {
			words = append(words, word)
			out[word] = row
		}
	}
	sort.Strings(words)
	names := map[string]prior.NameUse{}
	for _, word := range words {
		best, bestN := "", 0
		for name, n := range t.names[word] {
			if n > bestN || n == bestN && name < best {
				best, bestN = name, n
			}
		}
		names[word] = prior.NameUse{Occurrences: t.occ[word], Capitalised: t.cap[word], Name: best}
	}
	return prior.WriteWordStats(w, sections, words, out, names)
}

func (t *wordTable) size() int {
	n := 0
	for word := range t.occ {
		s := uint32(0)
		for _, key := range []string{word, word + "\x00name"} {
			for _, v := range t.counts[key] {
				s += v
			}
		}
		if s >= minWordItems {
			n++
		}
	}
	return n
}

package prior

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// WordStats is how often each folded word occurs in the Portal corpus (in
// how many items), by the section the items were filed under, counted
// apart for its common uses and its uses as part of a name (capitalised
// inside a sentence). The rule linter reads it to catch stem collisions: a
// term whose stem also covers a word used in other kinds of news ("forced"
// → "forces", "liberate" → "liberal"), or a name ("unit" → "United
// States", "bank" → "West Bank").
type WordStats struct {
	Sections []string
	counts   map[string][]uint32 // per section: common uses, then name uses
	names    map[string]NameUse
}

// Sense is one way a word is used: its common use or its use in names.
type Sense struct {
	Word string
	Name bool
}

func (s Sense) String() string {
	if s.Name {
		return s.Word + " (in names)"
	}
	return s.Word
}

// NameUse is how often a word is written capitalised inside a sentence,
// that is as part of a name ("United" in "United States", "Bank" in "West
// Bank"), and the name it is most often part of.
type NameUse struct {
	Occurrences, Capitalised int
	Name                     string
}

// Share is the fraction of occurrences written as part of a name.
func (n NameUse) Share() float64 {
	if n.Occurrences == 0 {
		return 0
	}
	return float64(n.Capitalised) / float64(n.Occurrences)
}

// Names returns a word's name use.
func (ws *WordStats) Names(word string) NameUse { return ws.names[word] }

// counts of one sense, per section (nil when unknown).
func (ws *WordStats) count(s Sense) []uint32 {
	c := ws.counts[s.Word]
	if c == nil {
		return nil
	}
	k := len(ws.Sections)
	if s.Name {
		return c[k:]
	}
	return c[:k]
}

// Total is the number of items a sense occurs in.
func (ws *WordStats) Total(s Sense) int {
	n := 0
	for _, c := range ws.count(s) {
		n += int(c)
	}
	return n
}

// Words calls fn for every word, in no particular order.
// (Each word has two senses; see Sense.)
func (ws *WordStats) Words(fn func(word string)) {
	for w := range ws.counts {
		fn(w)
	}
}

// Divergence is the Jensen-Shannon divergence (bits, 0..1) between two
// words' section distributions, with add-half smoothing: near 0 for
// inflections of one word, high for words that live in different news.
func (ws *WordStats) Divergence(a, b Sense) float64 {
	pa, pb := ws.dist(a), ws.dist(b)
	if pa == nil || pb == nil {
		return 0
	}
	d := 0.0
	for i := range pa {
		m := (pa[i] + pb[i]) / 2
		d += 0.5*pa[i]*math.Log2(pa[i]/m) + 0.5*pb[i]*math.Log2(pb[i]/m)
	}
	return d
}

// GStat is the log-likelihood-ratio (G) statistic of the hypothesis that
// two words share one section distribution; under it, G follows a
// chi-square law with len(Sections)-1 degrees of freedom. It separates real
// differences of use from the noise of small counts, which JS alone does not.
func (ws *WordStats) GStat(a, b Sense) float64 {
	ca, cb := ws.count(a), ws.count(b)
	if ca == nil || cb == nil {
		return 0
	}
	na, nb := 0.0, 0.0
	for i := range ca {
		na += float64(ca[i])
		nb += float64(cb[i])
	}
	g := 0.0
	for i := range ca {
		col := float64(ca[i] + cb[i])
		for _, c := range [2][2]float64{{float64(ca[i]), na}, {float64(cb[i]), nb}} {
			if e := col * c[1] / (na + nb); c[0] > 0 && e > 0 {
				g += 2 * c[0] * math.Log(c[0]/e)
			}
		}
	}
	return g
}

// TopSections names a word's most frequent sections, most frequent first.
func (ws *WordStats) TopSections(s Sense, n int) []string {
	c := ws.count(s)
	idx := make([]int, len(c))
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < len(idx); i++ { // insertion sort: a dozen sections
		for j := i; j > 0 && c[idx[j]] > c[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	var out []string
	for _, i := range idx[:min(n, len(idx))] {
		if c[i] > 0 {
			out = append(out, ws.Sections[i])
		}
	}
	return out
}

func (ws *WordStats) dist(s Sense) []float64 {
	c := ws.count(s)
	if c == nil || ws.Total(s) == 0 {
		return nil
	}
	p := make([]float64, len(c))
	t := 0.0
	for i, v := range c {
		p[i] = float64(v) + 0.5
		t += p[i]
	}
	for i := range p {
		p[i] /= t
	}
	return p
}

//go:embed words.tsv.gz
var builtinWords []byte

// BuiltinWordStats returns the word table shipped in the binary.
func BuiltinWordStats() (*WordStats, error) {
	ws, err := ReadWordStats(bytes.NewReader(builtinWords))
	if err != nil {
		return nil, fmt.Errorf("built-in word statistics: %w", err)
	}
	return ws, nil
}

// ReadWordStats reads the gzip'd table: a header line of section names
// (twice: common uses, then uses in names), then one line per word with its
// item counts in each, its occurrences, how many were capitalised inside a
// sentence, and its commonest name, tab-separated.
func ReadWordStats(r io.Reader) (*WordStats, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	defer gz.Close()
	sc := bufio.NewScanner(gz)
	if !sc.Scan() {
		return nil, fmt.Errorf("empty word table")
	}
	head := strings.Split(sc.Text(), "\t")
	if len(head) < 5 {
		return nil, fmt.Errorf("word table header has %d fields", len(head))
	}
	if (len(head)-4)%2 != 0 {
		return nil, fmt.Errorf("word table header has %d fields", len(head))
	}
	k := (len(head) - 4) / 2
	ws := &WordStats{Sections: head[1 : 1+k], counts: map[string][]uint32{}, names: map[string]NameUse{}}
	for line := 2; sc.Scan(); line++ {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 2*k+4 {
			return nil, fmt.Errorf("word table line %d: %d fields, want %d", line, len(f), 2*k+4)
		}
		nums := make([]uint32, 2*k+2)
		for i, s := range f[1 : 2*k+3] {
			v, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("word table line %d: %w", line, err)
			}
			nums[i] = uint32(v)
		}
		ws.counts[f[0]] = nums[: 2*k : 2*k]
		ws.names[f[0]] = NameUse{Occurrences: int(nums[2*k]), Capitalised: int(nums[2*k+1]), Name: f[2*k+3]}
	}
	return ws, sc.Err()
}

// WriteWordStats writes the table in the format ReadWordStats reads, words
// in the order given (the trainer sorts them, so the bytes are stable).
func WriteWordStats(w io.Writer, sections []string, words []string, counts map[string][]uint32, names map[string]NameUse) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(gz)
	names2 := make([]string, len(sections))
	for i, sec := range sections {
		names2[i] = sec + " (names)"
	}
	bw.WriteString("word\t" + strings.Join(sections, "\t") + "\t" + strings.Join(names2, "\t") + "\t#occurrences\t#capitalised\t#name\n")
	for _, word := range words {
		bw.WriteString(word)
		for _, c := range counts[word] {
			bw.WriteByte('\t')
			bw.WriteString(strconv.FormatUint(uint64(c), 10))
		}
		n := names[word]
		fmt.Fprintf(bw, "\t%d\t%d\t%s\n", n.Occurrences, n.Capitalised, n.Name)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return gz.Close()
}

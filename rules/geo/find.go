package geo

// Mention is one place named in a text.
type Mention struct {
	Place      *Place
	Start, End int  // byte offsets of the matched text in the input
	Demonym    bool // matched "Syrian" rather than "Syria": weak evidence
}

// locatives are the words that, just before an ambiguous name ("Austin",
// "Florence"), make it a place rather than a person.
var locatives = [...]string{"in", "near", "at", "from", "outside", "into", "to", "toward", "towards",
	"across", "around", "of", "inside", "across", "via", "northern", "southern", "eastern", "western", "central"}

func isLocative(key []byte) bool {
	for _, l := range locatives {
		if string(key) == l {
			return true
		}
	}
	return false
}

// Find returns every place named in text, in text order, without overlaps;
// at each word the longest known name wins ("North Kivu" over "Kivu").
// Offsets index text, so text[m.Start:m.End] is the matched surface (a
// possessive "'s" is left out). Broken UTF-8 is tolerated.
func (g *Gazetteer) Find(text string) []Mention {
	return g.FindWith(&Finder{}, text)
}

// Finder holds the buffers one Find needs, so that a caller scanning many
// sentences (the scorer) reuses them instead of allocating per call. It is
// not safe for concurrent use; the zero value is ready.
type Finder struct {
	toks []token
	buf  []byte
	key  []byte
}

// FindWith is Find reusing f's buffers. The mentions returned are a new
// slice and stay valid after f is reused.
func (g *Gazetteer) FindWith(f *Finder, text string) []Mention {
	toks, buf := tokenize(text, f.toks[:0], f.buf[:0])
	f.toks, f.buf = toks, buf
	var out []Mention
	key := f.key[:0]
	defer func() { f.key = key }()
	for i := 0; i < len(toks); {
		if !toks[i].upper {
			i++
			continue
		}
		matched := 0
		var best hit
		key = key[:0]
		// Build keys of growing length; remember the longest that matches.
		for n := 1; n <= g.maxTokens && i+n <= len(toks); n++ {
			t := toks[i+n-1]
			if n > 1 {
				if !t.joinable {
					break
				}
				key = append(key, ' ')
			}
			key = append(key, buf[t.k0:t.k1]...)
			hits, ok := g.index[string(key)]
			if !ok {
				if _, more := g.prefixes[string(key)]; !more {
					break // no name starts with these words
				}
				continue
			}
			if h, ok := g.pick(hits, toks[i:i+n], toks, i, buf); ok {
				matched, best = n, h
			}
		}
		if matched == 0 {
			i++
			continue
		}
		out = append(out, Mention{Place: best.place, Start: toks[i].start, End: toks[i+matched-1].end, Demonym: best.demonym})
		i += matched
	}
	return out
}

// pick chooses the best candidate for a matched key, or reports that the
// surface must not count as a place (deny list, acronym case, ambiguity).
func (g *Gazetteer) pick(hits []hit, span []token, toks []token, at int, buf []byte) (hit, bool) {
	key := buf[span[0].k0:span[0].k1]
	if len(span) == 1 {
		if g.deny[string(key)] {
			return hit{}, false
		}
		if g.ambiguous[string(key)] && !(at > 0 && isLocative(buf[toks[at-1].k0:toks[at-1].k1])) {
			return hit{}, false
		}
	}
	allCaps := true
	for _, t := range span {
		allCaps = allCaps && t.allCaps
	}
	for _, h := range hits {
		if h.caps && !allCaps {
			continue
		}
		return h, true
	}
	return hit{}, false
}

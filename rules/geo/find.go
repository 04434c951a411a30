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
// sentences (the scorer) reuses them instead of allocating per call, and
// the words a caller's own tokenizer found (Begin, AddPlain, AddWord). It
// is not safe for concurrent use; the zero value is ready.
type Finder struct {
	toks []token
	buf  []byte
	key  []byte
	// The text being read and the scan's state: where the last token
	// ended (the gap before the next starts there), whether it was short
	// (an abbreviation's dot may follow), how far the text has been read,
	// and whether words were added out of order.
	text      string
	gapStart  int
	prevShort bool
	pos       int
	broken    bool
	prev      []byte // the folded word before a name, for a locative
}

func (f *Finder) begin(text string) {
	f.text = text
	f.toks, f.buf = f.toks[:0], f.buf[:0]
	f.gapStart, f.prevShort, f.pos, f.broken = 0, false, 0, false
}

// FindWith is Find reusing f's buffers. The mentions returned are a new
// slice and stay valid after f is reused.
func (g *Gazetteer) FindWith(f *Finder, text string) []Mention {
	return g.AppendFind(nil, f, text)
}

// AppendFind is FindWith appending the mentions to dst.
func (g *Gazetteer) AppendFind(dst []Mention, f *Finder, text string) []Mention {
	f.begin(text)
	f.scan(0, len(text))
	return g.find(dst, f)
}

// Begin starts a text whose words the caller gives (AddPlain, AddWord)
// from its own tokenizer, so that the text is not read twice; FindWords
// then finds the places. The caller must give every word of the text, in
// order, and a text holding markup or entities ("<b>", "&amp;") or a
// backtick must go to FindWith instead: their words are not the caller's.
func (f *Finder) Begin(text string) { f.begin(text) }

// AddPlain adds a word of ASCII letters and digits only, text[start:end],
// found by the caller's tokenizer. mayStart false says that the word
// begins no name (StartsName), so it is not looked up.
func (f *Finder) AddPlain(start, end int, mayStart bool) {
	if start < f.pos {
		f.broken = true
		return
	}
	c := f.text[start]
	// Its folded form is its lower case, read when it is needed (appendKey).
	f.push(token{start: start, end: end, upper: c >= 'A' && c <= 'Z', mayStart: mayStart, lazy: true})
	f.pos = end
}

// AddWord adds any other word the caller found at text[start:end] (with
// an apostrophe, a digit group, letters beyond ASCII): it is read as Find
// reads it, possibly as several words.
func (f *Finder) AddWord(start, end int) {
	if start < f.pos {
		f.broken = true
		return
	}
	f.scan(start, end)
}

// FindWords appends to dst the places named in the text given to Begin,
// read from the words added since, exactly as FindWith would find them.
func (g *Gazetteer) FindWords(dst []Mention, f *Finder) []Mention {
	if f.broken {
		return g.AppendFind(dst, f, f.text)
	}
	return g.find(dst, f)
}

// StartsName reports whether a folded word (lower-case, as Find folds it)
// begins some place name: a tokenizer that remembers it per word spares
// Find the lookups of every other capitalised word.
func (g *Gazetteer) StartsName(word []byte) bool {
	_, ok := g.firstWords[string(word)]
	return ok
}

// find appends the mentions of f's tokens to out.
func (g *Gazetteer) find(out []Mention, f *Finder) []Mention {
	toks := f.toks
	key := f.key[:0]
	defer func() { f.key = key }()
	for i := 0; i < len(toks); {
		if !toks[i].upper || !toks[i].mayStart {
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
			key = f.appendKey(key, t)
			hits, ok := g.index[string(key)]
			if !ok {
				if _, more := g.prefixes[string(key)]; !more {
					break // no name starts with these words
				}
				continue
			}
			if h, ok := g.pick(f, hits, toks[i:i+n], i, key); ok {
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
func (g *Gazetteer) pick(f *Finder, hits []hit, span []token, at int, key []byte) (hit, bool) {
	if len(span) == 1 {
		if g.deny[string(key)] {
			return hit{}, false
		}
		if g.ambiguous[string(key)] {
			if at == 0 {
				return hit{}, false
			}
			f.prev = f.appendKey(f.prev[:0], f.toks[at-1])
			if !isLocative(f.prev) {
				return hit{}, false
			}
		}
	}
	allCaps := true
	for _, t := range span {
		allCaps = allCaps && f.allCaps(t)
	}
	for _, h := range hits {
		if h.caps && !allCaps {
			continue
		}
		return h, true
	}
	return hit{}, false
}

// appendKey appends a token's folded form: kept in the buffer, or, for a
// word added plain, its lower case read from the text (only the words a
// name may start at or run through are ever folded).
func (f *Finder) appendKey(dst []byte, t token) []byte {
	if !t.lazy {
		return append(dst, f.buf[t.k0:t.k1]...)
	}
	for _, c := range []byte(f.text[t.start:t.end]) {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// allCaps reports a token with no lower-case letter.
func (f *Finder) allCaps(t token) bool {
	if !t.lazy {
		return t.allCaps
	}
	for i := t.start; i < t.end; i++ {
		if c := f.text[i]; c >= 'a' && c <= 'z' {
			return false
		}
	}
	return true
}

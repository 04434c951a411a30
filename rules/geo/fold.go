package geo

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one word of the input: a run of letters and digits, with
// apostrophes inside the word dropped ("Sana'a" -> "sanaa") and a trailing
// possessive "'s" left out ("Syria's" -> "syria").
type token struct {
	start, end int  // byte offsets of the word in the original text
	k0, k1     int  // folded form (lower-case ASCII letters and digits) in the fold buffer
	upper      bool // the first letter is upper-case
	allCaps    bool // every letter is upper-case
	// joinable: the gap before this token may sit inside a multi-word name
	// (spaces, one hyphen, or the dot of an abbreviation such as "St.").
	joinable bool
	// mayStart: the word may begin a name (false when the caller knows
	// from StartsName that it begins none).
	mayStart bool
	// lazy: a plain ASCII word whose folded form is not in the buffer (its
	// lower case; Finder.appendKey).
	lazy bool
}

// isApostrophe covers the straight, curly and modifier-letter apostrophes
// transliterations use ("Ta‘izz", "Sana’a", "Hawai'i").
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '\u2019', '\u2018', '\u02bc', '\u02bb', '\u02be', '\u02bf', '`', '\u00b4':
		return true
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// foldRune appends the lower-case ASCII form of r to dst: "é" -> "e",
// "ß" -> "ss", "ł" -> "l". Runes with no Latin form (Arabic, Cyrillic) are
// kept lower-cased so such names still match themselves.
func foldRune(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	}
	switch r {
	case 'ß':
		return append(dst, 's', 's')
	case 'æ', 'Æ':
		return append(dst, 'a', 'e')
	case 'œ', 'Œ':
		return append(dst, 'o', 'e')
	case 'ø', 'Ø':
		return append(dst, 'o')
	case 'ł', 'Ł':
		return append(dst, 'l')
	case 'đ', 'Đ', 'ð', 'Ð':
		return append(dst, 'd')
	case 'ı':
		return append(dst, 'i')
	case 'þ', 'Þ':
		return append(dst, 't', 'h')
	case 'ħ', 'Ħ':
		return append(dst, 'h')
	}
	var buf [utf8.UTFMax * 4]byte
	n := utf8.EncodeRune(buf[:], r)
	d := norm.NFD.Append(buf[n:n], buf[:n]...)
	base, _ := utf8.DecodeRune(d)
	if base < utf8.RuneSelf {
		if 'A' <= base && base <= 'Z' {
			base += 'a' - 'A'
		}
		return append(dst, byte(base))
	}
	return utf8.AppendRune(dst, unicode.ToLower(r))
}

// tokenize splits text into words, appending their folded forms to buf (so
// one Find call allocates one buffer, not a string per word).
func tokenize(text string, toks []token, buf []byte) ([]token, []byte) {
	f := Finder{toks: toks, buf: buf}
	f.begin(text)
	f.scan(0, len(text))
	return f.toks, f.buf
}

// scan reads the words that start in text[i:to] (a word may run past to:
// the scan stops where the text says a word ends).
func (f *Finder) scan(i, to int) {
	text := f.text
	for i < to {
		// ASCII fast path: most news text is ASCII, and decoding runes and
		// asking unicode tables about each byte dominated Find.
		if c := text[i]; c < utf8.RuneSelf && !isASCIIWord(c) {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		i = f.word(i, r)
	}
	f.pos = max(f.pos, i)
}

// word reads the word starting at i with rune r and appends its token; it
// returns where scanning goes on.
func (f *Finder) word(i int, r rune) int {
	text := f.text
	start := i
	k0 := len(f.buf)
	upper := unicode.IsUpper(r)
	allCaps := true
	end := i
	for i < len(text) {
		if c := text[i]; c < utf8.RuneSelf && isASCIIWord(c) {
			if c >= 'a' && c <= 'z' {
				allCaps = false
			} else if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			f.buf = append(f.buf, c)
			i++
			end = i
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if isWordRune(r) {
			if unicode.IsLetter(r) && !unicode.IsUpper(r) {
				allCaps = false
			}
			f.buf = foldRune(f.buf, r)
			i += size
			end = i
			continue
		}
		if isApostrophe(r) {
			// Inside a word when a letter follows, unless it is the
			// possessive "'s" that ends the word.
			next, nsize := utf8.DecodeRuneInString(text[i+size:])
			if !isWordRune(next) {
				break
			}
			if (next == 's' || next == 'S') && !isWordRuneAt(text, i+size+nsize) {
				break
			}
			i += size
			continue
		}
		break
	}
	f.push(token{start: start, end: end, k0: k0, k1: len(f.buf), upper: upper, allCaps: allCaps, mayStart: true})
	if i == end {
		return i
	}
	// Skip the possessive or stray apostrophe that ended the word.
	r, size := utf8.DecodeRuneInString(text[i:])
	if isApostrophe(r) {
		i += size
		if n, ns := utf8.DecodeRuneInString(text[i:]); (n == 's' || n == 'S') && !isWordRuneAt(text, i+ns) {
			i += ns
		}
	}
	return i
}

// push appends a token, joined to the one before when the gap between them
// can sit inside a name.
func (f *Finder) push(t token) {
	t.joinable = len(f.toks) > 0 && joinableGap(f.text[f.gapStart:t.start], f.prevShort)
	f.toks = append(f.toks, t)
	f.prevShort = t.k1-t.k0 <= 3
	if t.lazy {
		f.prevShort = t.end-t.start <= 3
	}
	f.gapStart = t.end
}

func isWordRuneAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return isWordRune(r)
}

// joinableGap reports whether the characters between two words can sit
// inside one place name: spaces, a single hyphen or dash, or an
// abbreviation's dot after a short word ("St. Petersburg", "U.S.").
func joinableGap(gap string, prevShort bool) bool {
	hyphens, dots := 0, 0
	for _, r := range gap {
		switch {
		case r == ' ' || r == '\u00a0' || r == '\t':
		case r == '-' || r == '\u2010' || r == '\u2011':
			hyphens++
		case r == '.':
			dots++
		default:
			return false
		}
	}
	if dots > 0 && !prevShort {
		return false
	}
	return hyphens <= 1 && dots <= 1
}

// foldName folds a data-file name into its lookup key: the folded tokens
// joined by single spaces ("Port-au-Prince" -> "port au prince").
func foldName(name string) string {
	var arr [8]token
	toks, buf := tokenize(name, arr[:0], make([]byte, 0, len(name)+8))
	var b strings.Builder
	b.Grow(len(buf) + len(toks))
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.Write(buf[t.k0:t.k1])
	}
	return b.String()
}

func isASCIIWord(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

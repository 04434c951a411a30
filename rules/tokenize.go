package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one word of a scored text. Offsets are bytes into the scored
// string, so evidence can always be sliced out of the original report.
type token struct {
	start, end int32
	stem       int32 // stem id in the set's dictionary, or -1 when no term uses it
	surf       int32 // exact-surface id, or -1
	num        int32 // numeric value for numbers and number words, or -1
	// feat is the prior's feature for the word: the hash of its stem, or
	// prior.ShapeNumber for a number in digits.
	feat  uint32
	sent  int32 // sentence index
	para  int32 // paragraph index
	upper bool  // first letter is upper-case
	// plain: the word is ASCII letters and digits only, read as the
	// gazetteer reads it; place: it begins some place name (for a plain
	// word; see placesIn).
	plain, place bool
	flags        uint8 // word classes (wordMonth...: valid for a plain word), wordAnchor
}

// sentSpan is a sentence: bytes [start, end) of the scored string and its tokens
// [first, last).
type sentSpan struct {
	start, end  int32
	first, last int32
	para        int32
}

// wordSink receives each word as it is found; the tokenizer is shared by the
// scorer and by the term compiler so that terms and text are normalised by
// one piece of code.
type lexer struct {
	text  string
	toks  []token
	sents []sentSpan
	buf   []byte // lower-cased, folded word
	set   *Set
	words *wordCache // lock-free word cache of the scratch in use
}

// isAbbrev lists words that end with a period without ending a sentence.
var abbrevs = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "gen": true, "lt": true, "col": true, "maj": true,
	"sgt": true, "capt": true, "cpl": true, "st": true, "no": true, "vs": true, "jan": true, "feb": true,
	"apr": true, "aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true, "gov": true,
	"sen": true, "rep": true, "rev": true, "prof": true, "inc": true, "ltd": true, "co": true, "corp": true,
	"jr": true, "sr": true, "mt": true, "ft": true, "approx": true, "govt": true, "dept": true, "adm": true,
	"brig": true, "pres": true, "cmdr": true,
}

// tokenize splits text into tokens and sentences. It never allocates per
// token beyond the growth of the slices it is given.
func (lx *lexer) tokenize() {
	text := lx.text
	n := len(text)
	var sent, para int32
	sentStart := -1 // byte where the current sentence began, -1 before its first char
	firstTok := int32(len(lx.toks))
	closeSent := func(end int) {
		if sentStart >= 0 {
			e := end
			for e > sentStart && isSpaceByte(text[e-1]) {
				e--
			}
			if e > sentStart {
				lx.sents = append(lx.sents, sentSpan{start: int32(sentStart), end: int32(e), first: firstTok, last: int32(len(lx.toks)), para: para})
				sent++
			}
		}
		sentStart = -1
		firstTok = int32(len(lx.toks))
	}
	i := 0
	for i < n {
		c := text[i]
		switch {
		case c == '\n':
			closeSent(i)
			// A blank line, or any newline, starts a new paragraph: corpus
			// bodies separate paragraphs with a single "\n".
			para++
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '<':
			if j, block := skipTag(text, i); j > i {
				if block {
					closeSent(i)
				}
				i = j
				continue
			}
		case c == '&':
			if j := skipEntity(text, i); j > i {
				if sentStart < 0 {
					sentStart = i
				}
				i = j
				continue
			}
		}
		if sentStart < 0 {
			sentStart = i
		}
		if c < utf8.RuneSelf {
			if isWordByte(c) {
				i = lx.word(i, sent, para)
				continue
			}
			if c == '.' || c == '!' || c == '?' || c == ';' {
				j := i + 1
				for j < n && (text[j] == '.' || text[j] == '!' || text[j] == '?') {
					j++
				}
				j = skipClosers(text, j)
				if c != ';' && lx.sentenceEnds(i, j) {
					closeSent(j)
				}
				i = j
				continue
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			i = lx.word(i, sent, para)
			continue
		}
		if r == '…' {
			j := skipClosers(text, i+size)
			if lx.sentenceEnds(i, j) {
				closeSent(j)
			}
			i = j
			continue
		}
		i += size
	}
	closeSent(n)
}

// sentenceEnds decides whether the terminator at text[i] (continuing to j)
// ends a sentence: the next visible character must start a new sentence and
// the word before a period must not be an abbreviation like "U.S." or "Gen.".
func (lx *lexer) sentenceEnds(i, j int) bool {
	text := lx.text
	k := j
	for k < len(text) && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r') {
		k++
	}
	if k >= len(text) || text[k] == '\n' {
		return true
	}
	if k == j {
		return false // "3.5", "U.S.A" or "example.org": no space after the period
	}
	r, _ := utf8.DecodeRuneInString(text[k:])
	if !(unicode.IsUpper(r) || unicode.IsDigit(r) || r == '"' || r == '“' || r == '‘' || r == '\'' || r == '(' || r == '[' || r == '<') {
		return false
	}
	if text[i] != '.' || len(lx.toks) == 0 {
		return true
	}
	last := lx.toks[len(lx.toks)-1]
	if int(last.end) != i {
		return true
	}
	w := text[last.start:last.end]
	if len(w) == 1 && unicode.IsUpper(rune(w[0])) {
		return false // an initial: "U.S.", "J. Smith"
	}
	if len(w) <= 5 && abbrevs[strings.ToLower(w)] {
		return false
	}
	return true
}

func skipClosers(text string, j int) int {
	for j < len(text) {
		switch text[j] {
		case '"', '\'', ')', ']':
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		if r == '”' || r == '’' || r == '»' {
			j += size
			continue
		}
		break
	}
	return j
}

// skipTag skips an HTML tag at text[i] ('<'). It reports the index after the
// tag (i when it is not a tag) and whether the tag breaks a block of text.
func skipTag(text string, i int) (int, bool) {
	if i+1 >= len(text) {
		return i, false
	}
	c := text[i+1]
	if !(c == '/' || c == '!' || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
		return i, false
	}
	limit := i + 512
	if limit > len(text) {
		limit = len(text)
	}
	end := strings.IndexByte(text[i:limit], '>')
	if end < 0 || strings.IndexByte(text[i:i+end], '\n') >= 0 {
		return i, false
	}
	name := text[i+1 : i+end]
	name = strings.TrimPrefix(name, "/")
	if k := strings.IndexAny(name, " \t/"); k >= 0 {
		name = name[:k]
	}
	switch strings.ToLower(name) {
	case "p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "blockquote", "section", "article", "hr":
		return i + end + 1, true
	}
	return i + end + 1, false
}

// skipEntity skips "&amp;", "&#39;", "&nbsp;"-style entities.
func skipEntity(text string, i int) int {
	for j := i + 1; j < len(text) && j < i+10; j++ {
		c := text[j]
		if c == ';' {
			if j > i+1 {
				return j + 1
			}
			return i
		}
		if !(c == '#' || isWordByte(c)) {
			return i
		}
	}
	return i
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWordByte(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// word scans one word starting at i and appends its token. Words are runs of
// letters and digits; an apostrophe between letters stays inside ("Sana'a"),
// a trailing "'s" is dropped (possessive), "n't" becomes "not", and digit
// groups keep their separators ("1,200", "3.5").
//
// Most words of news are plain ASCII letters and digits: those are folded
// and hashed in the one loop that finds their end. Anything else (a
// non-ASCII letter, an apostrophe, a digit group) is read by wordSlow.
func (lx *lexer) word(i int, sent, para int32) int {
	text := lx.text
	n := len(text)
	start := i
	buf := lx.buf[:0]
	h := uint32(2166136261)
	for i < n {
		c := text[i]
		if l := c | 0x20; l >= 'a' && l <= 'z' {
			c = l
		} else if c < '0' || c > '9' {
			break
		}
		buf = append(buf, c)
		h = (h ^ uint32(c)) * 16777619
		i++
	}
	lx.buf = buf
	if i < n && continuesWord(text, start, i) {
		return lx.wordSlow(start, sent, para)
	}
	c := text[start]
	lx.toks = append(lx.toks, token{start: int32(start), end: int32(i), stem: -1, surf: -1, num: -1, sent: sent, para: para,
		upper: c >= 'A' && c <= 'Z', plain: true})
	if lx.set != nil {
		lx.set.classify(&lx.toks[len(lx.toks)-1], buf, h|1, lx.words)
	}
	return i
}

// continuesWord reports whether the byte at i, after the ASCII letters and
// digits from start, may continue the word: a non-ASCII byte, an apostrophe
// before a letter, or a digit group's separator.
func continuesWord(text string, start, i int) bool {
	c := text[i]
	if c >= utf8.RuneSelf {
		return true
	}
	if (c == '\'' || c == ',' || c == '.') && i+1 < len(text) && i > start {
		next := text[i+1]
		if c == '\'' {
			return isWordByte(next)
		}
		return next >= '0' && next <= '9' && text[i-1] >= '0' && text[i-1] <= '9'
	}
	return false
}

// wordSlow is word for any word: Unicode letters, digits and marks, inner
// apostrophes, digit groups.
func (lx *lexer) wordSlow(i int, sent, para int32) int {
	text := lx.text
	n := len(text)
	start := i
	ascii := true
	for i < n {
		c := text[i]
		if c < utf8.RuneSelf {
			if isWordByte(c) {
				i++
				continue
			}
			if (c == '\'' || c == ',' || c == '.') && i+1 < n && i > start {
				next := text[i+1]
				if c == '\'' && isWordByte(next) {
					i++
					continue
				}
				if c != '\'' && next >= '0' && next <= '9' && text[i-1] >= '0' && text[i-1] <= '9' {
					i++
					continue
				}
			}
			break
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			ascii = false
			i += size
			continue
		}
		if r == '’' && i+size < n && i > start && isWordByte(text[i+size]) {
			ascii = false
			i += size
			continue
		}
		break
	}
	end := i
	lx.buf = normalizeWord(lx.buf[:0], text[start:end], ascii)
	w := lx.buf
	first, _ := utf8.DecodeRuneInString(text[start:end])
	lx.toks = append(lx.toks, token{start: int32(start), end: int32(end), stem: -1, surf: -1, num: -1, sent: sent, para: para,
		upper: unicode.IsUpper(first)})
	if lx.set != nil {
		lx.set.classify(&lx.toks[len(lx.toks)-1], w, hashBytes(w), lx.words)
	}
	return end
}

// normalizeWord folds a raw word to the form terms and text are compared
// in: lower-case, no diacritics, straight apostrophes, no possessive "'s",
// and "n't" read as "not".
func normalizeWord(dst []byte, raw string, ascii bool) []byte {
	if ascii {
		for k := 0; k < len(raw); k++ {
			c := raw[k]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
	} else {
		dst = foldWord(dst, raw)
	}
	if l := len(dst); l > 2 && dst[l-2] == '\'' && dst[l-1] == 's' {
		dst = dst[:l-2]
	} else if l > 3 && dst[l-3] == 'n' && dst[l-2] == '\'' && dst[l-1] == 't' {
		dst = append(dst[:0], "not"...)
	}
	return dst
}

// foldWord lower-cases s, strips diacritics (NFD, then drop combining marks)
// and maps curly apostrophes to '\”. It is the slow path for non-ASCII words.
func foldWord(dst []byte, s string) []byte {
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == '’' || r == '‘' || r == 'ʼ':
			dst = append(dst, '\'')
		default:
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
	}
	return dst
}

// FoldedToken is one word of a text as terms and text are compared
// (lower-cased, without diacritics or a possessive "'s"), with whether it
// was capitalised inside a sentence (a name, not a sentence's first word).
type FoldedToken struct {
	Word      string
	NameLike  bool // capitalised, and not the first word of its sentence
	SentStart bool
}

// FoldedTokens returns the words of a text, numbers left out. It is for
// corpus statistics (the word table the rule linter reads).
func FoldedTokens(text string) []FoldedToken {
	lx := lexer{text: text}
	lx.tokenize()
	out := make([]FoldedToken, 0, len(lx.toks))
	var buf []byte
	for i, tk := range lx.toks {
		raw := text[tk.start:tk.end]
		if _, isNum := parseNumber([]byte(raw)); isNum {
			continue
		}
		ascii := true
		for j := 0; j < len(raw); j++ {
			if raw[j] >= utf8.RuneSelf {
				ascii = false
				break
			}
		}
		buf = normalizeWord(buf[:0], raw, ascii)
		start := i == 0 || lx.toks[i-1].sent != tk.sent
		out = append(out, FoldedToken{Word: string(buf), NameLike: tk.upper && !start, SentStart: start})
	}
	return out
}

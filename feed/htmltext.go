package feed

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText turns feed HTML (an item's description or content) into the
// plain text tocsin scores: tags dropped, entities decoded, script/style and
// similar non-content removed, whitespace collapsed, and block boundaries
// (paragraphs, list items, headings, <br>) kept as single "\n" — the corpus
// convention, so that sentence and paragraph offsets mean the same thing for
// every source. Input that contains no markup is treated as plain text: its
// own line breaks are kept. The output is always valid UTF-8.
func HTMLToText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if !looksLikeHTML(s) {
		return plainText(html.UnescapeString(s))
	}
	return tokenText(s)
}

// tokenText extracts text with the streaming tokenizer rather than the tree
// builder: it has no nesting limit (x/net/html refuses documents nested more
// than 512 deep), allocates far less, and text extraction needs no tree.
func tokenText(s string) string {
	var w textWriter
	z := xhtml.NewTokenizer(strings.NewReader(s))
	skip, pre := 0, 0
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return w.String() // io.EOF: the reader is a string
		case xhtml.TextToken:
			if skip > 0 {
				continue
			}
			if pre > 0 {
				w.preText(string(z.Text()))
			} else {
				w.text(string(z.Text()))
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			end := tt == xhtml.EndTagToken
			switch {
			case isSkipped(a) || a == atom.Title:
				if tt == xhtml.StartTagToken {
					skip++
				} else if end && skip > 0 {
					skip--
				}
				continue
			case skip > 0:
				continue
			case a == atom.Br:
				w.newline()
			case a == atom.Pre:
				if end && pre > 0 {
					pre--
				} else if tt == xhtml.StartTagToken {
					pre++
				}
				w.newline()
			case isBlock(a):
				w.newline()
			case (a == atom.Td || a == atom.Th) && !end:
				w.space()
			}
		}
	}
}

// looksLikeHTML reports whether s contains something that starts a tag,
// comment or entity-free markup ("<p", "</", "<!"). "a < b" is not markup.
func looksLikeHTML(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0 && i+1 < len(s); {
		c := s[i+1]
		if c == '/' || c == '!' || c == '?' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') {
			return true
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// plainText collapses runs of spaces within lines and drops blank lines.
func plainText(s string) string {
	var w textWriter
	for _, line := range strings.Split(s, "\n") {
		w.text(line)
		w.newline()
	}
	return w.String()
}

// isSkipped reports elements that hold no readable text (or text that is
// not the story). Void elements (embed) are absent: they have no end tag to
// close the skip.
func isSkipped(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Head, atom.Iframe, atom.Object,
		atom.Svg, atom.Math, atom.Button, atom.Select, atom.Textarea:
		return true
	}
	return false
}

// isBlock reports elements that start and end a line of text.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd, atom.H1, atom.H2, atom.H3,
		atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre, atom.Tr, atom.Table, atom.Section,
		atom.Article, atom.Header, atom.Footer, atom.Aside, atom.Nav, atom.Figure, atom.Figcaption,
		atom.Hr, atom.Address, atom.Main, atom.Details, atom.Summary, atom.Caption, atom.Form, atom.Fieldset:
		return true
	}
	return false
}

// nodeText extracts text from a parsed tree without recursion, so a
// maliciously deep document cannot exhaust the stack.
func nodeText(root *xhtml.Node) string {
	var w textWriter
	pre := 0
	enter := func(n *xhtml.Node) (descend bool) {
		switch n.Type {
		case xhtml.TextNode:
			if pre > 0 {
				w.preText(n.Data)
			} else {
				w.text(n.Data)
			}
			return false
		case xhtml.ElementNode:
			if isSkipped(n.DataAtom) {
				return false
			}
			if n.DataAtom == atom.Br {
				w.newline()
				return false
			}
			if n.DataAtom == atom.Pre {
				pre++
			}
			if isBlock(n.DataAtom) {
				w.newline()
			} else if n.DataAtom == atom.Td || n.DataAtom == atom.Th {
				w.space()
			}
			return true
		case xhtml.DocumentNode:
			return true
		}
		return false // comments, doctypes
	}
	leave := func(n *xhtml.Node) {
		if n.Type != xhtml.ElementNode {
			return
		}
		if n.DataAtom == atom.Pre {
			pre--
		}
		if isBlock(n.DataAtom) {
			w.newline()
		}
	}
	n := root
	for n != nil {
		if enter(n) && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		// n is finished: leave it and its finished ancestors until a
		// sibling is found.
		for n != nil {
			if n.Type == xhtml.ElementNode && !isSkipped(n.DataAtom) && n.DataAtom != atom.Br {
				leave(n)
			}
			if n == root {
				n = nil
				break
			}
			if n.NextSibling != nil {
				n = n.NextSibling
				break
			}
			n = n.Parent
		}
	}
	return w.String()
}

// textWriter builds collapsed text: runs of whitespace become one space,
// block boundaries one newline, and nothing leads or trails.
type textWriter struct {
	b         strings.Builder
	pendSpace bool
	pendNL    bool
}

func (w *textWriter) newline() { w.pendNL = true; w.pendSpace = false }
func (w *textWriter) space() {
	if !w.pendNL {
		w.pendSpace = true
	}
}

func (w *textWriter) text(s string) {
	for _, r := range s {
		if unicode.IsSpace(r) {
			w.space()
			continue
		}
		w.rune(r)
	}
}

// preText keeps the line breaks of preformatted text.
func (w *textWriter) preText(s string) {
	for _, r := range s {
		switch {
		case r == '\n':
			w.newline()
		case unicode.IsSpace(r):
			w.space()
		default:
			w.rune(r)
		}
	}
}

func (w *textWriter) rune(r rune) {
	if r == 0 {
		return // dropped, as report.Sanitize does
	}
	if w.b.Len() > 0 {
		if w.pendNL {
			w.b.WriteByte('\n')
		} else if w.pendSpace {
			w.b.WriteByte(' ')
		}
	}
	w.pendNL, w.pendSpace = false, false
	w.b.WriteRune(r)
}

func (w *textWriter) String() string { return w.b.String() }

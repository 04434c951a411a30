package rules

import (
	"github.com/tocsin-alerts/tocsin/report"
)

// doc is the scored text with its layout.
type doc struct {
	text    string
	textOff int // offset of the body in text (title + "\n\n")
	hasBody bool
	toks    []token
	sents   []sentSpan
	refYear int
}

// Score evaluates every enabled rule against the report and returns the
// verdict with its evidence. It never fails: any text, however large or
// malformed, gets a verdict.
func (s *Set) Score(r report.Report) Result {
	sc := s.getScratch()
	defer s.putScratch(sc)
	return s.scoreWith(sc, r)
}

// scoreWith scores with the given working memory: pooled in Score, fresh in
// the tests that prove no state survives from one call to the next.
func (s *Set) scoreWith(sc *scratch, r report.Report) Result {
	d := s.prepare(sc, r)
	s.match(sc, &d)
	res := s.evaluate(sc, &d)
	if s.prior != nil {
		s.applyPrior(sc, &d, &res)
	}
	s.locate(sc, &d, &res)
	res.RulesVersion = s.version
	return res
}

// prepare sanitizes and tokenizes a report into the scratch's buffers.
func (s *Set) prepare(sc *scratch, r report.Report) doc {
	r = r.Sanitize()
	d := doc{text: r.Text}
	if r.Title != "" {
		d.text = r.Title + "\n\n" + r.Text
		d.textOff = len(r.Title) + 2
	}
	d.hasBody = r.Text != ""
	sc.lx = lexer{text: d.text, toks: sc.lx.toks[:0], sents: sc.lx.sents[:0], buf: sc.lx.buf[:0], set: s, words: &sc.words}
	sc.lx.tokenize()
	d.toks, d.sents = sc.lx.toks, sc.lx.sents
	markNonCounts(&d)
	d.refYear = refYear(r.Published, d.toks)
	return d
}

// field maps a byte range of the scored text to the report field it is in.
func (d *doc) field(start, end int32) (string, int, int) {
	if d.textOff > 0 && int(start) < d.textOff {
		return "title", int(start), min(int(end), d.textOff-2)
	}
	return "text", int(start) - d.textOff, int(end) - d.textOff
}

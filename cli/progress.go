package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// progress tells how far a long run of `tocsin score` has got, on one
// terminal line rewritten in place: reports scored, bytes read (of the
// total, when the inputs are files), and the rate. It stays quiet for the
// first second, so a short run prints nothing. A nil *progress does
// nothing.
type progress struct {
	w          io.Writer
	total      int64 // bytes of all inputs, or -1 when one is stdin
	read       int64
	reports    int
	start      time.Time
	last       time.Time
	now        func() time.Time
	shown      bool
	quiet, gap time.Duration
}

func newProgress(w io.Writer, total int64, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, total: total, start: t, now: now, quiet: time.Second, gap: 250 * time.Millisecond}
}

// progressFor returns a progress line on stderr when it is a terminal and
// the verdicts go elsewhere (on a terminal they are their own progress),
// else nil.
func progressFor(env Env, ins []input) *progress {
	if !isTerminal(env.Stderr) || isTerminal(env.Stdout) {
		return nil
	}
	total := int64(0)
	for _, in := range ins {
		if in.size < 0 {
			total = -1
			break
		}
		total += in.size
	}
	return newProgress(env.Stderr, total, time.Now)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// counted wraps an input so that its bytes count as read.
func (p *progress) counted(r io.Reader) io.Reader {
	if p == nil {
		return r
	}
	return &countingReader{r: r, n: &p.read}
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	*c.n += int64(n)
	return n, err
}

// scored counts n more reports and redraws the line when it is due.
func (p *progress) scored(n int) {
	if p == nil {
		return
	}
	p.reports += n
	t := p.now()
	if t.Sub(p.start) < p.quiet || t.Sub(p.last) < p.gap {
		return
	}
	p.last, p.shown = t, true
	fmt.Fprintf(p.w, "\rtocsin score: %s", p.line(t))
}

// line is the progress in words.
func (p *progress) line(t time.Time) string {
	mb := func(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
	s := fmt.Sprintf("%d reports, %s read", p.reports, mb(p.read))
	if p.total > 0 {
		s = fmt.Sprintf("%d reports, %s of %s (%d%%)", p.reports, mb(p.read), mb(p.total), p.read*100/p.total)
	}
	if secs := t.Sub(p.start).Seconds(); secs > 0 {
		s += fmt.Sprintf(", %.0f reports/s", float64(p.reports)/secs)
	}
	return s + "\x1b[K" // clear what a longer line left
}

// done erases the line.
func (p *progress) done() {
	if p != nil && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

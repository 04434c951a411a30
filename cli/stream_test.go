package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// generatedCorpus writes n JSON Lines reports to a pipe as they are read,
// so a test can feed far more input than it holds. At the second line and
// every sample-th it collects the garbage and records the live heap.
type generatedCorpus struct {
	n, sample      int
	base, peakLive uint64 // live heap at the first line (rules loaded) and at its highest
	written        int64
}

func (g *generatedCorpus) reader() io.Reader {
	pr, pw := io.Pipe()
	go func() {
		filler := strings.Repeat("The council met on Tuesday to discuss the budget for schools and roads. ", 8)
		for i := 0; i < g.n; i++ {
			// Line 0 has been read when line 1 can be written: the
			// rules are loaded by then.
			if g.sample > 0 && (i == 1 || i > 0 && i%g.sample == 0) {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if i == 1 {
					g.base = m.HeapAlloc
				}
				g.peakLive = max(g.peakLive, m.HeapAlloc)
			}
			line := fmt.Sprintf("{\"id\":\"r%d\",\"title\":\"Council meeting %d\",\"text\":%q}\n", i, i, filler)
			if i%1000 == 999 {
				line = fmt.Sprintf("{\"id\":\"r%d\",\"text\":\"Rebels seized the airport of Aleppo on Monday.\"}\n", i)
			}
			n, err := io.WriteString(pw, line)
			g.written += int64(n)
			if err != nil {
				return
			}
		}
		pw.Close()
	}()
	return pr
}

// TestScoreStreamsInConstantMemory feeds `tocsin score` 26 MB of JSON Lines
// on stdin, generated as it is read (the old reader held its whole input,
// and refused more than 64 MiB): every report gets its verdict, and the
// live heap stays flat instead of growing with the input.
func TestScoreStreamsInConstantMemory(t *testing.T) {
	n := 40_000
	if testing.Short() {
		n = 10_000
	}
	g := &generatedCorpus{n: n, sample: 4_000}
	var out countingWriter
	var errb bytes.Buffer
	code := Main(context.Background(), Env{Args: []string{"score", "--format", "jsonl", "-"}, Stdin: g.reader(),
		Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if out.lines != n {
		t.Fatalf("%d verdicts for %d reports", out.lines, n)
	}
	if out.alerts < n/1000 {
		t.Errorf("%d alerts, want at least %d (one report in a thousand is a capture)", out.alerts, n/1000)
	}
	// A reader that kept what it read would grow by about the input's size.
	growth := int64(g.peakLive) - int64(g.base)
	t.Logf("%d MB streamed; live heap %d MB when reading began, at most %d MB above", g.written>>20, g.base>>20, growth>>20)
	if limit := g.written / 3; growth > limit {
		t.Errorf("live heap grew by %d MB streaming %d MB; want it flat (under %d MB)", growth>>20, g.written>>20, limit>>20)
	}
}

// countingWriter counts verdict lines and alerts without keeping them.
type countingWriter struct {
	lines, alerts int
	partial       []byte
}

func (c *countingWriter) Write(b []byte) (int, error) {
	c.partial = append(c.partial, b...)
	for {
		i := bytes.IndexByte(c.partial, '\n')
		if i < 0 {
			break
		}
		if bytes.Contains(c.partial[:i], []byte(`"alert":true`)) {
			c.alerts++
		}
		c.lines++
		c.partial = c.partial[i+1:]
	}
	c.partial = append([]byte(nil), c.partial...)
	return len(b), nil
}

// TestScoreSkipsBadItems: a malformed line, a line that is not an object
// and a JSON array with a bad element are reported with file and place;
// every other report is scored, and the run exits ExitUsage.
func TestScoreSkipsBadItems(t *testing.T) {
	dir := t.TempDir()
	jl := filepath.Join(dir, "mixed.jsonl")
	body := "{\"id\":\"a\",\"text\":\"Rebels seized the airport of Aleppo.\"}\n{oops\n[1,2]\n\n{\"id\":\"b\",\"text\":\"Snow closed the road.\"}\n"
	if err := os.WriteFile(jl, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	arr := filepath.Join(dir, "arr.json")
	if err := os.WriteFile(arr, []byte(`[{"id":"c","text":"Troops withdrew."}, {"id":"d","text":"Calm."}, {"id":"e","published":"yesterday"}, {"id":"f","text":"x"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "score", "--format", "jsonl", jl, arr)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	var ids []string
	for _, v := range verdicts(t, out) {
		ids = append(ids, v.ID)
	}
	if got := strings.Join(ids, ","); got != "a,b,c,d,f" {
		t.Errorf("scored %s, want a,b,c,d,f", got)
	}
	for _, want := range []string{"mixed.jsonl: line 2:", "mixed.jsonl: line 3: want a JSON object", "arr.json: report 2: published:"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// TestScoreStreamsJSONArrays: a .json array and a JSON array on stdin are
// read element by element, a single object whole.
func TestScoreStreamsJSONArrays(t *testing.T) {
	arr := `  [{"id":"x","text":"Rebels seized the airport of Aleppo."},{"id":"y","text":"Calm day."}]`
	code, out, errOut := runCLI(t, arr, "score", "--format", "jsonl", "-")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if vs := verdicts(t, out); len(vs) != 2 || vs[0].ID != "x" || !vs[0].Alert || vs[1].ID != "y" {
		t.Errorf("verdicts %+v", vs)
	}
	one := filepath.Join(t.TempDir(), "one.json")
	if err := os.WriteFile(one, []byte(`{"id":"z","text":"Rebels seized the airport of Aleppo."}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "", "score", "--format", "jsonl", one)
	if vs := verdicts(t, out); code != ExitOK || len(vs) != 1 || vs[0].ID != "z" {
		t.Errorf("single object: exit %d, %+v, %s", code, vs, errOut)
	}
}

// TestProgressLine: quiet for the first second, then one line rewritten
// in place at most every 250 ms with reports, bytes of the total and the
// rate, erased at the end.
func TestProgressLine(t *testing.T) {
	now := time.Unix(0, 0)
	var w bytes.Buffer
	p := newProgress(&w, 2_000_000, func() time.Time { return now })
	r := p.counted(strings.NewReader(strings.Repeat("x", 500_000)))
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	p.scored(100)
	if w.Len() != 0 {
		t.Fatalf("progress within the first second: %q", w.String())
	}
	now = now.Add(2 * time.Second)
	p.scored(100)
	want := "\rtocsin score: 200 reports, 0.5 MB of 2.0 MB (25%), 100 reports/s\x1b[K"
	if w.String() != want {
		t.Fatalf("progress %q, want %q", w.String(), want)
	}
	now = now.Add(100 * time.Millisecond)
	p.scored(1)
	if w.String() != want {
		t.Errorf("redrawn within 250 ms: %q", w.String())
	}
	p.done()
	if !strings.HasSuffix(w.String(), "\r\x1b[K") {
		t.Errorf("line not erased: %q", w.String())
	}
	var none *progress
	none.scored(1) // no terminal: nothing, and no panic
	none.done()
	if progressFor(Env{Stderr: &w, Stdout: &w}, nil) != nil {
		t.Error("progress on a buffer, which is no terminal")
	}
}

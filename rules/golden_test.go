package rules

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tocsin-alerts/tocsin/report"
)

// updateVerdicts rewrites testdata/verdicts.golden from the engine as it is.
// It exists for changes that are MEANT to change verdicts (a rule edit, a
// new frame, a retrained prior), and only for those: a speed change must
// leave every verdict byte-identical, and regenerating the digests to make
// this test pass would hide exactly the regression it is there to catch.
// Say in the commit which verdicts change and why.
var updateVerdicts = flag.Bool("update", false,
	"rewrite testdata/verdicts.golden: ONLY when a change of verdicts is intended (never for a speed change)")

// dumpVerdicts writes every canonical verdict to a file (one JSON line per
// report, "file id verdict"), so that two versions of the engine can be
// diffed report by report when the digests disagree.
var dumpVerdicts = flag.String("verdicts.dump", "", "write each golden report's canonical verdict to this file")

// goldenSets are the rule sets and corpora whose verdicts are pinned: the
// built-in rules on the labelled corpora, the whole weakly labelled Portal
// file (30,471 real news items) and 1,500 noisy reports (noisyReports), and
// the large generated sets (1,000 and 5,000 region variants of each kind,
// the 1,000 random rules) on the dev corpus, where sharing work between
// rules could go wrong. Paths are relative to the rules package.
var goldenSets = []struct {
	name    string
	set     func(testing.TB) *Set
	corpora []string
}{
	{"builtin", func(tb testing.TB) *Set { return shared(tb) }, []string{
		"../corpus/dev.jsonl",
		"../corpus/synthetic-train.jsonl",
		"../corpus/portal-eval.jsonl",
		"../corpus/portal-train.jsonl",
		"../corpus/portal-2010-2016.jsonl.gz",
		noisyCorpus,
	}},
	{"match-1000", func(tb testing.TB) *Set { return realisticSet(tb, regionInMatch, 1000) }, []string{"../corpus/dev.jsonl"}},
	{"context-1000", func(tb testing.TB) *Set { return realisticSet(tb, regionAsContext, 1000) }, []string{"../corpus/dev.jsonl"}},
	{"match-5000", func(tb testing.TB) *Set { return realisticSet(tb, regionInMatch, 5000) }, []string{"../corpus/dev.jsonl"}},
	{"context-5000", func(tb testing.TB) *Set { return realisticSet(tb, regionAsContext, 5000) }, []string{"../corpus/dev.jsonl"}},
	{"random-1000", func(tb testing.TB) *Set { s, _ := generatedSet(tb); return s }, []string{"../corpus/dev.jsonl"}},
}

const goldenFile = "testdata/verdicts.golden"

// goldenItem is one pinned report: the rule set, its corpus file and id,
// and the digest of its canonical verdict.
type goldenItem struct {
	key    string // "set file id"
	set    *Set
	digest string
	report report.Report
}

// TestVerdictsGolden scores every report of goldenSets with its rule set and
// the learned prior, exactly as `tocsin score` does, and compares
// a digest of each full verdict with testdata/verdicts.golden. The verdict
// is canonical JSON of the whole Result: alert, severity, score,
// categories, location, every piece of evidence with its sentence, offsets,
// match, modality, action and Why text, every suppressed hit with its
// reason, boosts and the prior's part (probabilities, threshold, the words
// that moved it). Speed work must keep every digest byte-identical; only an
// intended change of verdicts regenerates the file (go test -run
// TestVerdictsGolden -update ./rules/).
func TestVerdictsGolden(t *testing.T) {
	items := goldenItems(t)
	verdicts := make([]string, len(items))
	scoreAll(items, verdicts)
	for i := range items {
		sum := sha256.Sum256([]byte(verdicts[i]))
		items[i].digest = hex.EncodeToString(sum[:16])
	}
	if *dumpVerdicts != "" {
		writeVerdictDump(t, items, verdicts)
	}
	if *updateVerdicts {
		writeGolden(t, items)
		return
	}
	want := readGolden(t)
	var diffs []string
	for i, it := range items {
		w, ok := want[it.key]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: not in %s", it.key, goldenFile))
		case w != it.digest:
			diffs = append(diffs, fmt.Sprintf("%s: verdict changed; now %s", it.key, excerpt(verdicts[i])))
		}
		delete(want, it.key)
	}
	for k := range want {
		diffs = append(diffs, fmt.Sprintf("%s: in %s but no longer scored", k, goldenFile))
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		shown := diffs[:min(len(diffs), 10)]
		t.Fatalf("%d of %d verdicts differ from %s (diff two versions with -verdicts.dump):\n%s",
			len(diffs), len(items), goldenFile, strings.Join(shown, "\n"))
	}
	t.Logf("%d verdicts identical to %s", len(items), goldenFile)
}

// goldenItems reads every report of goldenSets, in order.
func goldenItems(t *testing.T) []goldenItem {
	t.Helper()
	var out []goldenItem
	seen := map[string]bool{}
	for _, gs := range goldenSets {
		s := gs.set(t)
		for _, p := range gs.corpora {
			prefix := gs.name + " " + filepath.Base(p)
			for _, l := range readCorpus(t, p) {
				key := prefix + " " + l.ID
				if l.ID == "" || seen[key] {
					t.Fatalf("%s line %d: id %q is empty or repeated", p, l.Line, l.ID)
				}
				seen[key] = true
				out = append(out, goldenItem{key: key, set: s, report: l.Report})
			}
		}
	}
	if len(out) < 30_000 {
		t.Fatalf("only %d golden reports", len(out))
	}
	return out
}

func readCorpus(t testing.TB, p string) []report.Labelled {
	t.Helper()
	if p == noisyCorpus {
		return noisyReports(t, 1500)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(p, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		defer zr.Close()
		r = zr
	}
	ls, err := report.ParseJSONL(r)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return ls
}

// scoreAll scores the items on every core (verdicts do not depend on order
// or concurrency: TestVerdictDependsOnlyOnReport) into canonical JSON.
func scoreAll(items []goldenItem, verdicts []string) {
	var wg sync.WaitGroup
	next := make(chan int, 256)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				b, err := json.Marshal(items[i].set.Score(items[i].report))
				if err != nil {
					b = []byte("marshal: " + err.Error())
				}
				verdicts[i] = string(b)
			}
		}()
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
}

func readGolden(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatalf("%v (generate it with -update, only from an engine whose verdicts are right)", err)
	}
	defer f.Close()
	out := map[string]string{}
	file := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "== "):
			file = line[3:]
			continue
		}
		id, digest, ok := strings.Cut(line, " ")
		if !ok || file == "" {
			t.Fatalf("%s:%d: want \"id digest\" under a \"== set file\" line", goldenFile, n)
		}
		out[file+" "+id] = digest
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func writeGolden(t *testing.T, items []goldenItem) {
	t.Helper()
	var b strings.Builder
	b.WriteString("# Verdict digests pinned by TestVerdictsGolden (rules/golden_test.go): under each \"== rule set, corpus\n")
	b.WriteString("# file\", report id and the first 128 bits of the sha256 of its canonical verdict (prior on).\n")
	b.WriteString("# Regenerate (-update) ONLY for an intended change of verdicts, never for a speed change.\n")
	file := ""
	for _, it := range items {
		k := strings.LastIndexByte(it.key, ' ')
		f, id := it.key[:k], it.key[k+1:]
		if f != file {
			file = f
			fmt.Fprintf(&b, "== %s\n", f)
		}
		fmt.Fprintf(&b, "%s %s\n", id, it.digest)
	}
	if err := os.WriteFile(goldenFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d digests to %s", len(items), goldenFile)
}

func writeVerdictDump(t *testing.T, items []goldenItem, verdicts []string) {
	t.Helper()
	var b strings.Builder
	for i, it := range items {
		fmt.Fprintf(&b, "%s %s\n", it.key, verdicts[i])
	}
	if err := os.WriteFile(*dumpVerdicts, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

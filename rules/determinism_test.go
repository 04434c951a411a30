package rules

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/tocsin-alerts/tocsin/report"
)

// devCorpus reads the dev corpus kept in the repository (corpus/dev.jsonl).
func devCorpus(t testing.TB) []report.Labelled {
	t.Helper()
	f, err := os.Open("../corpus/dev.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ls, err := report.ParseJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) < 100 {
		t.Fatalf("dev corpus has %d reports", len(ls))
	}
	return ls
}

func verdictJSON(t testing.TB, r Result) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestVerdictDependsOnlyOnReport: a verdict depends on the report and the
// rule set, never on what the same Set scored before (pooled scratch memory
// once carried a memoised suppressor count from one call to the next, so in
// the service alerts appeared or vanished with feed order). Every dev report
// is scored alone with fresh working memory, then right after every other report, then
// in shuffled batches on concurrent goroutines; all verdicts must be equal.
func TestVerdictDependsOnlyOnReport(t *testing.T) {
	ls := devCorpus(t)
	s := shared(t)
	alone := make([]string, len(ls))
	for i, l := range ls {
		alone[i] = verdictJSON(t, s.scoreWith(&scratch{}, l.Report)) // fresh working memory
	}
	// Every ordered pair (j then i) once: an Euler circuit of the complete
	// directed graph, cut in two halves scored on two goroutines, each with
	// its own working memory carried from one report to the next.
	seq := everyOrderedPair(len(ls))
	half := len(seq) / 2
	var pairs sync.WaitGroup
	pairErrs := make(chan string, 2)
	for _, part := range [][]int{seq[:half+1], seq[half:]} {
		pairs.Add(1)
		go func() {
			defer pairs.Done()
			sc := &scratch{}
			for k, i := range part {
				if got := verdictJSON(t, s.scoreWith(sc, ls[i].Report)); got != alone[i] && k > 0 {
					pairErrs <- fmt.Sprintf("%s scored after %s differs from alone:\n got  %s\n want %s",
						ls[i].ID, ls[part[k-1]].ID, excerpt(got), excerpt(alone[i]))
					return
				}
			}
		}()
	}
	pairs.Wait()
	close(pairErrs)
	for e := range pairErrs {
		t.Error(e)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range 3 {
				for _, i := range rng.Perm(len(ls)) {
					if got := verdictJSON(t, s.Score(ls[i].Report)); got != alone[i] {
						errs <- ls[i].ID
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for id := range errs {
		t.Errorf("%s: verdict in a shuffled concurrent batch differs from alone", id)
	}
}

// everyOrderedPair returns a sequence of 0..n-1 in which every ordered pair
// (a, b), a != b, appears exactly once as consecutive elements: an Euler
// circuit of the complete directed graph (Hierholzer), n(n-1)+1 long.
func everyOrderedPair(n int) []int {
	next := make([]int, n) // next unused successor offset of each vertex
	var circuit, stack []int
	stack = append(stack, 0)
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		if next[v] < n-1 {
			next[v]++
			stack = append(stack, (v+next[v])%n)
			continue
		}
		circuit = append(circuit, v)
		stack = stack[:len(stack)-1]
	}
	return circuit
}

func excerpt(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return strings.TrimSpace(s)
}

func TestEveryOrderedPair(t *testing.T) {
	for _, n := range []int{2, 3, 7} {
		seq := everyOrderedPair(n)
		seen := map[[2]int]int{}
		for k := 1; k < len(seq); k++ {
			seen[[2]int{seq[k-1], seq[k]}]++
		}
		if len(seq) != n*(n-1)+1 || len(seen) != n*(n-1) {
			t.Fatalf("n=%d: len %d, %d distinct pairs", n, len(seq), len(seen))
		}
		for p, c := range seen {
			if c != 1 || p[0] == p[1] {
				t.Fatalf("n=%d: pair %v seen %d times", n, p, c)
			}
		}
	}
}

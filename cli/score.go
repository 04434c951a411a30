package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

func newScoreCmd(env *Env) *cobra.Command {
	var format string
	var rf ruleFlags
	cmd := &cobra.Command{
		Use:   "score [flags] FILE|DIR|- ...",
		Short: "Score reports from files, .jsonl corpora or stdin (-)",
		Long: `Score prints one verdict per report, in input order, with the evidence that fired and the hits that
were suppressed. FILE is a .txt/.md report (first line the title when a blank line follows), a .json
report or array, a .jsonl corpus, a directory of those, or - for stdin.

Inputs are streamed: a corpus of any size is scored in constant memory, on every core. A line that
cannot be read is reported with its file and number and skipped (exit status 2 at the end). When
stderr is a terminal and the verdicts go to a file or pipe, a progress line shows how far it got.`,
		Example: "  tocsin score seeds/aleppo-offensive.txt\n  tocsin score --format jsonl corpus.jsonl\n  echo 'Rebels entered Aleppo.' | tocsin score -",
		Args:    needArgs("FILE, DIR or - (stdin) to score"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return exit(runScore(cmd.Context(), *env, format, rf, args))
		},
	}
	enumFlag(cmd.Flags(), &format, "format", "text", "output format: text or jsonl", "text", "jsonl")
	rf = rulesFlag(cmd.Flags())
	return cmd
}

// runScore scores reports and prints one verdict each, in input order. It
// streams: reports are read, scored (a batch at a time, on every core) and
// printed as they come, so memory stays flat however large the input. An
// item that cannot be read is reported with its file and line and skipped;
// the run then exits with ExitUsage.
func runScore(ctx context.Context, env Env, format string, rf ruleFlags, paths []string) int {
	set, code := loadRules(rf, env.Stderr)
	if set == nil {
		return code
	}
	ins, err := listInputs(paths)
	if err != nil {
		fmt.Fprintln(env.Stderr, "tocsin:", err)
		return ExitUsage
	}
	w := bufio.NewWriter(env.Stdout)
	defer w.Flush()
	prog := progressFor(env, ins)
	defer prog.done()
	out := &verdictWriter{w: w, format: format, enc: json.NewEncoder(w)}
	out.enc.SetEscapeHTML(false)
	b := &batch{set: set, limit: scoreBatch * runtime.GOMAXPROCS(0), emit: out.write, scored: prog.scored}
	result := ExitOK
	sink := reportSink{report: b.add, bad: func(err error) {
		fmt.Fprintln(env.Stderr, "tocsin:", err)
		result = ExitUsage
	}}
	for _, in := range ins {
		if err := streamInput(ctx, in, env.Stdin, prog.counted, sink); err != nil {
			b.flush()
			prog.done()
			fmt.Fprintln(env.Stderr, "tocsin:", err)
			return ExitFailure
		}
	}
	if err := b.flush(); err != nil {
		fmt.Fprintln(env.Stderr, "tocsin:", err)
		return ExitFailure
	}
	return result
}

// scoreBatch is how many reports a core scores between two writes: enough
// to keep the cores busy, few enough that memory stays small.
const scoreBatch = 64

// batch gathers reports and scores them together on every core, then
// hands the verdicts on in input order.
type batch struct {
	set     *rules.Set
	limit   int
	items   []report.Labelled
	results []rules.Result
	emit    func(report.Labelled, rules.Result) error
	scored  func(int)
}

func (b *batch) add(l report.Labelled) error {
	b.items = append(b.items, l)
	if len(b.items) >= b.limit {
		return b.flush()
	}
	return nil
}

// flush scores the gathered reports and emits their verdicts. Its workers
// end before it returns.
func (b *batch) flush() error {
	n := len(b.items)
	if n == 0 {
		return nil
	}
	if cap(b.results) < n {
		b.results = make([]rules.Result, n)
	}
	b.results = b.results[:n]
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				b.results[i] = b.set.Score(b.items[i].Report)
			}
		}()
	}
	wg.Wait()
	var err error
	for i := range b.items {
		if err == nil {
			err = b.emit(b.items[i], b.results[i])
		}
	}
	clear(b.items) // do not keep the reports' text
	clear(b.results)
	b.items = b.items[:0]
	b.scored(n)
	return err
}

// verdictWriter prints verdicts in the chosen format.
type verdictWriter struct {
	w      io.Writer
	format string
	enc    *json.Encoder
}

func (v *verdictWriter) write(in report.Labelled, res rules.Result) error {
	res.ID = in.ID
	if v.format == "jsonl" {
		return v.enc.Encode(res)
	}
	printVerdict(v.w, in.ID, in.Title, res)
	return nil
}

// printVerdict writes a human-readable verdict with its evidence and the hits
// that were suppressed, so an admin sees both why and why not.
func printVerdict(w io.Writer, id, title string, res rules.Result) {
	verdict := "no alert"
	if res.Alert {
		verdict = "ALERT " + strings.ToUpper(res.Severity.String())
	} else if res.Prior != nil && res.Prior.Held {
		verdict = "no alert: held back by the conflict-context prior"
	}
	fmt.Fprintf(w, "== %s: %s (score %.2f)\n", id, verdict, res.Score)
	if title != "" {
		fmt.Fprintf(w, "   title:      %s\n", title)
	}
	if len(res.Categories) > 0 {
		fmt.Fprintf(w, "   categories: %s\n", strings.Join(res.Categories, ", "))
	}
	if res.Location != "" {
		fmt.Fprintf(w, "   location:   %s\n", res.Location)
	}
	if res.Contested {
		fmt.Fprintf(w, "   contested:  a denial of part of this was found\n")
	}
	for _, ev := range res.Evidence {
		fmt.Fprintf(w, "   + [%s/%s] %s\n       %q (%s %d-%d)\n", ev.Category, ev.Severity, ev.Why, clip(ev.Sentence, 240), ev.Field, ev.Start, ev.End)
	}
	for _, ev := range res.Suppressed {
		fmt.Fprintf(w, "   - suppressed %s\n       %q\n", ev.Why, clip(ev.Sentence, 160))
	}
	if p := res.Prior; p != nil {
		fmt.Fprintf(w, "   prior:      %s\n", priorLine(p))
	}
	fmt.Fprintf(w, "   rules %s\n\n", res.RulesVersion)
}

// priorLine says what the learned prior made of the report: its
// probability, the combination with the rules' evidence against the
// threshold, and the words that moved it.
func priorLine(p *rules.PriorPart) string {
	var b strings.Builder
	fmt.Fprintf(&b, "p %.3f that this is news of a fresh armed-conflict event", p.Probability)
	if p.Combined > 0 || p.Held {
		rel := ">="
		if p.Held {
			rel = "<"
		}
		fmt.Fprintf(&b, "; with the rules' evidence %.3f %s threshold %.2f", p.Combined, rel, p.Threshold)
	}
	if len(p.Features) > 0 {
		words := make([]string, len(p.Features))
		for i, f := range p.Features {
			words[i] = fmt.Sprintf("%q %+.2f", f.Text, f.Weight)
		}
		fmt.Fprintf(&b, "; words: %s", strings.Join(words, ", "))
	}
	return b.String()
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

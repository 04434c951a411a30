package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

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
report or array, a .jsonl corpus, a directory of those, or - for stdin.`,
		Example: "  tocsin score seeds/aleppo-offensive.txt\n  tocsin score --format jsonl corpus.jsonl\n  echo 'Rebels entered Aleppo.' | tocsin score -",
		Args:    needArgs("FILE, DIR or - (stdin) to score"),
		RunE: func(_ *cobra.Command, args []string) error {
			return exit(runScore(*env, format, rf, args))
		},
	}
	enumFlag(cmd.Flags(), &format, "format", "text", "output format: text or jsonl", "text", "jsonl")
	rf = rulesFlag(cmd.Flags())
	return cmd
}

// runScore scores reports and prints one verdict each, in input order.
func runScore(env Env, format string, rf ruleFlags, paths []string) int {
	set, code := loadRules(rf, env.Stderr)
	if set == nil {
		return code
	}
	inputs, err := readInputs(paths, env.Stdin)
	if err != nil {
		fmt.Fprintln(env.Stderr, "tocsin:", err)
		return ExitUsage
	}
	w := bufio.NewWriter(env.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, in := range inputs {
		res := set.Score(in.Report)
		res.ID = in.ID
		if format == "jsonl" {
			if err := enc.Encode(res); err != nil {
				fmt.Fprintln(env.Stderr, "tocsin:", err)
				return ExitFailure
			}
			continue
		}
		printVerdict(w, in.ID, in.Title, res)
	}
	return ExitOK
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

package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tocsin-alerts/tocsin/rules"
)

// cmdScore scores reports and prints one verdict each, in input order.
func cmdScore(_ context.Context, env Env) int {
	fs := newFlagSet("score", env)
	format := fs.String("format", "text", "output format: text or jsonl")
	rulesDir := rulesFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: tocsin score [--format text|jsonl] [--rules DIR] FILE|DIR|- ...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(env.Args); err != nil {
		return ExitUsage
	}
	if fs.NArg() == 0 || (*format != "text" && *format != "jsonl") {
		fs.Usage()
		return ExitUsage
	}
	set, code := loadRules(rulesDir, env.Stderr)
	if set == nil {
		return code
	}
	inputs, err := readInputs(fs.Args(), env.Stdin)
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
		if *format == "jsonl" {
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
	fmt.Fprintf(w, "   rules %s\n\n", res.RulesVersion)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

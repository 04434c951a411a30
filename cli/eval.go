package cli

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// label is the corpus label (corpus/README.md, ../shared/corpus/README.md).
// Escalation is a pointer so that a label without it is an error, not a
// silent "false".
type label struct {
	Escalation *bool    `json:"escalation"`
	Categories []string `json:"categories"`
	Severity   string   `json:"severity"`
	Location   string   `json:"location"`
	Note       string   `json:"note"`
}

// evalItem is one corpus line ready to be measured: its exact label when it
// has one, its weak label when it has that.
type evalItem struct {
	report.Labelled
	file  string
	exact *label
}

// evalFlags are the flags of `tocsin eval`.
type evalFlags struct {
	rulesDir      ruleFlags
	verbose, json *bool
	since         *string
	secondOpinion *opinionFlags
}

func newEvalCmd(env *Env) *cobra.Command {
	var f evalFlags
	cmd := &cobra.Command{
		Use:     "eval [flags] CORPUS.jsonl ...",
		Short:   "Measure detection against a labelled .jsonl corpus",
		Example: "  tocsin eval ../shared/corpus/dev.jsonl -v\n  tocsin eval --json corpus.jsonl",
		Args:    needArgs("a labelled CORPUS.jsonl"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return exit(cmdEval(cmd.Context(), *env, f, args))
		},
	}
	fs := cmd.Flags()
	f.rulesDir = rulesFlag(fs)
	f.verbose = fs.BoolP("verbose", "v", false, "also list category, severity and location mistakes, and alerting weakly labelled items")
	f.json = fs.Bool("json", false, "print the metrics as one JSON object")
	f.since = fs.String("since", "", "measure only items published on or after this date (YYYY-MM-DD): later years of a corpus")
	f.secondOpinion = secondOpinionFlags(fs)
	return cmd
}

// cmdEval measures detection against labelled corpora: exact labels give
// precision and recall with 95% intervals, per category and per rule; weak
// labels (weak_label, section) give alert rates per class.
func cmdEval(ctx context.Context, env Env, flags evalFlags, paths []string) int {
	rulesDir, verbose, asJSON, so := flags.rulesDir, flags.verbose, flags.json, flags.secondOpinion
	set, code := loadRules(rulesDir, env.Stderr)
	if set == nil {
		return code
	}
	var since time.Time
	if *flags.since != "" {
		var err error
		if since, err = time.Parse(time.DateOnly, *flags.since); err != nil {
			fmt.Fprintf(env.Stderr, "tocsin eval: --since %q: want a date like 2015-01-01\n", *flags.since)
			return ExitUsage
		}
	}
	items, err := readEvalCorpora(paths, since)
	if err != nil {
		fmt.Fprintln(env.Stderr, "tocsin eval:", err)
		return ExitUsage
	}
	op, err := so.open(env, set.Categories().Names())
	if err != nil {
		fmt.Fprintln(env.Stderr, "tocsin eval:", err)
		return ExitUsage
	}
	c := newEvalCounts(set, items)
	weak := newWeakCounts()
	for _, it := range items {
		res := set.Score(it.Report)
		if it.exact != nil {
			c.add(it, res)
			if op != nil {
				if ctx.Err() != nil {
					return ExitFailure
				}
				op.add(ctx, it.Report, res, *it.exact.Escalation)
			}
		}
		if it.WeakLabel != "" {
			weak.add(it, res)
		}
	}
	w := bufio.NewWriter(env.Stdout)
	defer w.Flush()
	m := c.metrics()
	m.Weak = weak.metrics()
	if op != nil {
		m.SecondOpinion = op.metrics()
	}
	if *asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(m)
		return ExitOK
	}
	if c.n > 0 {
		c.print(w, m, *verbose)
	}
	if weak.n > 0 {
		weak.print(w, m.Weak, *verbose, c.n > 0)
	}
	if op != nil {
		op.print(w)
	}
	return ExitOK
}

// readCorpusFile reads one JSONL corpus, gunzipping a .gz one.
func readCorpusFile(p string) ([]report.Labelled, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(p, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		defer gz.Close()
		r = gz
	}
	ls, err := report.ParseJSONL(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return ls, nil
}

// readEvalCorpora reads every corpus. A line must carry a usable label: an
// exact one (label.escalation) or a weak one (weak_label); anything else is
// an error naming the file and line, never a silent skip that would make the
// figures describe fewer reports than the reader thinks.
//
// A corpus may be gzip-compressed (name ending .gz); with since set, items
// published before it are left out.
func readEvalCorpora(paths []string, since time.Time) ([]evalItem, error) {
	var items []evalItem
	for _, p := range paths {
		ls, err := readCorpusFile(p)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			if !since.IsZero() && l.Published.Before(since) {
				continue
			}
			it := evalItem{Labelled: l, file: p}
			if len(l.Label) > 0 && string(l.Label) != "null" {
				var lb label
				if err := json.Unmarshal(l.Label, &lb); err != nil {
					return nil, fmt.Errorf("%s:%d: %s: label: %v", p, l.Line, l.ID, err)
				}
				if lb.Escalation == nil {
					return nil, fmt.Errorf("%s:%d: %s: label has no escalation field", p, l.Line, l.ID)
				}
				if _, err := rules.ParseSeverity(lb.Severity); err != nil && *lb.Escalation {
					return nil, fmt.Errorf("%s:%d: %s: label.severity: %v", p, l.Line, l.ID, err)
				}
				it.exact = &lb
			}
			if it.exact == nil && l.WeakLabel == "" {
				return nil, fmt.Errorf("%s:%d: %s: no usable label (want label.escalation or weak_label)", p, l.Line, l.ID)
			}
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("no reports in %v", paths)
	}
	return items, nil
}

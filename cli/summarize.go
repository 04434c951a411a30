package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/summary"
)

// summarizeFlags are the flags of `tocsin summarize`.
type summarizeFlags struct {
	baseURL, model, keyFile string
	timeout, budget         time.Duration
	maxChars                int
	asJSON                  bool
}

// newSummarizeCmd prints the summary of each report in the given files, as
// an alert would carry it: the rule evidence first, extractive unless a
// model is configured (flags, or TOCSIN_LLM_BASE_URL / TOCSIN_LLM_MODEL /
// TOCSIN_LLM_API_KEY). A file that cannot be read or parsed is reported and
// skipped; the others are still summarised, and the exit code is then 2.
func newSummarizeCmd(env *Env) *cobra.Command {
	var f summarizeFlags
	cmd := &cobra.Command{
		Use:   "summarize [flags] FILE ...",
		Short: "Print the alert summary of report files (extractive, or a model when configured)",
		Long: `Summarize prints the summary an alert would carry for each report. FILE is a .txt/.md report, a .json
report or array, a .jsonl corpus, or - for stdin.`,
		Args: needArgs("FILE to summarize (or - for stdin)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return exit(summarizeReports(cmd.Context(), *env, f, args))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.baseURL, "base-url", env.Getenv("TOCSIN_LLM_BASE_URL"), "OpenAI-compatible API root, e.g. http://127.0.0.1:11434/v1 (env TOCSIN_LLM_BASE_URL); empty: extractive only")
	fs.StringVar(&f.model, "model", env.Getenv("TOCSIN_LLM_MODEL"), "model name (env TOCSIN_LLM_MODEL)")
	fs.StringVar(&f.keyFile, "api-key-file", "", "file holding the API key (default: env TOCSIN_LLM_API_KEY)")
	fs.DurationVar(&f.timeout, "timeout", summary.DefaultTimeout, "per-request timeout")
	fs.DurationVar(&f.budget, "budget", summary.DefaultBudget, "most time the model may take per summary before the extractive one is used")
	fs.IntVar(&f.maxChars, "max-chars", summary.DefaultMaxChars, "summary length bound, in characters")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON object per report")
	return cmd
}

func summarizeReports(ctx context.Context, env Env, f summarizeFlags, paths []string) int {
	key, err := apiKey(env.Getenv, f.keyFile)
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin summarize: %v\n", err)
		return ExitUsage
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := summary.New(summary.Options{
		BaseURL: f.baseURL, Model: f.model, APIKey: summary.Secret(key),
		Timeout: f.timeout, Budget: f.budget, MaxChars: f.maxChars,
	}, logger)
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin summarize: %v\n", err)
		return ExitUsage
	}
	set, err := rules.Default()
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin summarize: default rules: %v\n", err)
		return ExitFailure
	}

	code := ExitOK
	enc := json.NewEncoder(env.Stdout)
	for _, name := range paths {
		items, err := readReports(name, env.Stdin)
		if err != nil {
			fmt.Fprintf(env.Stderr, "tocsin summarize: %s: %v\n", name, err)
			code = ExitUsage
			// Items parsed before the error are still summarised.
		}
		for _, it := range items {
			if ctx.Err() != nil {
				return ExitFailure
			}
			res := set.Score(it.Report)
			in := summary.Input{Reports: []report.Report{it.Report}, Location: res.Location, Categories: res.Categories}
			for _, ev := range res.Evidence {
				in.Evidence = append(in.Evidence, ev.Sentence)
			}
			sum := s.Summarize(ctx, in)
			label := name
			if it.ID != "" {
				label += "#" + it.ID
			}
			if f.asJSON {
				enc.Encode(struct {
					File     string `json:"file"`
					ID       string `json:"id,omitempty"`
					Summary  string `json:"summary"`
					Method   string `json:"method"`
					Fallback string `json:"fallback,omitempty"`
				}{name, it.ID, sum.Text, sum.Method, sum.Fallback})
				continue
			}
			how := sum.Method
			if sum.Fallback != "" && sum.Fallback != "disabled" {
				how += ", model not used: " + sum.Fallback
			}
			fmt.Fprintf(env.Stdout, "%s [%s]\n%s\n\n", label, how, sum.Text)
		}
	}
	return code
}

// readReports reads one input (see readReportFile); an input with no words
// at all is an error here, since it has nothing to summarise.
func readReports(name string, stdin io.Reader) ([]report.Labelled, error) {
	ls, err := readReportFile(name, stdin)
	if err == nil && len(ls) == 1 && strings.TrimSpace(ls[0].Title+ls[0].Text) == "" {
		return nil, errors.New("empty report")
	}
	return ls, err
}

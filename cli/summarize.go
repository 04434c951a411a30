package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/summary"
)

// maxSummarizeInput bounds one input file: a quick check should not read a
// disk image by mistake.

// cmdSummarize prints the summary of each report in the given files, as an
// alert would carry it: the rule evidence first, extractive unless a model is
// configured (flags, or TOCSIN_LLM_BASE_URL / TOCSIN_LLM_MODEL /
// TOCSIN_LLM_API_KEY). A file that cannot be read or parsed is reported and
// skipped; the others are still summarised, and the exit code is then 2.
func cmdSummarize(ctx context.Context, env Env) int {
	fs := flag.NewFlagSet("summarize", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	getenv := env.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	baseURL := fs.String("base-url", getenv("TOCSIN_LLM_BASE_URL"), "OpenAI-compatible API root, e.g. http://127.0.0.1:11434/v1 (env TOCSIN_LLM_BASE_URL); empty: extractive only")
	model := fs.String("model", getenv("TOCSIN_LLM_MODEL"), "model name (env TOCSIN_LLM_MODEL)")
	keyFile := fs.String("api-key-file", "", "file holding the API key (default: env TOCSIN_LLM_API_KEY)")
	timeout := fs.Duration("timeout", summary.DefaultTimeout, "per-request timeout")
	budget := fs.Duration("budget", summary.DefaultBudget, "most time the model may take per summary before the extractive one is used")
	maxChars := fs.Int("max-chars", summary.DefaultMaxChars, "summary length bound, in characters")
	asJSON := fs.Bool("json", false, "print one JSON object per report")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: tocsin summarize [--base-url URL --model M --api-key-file F] [--json] FILE...")
		fmt.Fprintln(env.Stderr, "FILE is a .txt/.md report, a .json report or array, a .jsonl corpus, or - for stdin.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(env.Args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return ExitUsage
	}

	key, err := apiKey(getenv, *keyFile)
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin summarize: %v\n", err)
		return ExitUsage
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := summary.New(summary.Options{
		BaseURL: *baseURL, Model: *model, APIKey: summary.Secret(key),
		Timeout: *timeout, Budget: *budget, MaxChars: *maxChars,
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
	for _, name := range fs.Args() {
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
			if *asJSON {
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

package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/pflag"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/summary"
)

// opinionFlags are the `tocsin eval` flags for a model second opinion.
type opinionFlags struct {
	baseURL, model, keyFile *string
	min, max, veto          *float64
	timeout                 *time.Duration
}

func secondOpinionFlags(fs *pflag.FlagSet) *opinionFlags {
	return &opinionFlags{
		baseURL: fs.String("llm-base-url", "", "OpenAI-compatible base URL for a second opinion (env TOCSIN_LLM_BASE_URL)"),
		model:   fs.String("llm-model", "", "model name (env TOCSIN_LLM_MODEL)"),
		keyFile: fs.String("llm-api-key-file", "", "file holding the API key (env TOCSIN_LLM_API_KEY)"),
		min:     fs.Float64("borderline-min", 1.0, "lowest rule score the model is asked about"),
		max:     fs.Float64("borderline-max", 2.5, "highest rule score the model is asked about"),
		veto:    fs.Float64("veto-confidence", 0.8, "model confidence a veto needs"),
		timeout: fs.Duration("llm-timeout", 30*time.Second, "time limit for one model call"),
	}
}

// opinionRun measures the documented combination policy (summary.Combine)
// against the labels: the model may veto a borderline alert, never add one.
type opinionRun struct {
	s                       *summary.Summarizer
	policy                  summary.Policy
	tp, fp, fn, tn          int
	asked, vetoed, failures int
}

// open returns nil when no model is configured: the eval then reports the
// rules alone.
func (f *opinionFlags) open(env Env, cats []string) (*opinionRun, error) {
	getenv := env.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	base, model := *f.baseURL, *f.model
	if base == "" {
		base = getenv("TOCSIN_LLM_BASE_URL")
	}
	if model == "" {
		model = getenv("TOCSIN_LLM_MODEL")
	}
	if base == "" {
		return nil, nil
	}
	key, err := apiKey(getenv, *f.keyFile)
	if err != nil {
		return nil, err
	}
	policy := summary.Policy{MinScore: *f.min, MaxScore: *f.max, VetoConfidence: *f.veto}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := summary.New(summary.Options{
		BaseURL: base, Model: model, APIKey: summary.Secret(key), Timeout: *f.timeout, Budget: 2 * *f.timeout,
		SecondOpinion: summary.OpinionOptions{Enabled: true, Policy: policy, Categories: cats},
	}, logger)
	if err != nil {
		return nil, err
	}
	return &opinionRun{s: s, policy: policy}, nil
}

func (o *opinionRun) add(ctx context.Context, r report.Report, res rules.Result, truth bool) {
	v := summary.Verdict{Alert: res.Alert, Categories: res.Categories, Severity: res.Severity.String(), Location: res.Location, Score: res.Score}
	final := v
	if o.policy.Borderline(v) {
		o.asked++
		op, err := o.s.SecondOpinion(ctx, r, v)
		if err != nil {
			o.failures++
			final, _ = summary.Combine(v, nil, o.policy)
		} else {
			final, _ = summary.Combine(v, &op, o.policy)
		}
		if v.Alert && !final.Alert {
			o.vetoed++
		}
	}
	switch {
	case truth && final.Alert:
		o.tp++
	case truth:
		o.fn++
	case final.Alert:
		o.fp++
	default:
		o.tn++
	}
}

// OpinionMetrics are alert-level figures after the second opinion.
type OpinionMetrics struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Asked     int     `json:"asked"`
	Vetoed    int     `json:"vetoed"`
	Failures  int     `json:"failures"`
}

func (o *opinionRun) metrics() *OpinionMetrics {
	return &OpinionMetrics{
		Precision: ratio(o.tp, o.tp+o.fp), Recall: ratio(o.tp, o.tp+o.fn), F1: f1(o.tp, o.fp, o.fn),
		Asked: o.asked, Vetoed: o.vetoed, Failures: o.failures,
	}
}

func (o *opinionRun) print(w io.Writer) {
	m := o.metrics()
	fmt.Fprintf(w, "\nwith the model's second opinion (band %.1f–%.1f, veto at confidence %.2f):\n", o.policy.MinScore, o.policy.MaxScore, o.policy.VetoConfidence)
	fmt.Fprintf(w, "alert precision %.3f  recall %.3f  F1 %.3f   (asked %d, vetoed %d, failed %d: failures keep the rule verdict)\n",
		m.Precision, m.Recall, m.F1, m.Asked, m.Vetoed, m.Failures)
}

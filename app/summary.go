package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/summary"
)

// summarizer adapts summary.Summarizer to the poller's seam.
type summarizer struct{ s *summary.Summarizer }

var _ poller.Summarizer = summarizer{}

// newSummarizer builds the one summary.Summarizer that writes summaries and,
// when enabled, gives second opinions (sharing its cache and rate limits).
func newSummarizer(c config.Summary, cats []string, logger *slog.Logger) (*summary.Summarizer, error) {
	so := c.SecondOpinion
	return summary.New(summary.Options{
		BaseURL: c.BaseURL, Model: c.Model, APIKey: summary.Secret(c.APIKey.Reveal()),
		Timeout: time.Duration(c.Timeout), MaxTokens: c.MaxTokens, Temperature: c.Temperature, Concurrency: c.Concurrency,
		RequestsPerMinute: c.RequestsPerMinute, Budget: time.Duration(c.Budget), CacheSize: c.CacheSize,
		SecondOpinion: summary.OpinionOptions{
			Enabled:    so.Enabled && c.BaseURL != "",
			Policy:     summary.Policy{MinScore: so.MinScore, MaxScore: so.MaxScore, VetoConfidence: so.VetoConfidence},
			Categories: cats,
		},
	}, logger)
}

func summaryInput(inc alerts.Incident, r report.Report) summary.Input {
	ev := make([]string, 0, len(inc.Evidence))
	for _, e := range inc.Evidence {
		ev = append(ev, e.Sentence)
	}
	return summary.Input{Reports: []report.Report{r}, Evidence: ev, Location: inc.Location, Categories: inc.Categories}
}

// Extract is the extractive summary an alert is sent with at once.
func (a summarizer) Extract(inc alerts.Incident, r report.Report) string {
	return a.s.Extract(summaryInput(inc, r))
}

// Summarize asks the model, within the summary budget; ok only for a model's
// (or the cache's) text, so that an extractive fallback is not recorded
// again as a "summarized" event.
func (a summarizer) Summarize(ctx context.Context, inc alerts.Incident, r report.Report) (string, bool) {
	if !a.s.Enabled() {
		return "", false
	}
	s := a.s.Summarize(ctx, summaryInput(inc, r))
	return s.Text, s.Method == summary.MethodLLM || s.Method == summary.MethodCache
}

// reviewer gives borderline verdicts a model's second opinion and combines
// the two with summary.Combine: the model may veto a low-confidence alert (in
// the configured score band, at the configured confidence) or move severity
// by one level; it never creates an alert. A model failure keeps the rules'
// verdict. Both opinions are recorded in Result.SecondOpinion.
type reviewer struct {
	s      *summary.Summarizer
	logger *slog.Logger
}

var _ poller.Reviewer = reviewer{}

// newReviewer returns nil when second opinions are off.
func newReviewer(c config.Summary, s *summary.Summarizer, logger *slog.Logger) poller.Reviewer {
	if !c.SecondOpinion.Enabled || c.BaseURL == "" {
		return nil
	}
	return reviewer{s: s, logger: logger.With("component", "second_opinion")}
}

func (rv reviewer) Review(ctx context.Context, r report.Report, res rules.Result) rules.Result {
	v := summary.Verdict{Alert: res.Alert, Categories: res.Categories, Severity: res.Severity.String(),
		Location: res.Location, Score: res.Score}
	policy := rv.s.Policy()
	if !res.Alert || !policy.Borderline(v) {
		return res // the model can only veto: nothing to ask about a non-alert
	}
	op, err := rv.s.SecondOpinion(ctx, r, v)
	var final summary.Verdict
	var reason string
	if err != nil {
		final, reason = summary.Combine(v, nil, policy)
		reason = "model unavailable (" + summary.FailureReason(err) + "): " + reason
		rv.logger.Warn("second opinion failed; rule verdict kept", "identity", r.Identity(), "reason", summary.FailureReason(err))
	} else {
		final, reason = summary.Combine(v, &op, policy)
	}
	res.SecondOpinion = reason
	if !final.Alert {
		res.Alert = false
		res.Severity = rules.SevNone
		return res
	}
	if sev, err := rules.ParseSeverity(final.Severity); err == nil && sev > rules.SevNone {
		res.Severity = sev
	}
	return res
}

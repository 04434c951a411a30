package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/summary"
)

// summarizer adapts summary.Summarizer to the poller's seam.
type summarizer struct{ s *summary.Summarizer }

var _ poller.Summarizer = summarizer{}

func newSummarizer(c config.Summary, logger *slog.Logger) (poller.Summarizer, error) {
	s, err := summary.New(summary.Options{
		BaseURL: c.BaseURL, Model: c.Model, APIKey: summary.Secret(c.APIKey.Reveal()),
		Timeout: time.Duration(c.Timeout), MaxTokens: c.MaxTokens, Temperature: c.Temperature, Concurrency: c.Concurrency,
		RequestsPerMinute: c.RequestsPerMinute, Budget: time.Duration(c.Budget), CacheSize: c.CacheSize,
	}, logger)
	if err != nil {
		return nil, err
	}
	return summarizer{s}, nil
}

func (a summarizer) Summarize(ctx context.Context, inc alerts.Incident, r report.Report) string {
	ev := make([]string, 0, len(inc.Evidence))
	for _, e := range inc.Evidence {
		ev = append(ev, e.Sentence)
	}
	return a.s.Summarize(ctx, summary.Input{Reports: []report.Report{r}, Evidence: ev, Location: inc.Location,
		Categories: inc.Categories}).Text
}

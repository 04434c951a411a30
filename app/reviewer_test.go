package app

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/summary/openaitest"
)

// TestReviewerSecondOpinion drives the live second-opinion path with the
// real go-openai client against a loopback model, through the same rule set
// the service uses: a borderline alert is vetoed when the model is confident
// it is no escalation, a strong alert is never sent to the model, and a model
// failure keeps the rules' verdict. Both opinions are recorded.
func TestReviewerSecondOpinion(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	weak := report.Report{Title: "Militia warns it could attack the port",
		Text: "The militia leader warned on Monday that his fighters could attack the port if talks failed."}
	strong := report.Report{Title: "Rebels seize Aleppo airport",
		Text: "Rebels seized Aleppo airport on Saturday after heavy fighting, and all flights were suspended."}
	if r := set.Score(weak); !r.Alert || r.Score > 2.5 {
		t.Fatalf("precondition: the weak report should be a borderline alert, got alert=%v score=%v", r.Alert, r.Score)
	}

	build := func(t *testing.T, srv *openaitest.Server) reviewer {
		t.Helper()
		c := config.Summary{BaseURL: srv.BaseURL(), Model: "m", Timeout: config.Duration(5 * time.Second),
			Budget: config.Duration(5 * time.Second), Concurrency: 1, RequestsPerMinute: 600}
		c.SecondOpinion.Enabled = true
		c.SecondOpinion.MinScore, c.SecondOpinion.MaxScore, c.SecondOpinion.VetoConfidence = 1.0, 2.5, 0.8
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		s, err := newSummarizer(c, []string{"airstrike", "threat", "de_escalation"}, logger)
		if err != nil {
			t.Fatal(err)
		}
		rv, ok := newReviewer(c, s, logger).(reviewer)
		if !ok {
			t.Fatal("second opinion enabled but no reviewer built")
		}
		return rv
	}

	t.Run("veto", func(t *testing.T) {
		srv := openaitest.New(openaitest.Fixed(openaitest.Opinion(false, "none", 0.95)))
		defer srv.Close()
		rv := build(t, srv)
		got := rv.Review(context.Background(), weak, set.Score(weak))
		if got.Alert || got.Severity != rules.SevNone || got.SecondOpinion == "" {
			t.Fatalf("borderline alert not vetoed: alert=%v severity=%v opinion=%q", got.Alert, got.Severity, got.SecondOpinion)
		}
		kept := rv.Review(context.Background(), strong, set.Score(strong))
		if !kept.Alert || kept.SecondOpinion != "" {
			t.Fatalf("a strong alert must not be sent to the model: %+v", kept.SecondOpinion)
		}
		if n := len(srv.Requests()); n != 1 {
			t.Fatalf("model asked %d times, want once (the borderline report)", n)
		}
	})
	t.Run("model down keeps the rules", func(t *testing.T) {
		srv := openaitest.New(openaitest.Fixed(openaitest.ServerError()))
		defer srv.Close()
		rv := build(t, srv)
		got := rv.Review(context.Background(), weak, set.Score(weak))
		if !got.Alert || !strings.Contains(got.SecondOpinion, "model unavailable") {
			t.Fatalf("a failed model must keep the alert and say why: alert=%v opinion=%q", got.Alert, got.SecondOpinion)
		}
	})
	t.Run("off by default", func(t *testing.T) {
		if newReviewer(config.Summary{}, nil, slog.New(slog.NewTextHandler(io.Discard, nil))) != nil {
			t.Fatal("no model configured: no reviewer")
		}
	})
}

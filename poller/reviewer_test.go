package poller_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// vetoReviewer vetoes every alert whose title mentions "rumour", as a model's
// second opinion would, and records that it did.
type vetoReviewer struct{ calls atomic.Int32 }

func (v *vetoReviewer) Review(_ context.Context, r report.Report, res rules.Result) rules.Result {
	v.calls.Add(1)
	if strings.Contains(r.Title, "rumour") {
		res.Alert, res.Severity, res.SecondOpinion = false, rules.SevNone, "model: no escalation (0.95) → vetoed"
	}
	return res
}

// TestReviewerRunsBeforeDecisions: the reviewer's verdict is what is stored
// and what incidents are decided on, so a vetoed report opens nothing while
// an untouched one does.
func TestReviewerRunsBeforeDecisions(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	rv := &vetoReviewer{}
	rig := newRig(t, s, clock, rigOptions{reviewer: rv})
	wire := newFeed(t, "Wire",
		item{"w1", "rumour: rebels storm Homs", "Rebel fighters storm the city of Homs, a rumour says.", t0},
		item{"w2", "Rebels storm Aleppo", "Rebel fighters storm the city of Aleppo on Friday.", t0})
	addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": wire})
	rig.cycle()
	if got := rig.notes[0].kinds(); len(got) != 1 {
		t.Fatalf("notifier saw %v; want exactly one opened (the vetoed report opens nothing)", got)
	}
	if a := rig.notes[0].alerts()[0]; a.Incident.Location != "Aleppo, Syria" {
		t.Fatalf("the alert that went out is about %q, want Aleppo", a.Incident.Location)
	}
	if rv.calls.Load() != 2 {
		t.Fatalf("reviewer called %d times, want once per scored report (2)", rv.calls.Load())
	}
	res, err := s.LatestScore(context.Background(), "guid:wire:w1")
	if err != nil || res.Alert || res.SecondOpinion == "" {
		t.Fatalf("stored verdict of the vetoed report = alert %v, opinion %q, err %v; want the reviewed verdict", res.Alert, res.SecondOpinion, err)
	}
}

package poller_test

import (
	"context"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/store"
)

// TestItemsOlderThanRetentionNeverAlert: once the store has pruned an
// item's record, a feed that still carries it makes it look new; published
// before the retention window, it is stored and scored but is no news.
func TestItemsOlderThanRetentionNeverAlert(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	rig := newRig(t, s, clock, rigOptions{maxReportAge: 90 * 24 * time.Hour})
	wire := newFeed(t, "Wire", item{"n1", "Airstrike in Kharkiv", "An airstrike hit Kharkiv.", clock.Now()})
	addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": wire})
	rig.cycle()
	if got := rig.notes[0].kinds(); len(got) != 1 {
		t.Fatalf("fresh item: %v", got)
	}
	clock.Advance(time.Minute)
	wire.set(item{"n1", "Airstrike in Kharkiv", "An airstrike hit Kharkiv.", clock.Now()},
		item{"ancient", "Rebels storm Aleppo", "Rebel fighters storm Aleppo.", clock.Now().Add(-100 * 24 * time.Hour)})
	st := rig.cycle()
	if st.Scored != 1 || st.Events != 0 || len(rig.notes[0].alerts()) != 1 {
		t.Errorf("ancient item: %+v, alerts %v", st, rig.notes[0].kinds())
	}
}

// TestSourceLabelsOnReports: the poller puts a source's labels on every
// report it brings, so they reach the incident and its alerts.
func TestSourceLabelsOnReports(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	rig := newRig(t, s, clock, rigOptions{})
	wire := newFeed(t, "Wire", item{"n1", "Airstrike in Kharkiv", "An airstrike hit Kharkiv.", clock.Now()})
	labels := report.NewLabels(map[string]string{"region": "ukraine", "trust": "wire"})
	if err := s.SyncSources(context.Background(), []store.SourceSpec{{ID: "wire", Kind: poller.KindFeed, URL: wire.URL,
		Interval: time.Minute, Labels: labels}}); err != nil {
		t.Fatal(err)
	}
	rig.cycle()
	got := rig.notes[0].alerts()
	if len(got) != 1 || got[0].Report.Labels != labels || got[0].Incident.Sources[0].Labels != labels ||
		!got[0].Incident.HasLabel("region", "ukraine") {
		var seen []string
		for _, a := range got {
			seen = append(seen, a.Report.Labels.String())
		}
		t.Fatalf("alerts = %v; report labels %q", rig.notes[0].kinds(), seen)
	}
}

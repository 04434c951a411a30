package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

// TestSourceLabelsStored: a source's labels are stored with it, follow
// config edits, and come back on every read path the poller uses.
func TestSourceLabelsStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sahel := report.NewLabels(map[string]string{"region": "sahel", "trust": "wire"})
		specs := []store.SourceSpec{
			{ID: "a", Kind: "feed", URL: "http://127.0.0.1/a", Interval: time.Minute, Labels: sahel},
			{ID: "b", Kind: "feed", URL: "http://127.0.0.1/b", Interval: time.Minute},
		}
		if err := s.SyncSources(ctx, specs); err != nil {
			t.Fatal(err)
		}
		due, err := s.DueSources(ctx, t0, 10)
		if err != nil || len(due) != 2 {
			t.Fatalf("due = %v, %v", due, err)
		}
		if due[0].ID != "a" || due[0].Labels != sahel || !due[1].Labels.IsZero() {
			t.Errorf("due labels: %s=%v %s=%v", due[0].ID, due[0].Labels, due[1].ID, due[1].Labels)
		}
		// An edited config relabels a and labels b.
		specs[0].Labels = report.NewLabels(map[string]string{"region": "levant"})
		specs[1].Labels = report.NewLabels(map[string]string{"trust": "social"})
		if err := s.SyncSources(ctx, specs); err != nil {
			t.Fatal(err)
		}
		all, err := s.Sources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, src := range all {
			got[src.ID] = src.Labels.String()
		}
		if got["a"] != "region=levant" || got["b"] != "trust=social" {
			t.Errorf("after edit: %v", got)
		}
		specs[0].Labels = report.Labels{}
		if err := s.SyncSources(ctx, specs); err != nil {
			t.Fatal(err)
		}
		if a, err := s.Source(ctx, "a"); err != nil || !a.Labels.IsZero() {
			t.Errorf("labels removed from config still stored: %v %v", a.Labels, err)
		}
	})
}

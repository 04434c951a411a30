package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

func TestRecentReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i, g := range []string{"a", "b", "c"} {
			sc := scoredReport(g, "Text "+g, rules.SevHigh)
			sc.ScoredAt = t0.Add(time.Duration(i) * time.Minute)
			if err := s.Apply(ctx, store.Batch{Scored: []store.Scored{sc}}); err != nil {
				t.Fatal(err)
			}
		}
		// Changing "a" makes it the most recent.
		sc := scoredReport("a", "Text a, edited", rules.SevHigh)
		sc.ScoredAt = t0.Add(time.Hour)
		if err := s.Apply(ctx, store.Batch{Scored: []store.Scored{sc}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.RecentReports(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].GUID != "a" || got[0].Text != "Text a, edited" || got[1].GUID != "c" {
			t.Fatalf("RecentReports(2) = %+v; want a (edited), then c", got)
		}
		if got[1].Title != "T c" || got[1].Source != "src" || !got[1].Published.Equal(t0) {
			t.Errorf("report fields lost: %+v", got[1])
		}
	})
}

func TestAddSilence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		id, err := s.AddSilence(ctx, alerts.Silence{Kind: alerts.SilencePlace, Value: "Aleppo, Syria",
			ExpiresAt: t0.Add(time.Hour), Author: "web", Reason: "drill", CreatedAt: t0})
		if err != nil || !strings.HasPrefix(id, "sil-") || len(id) != 20 {
			t.Fatalf("AddSilence = %q, %v", id, err)
		}
		active, err := s.ActiveSilences(ctx, t0)
		if err != nil || len(active) != 1 || active[0].ID != id || active[0].Reason != "drill" {
			t.Fatalf("ActiveSilences = %+v, %v", active, err)
		}
		for _, bad := range []alerts.Silence{
			{Kind: alerts.SilencePlace, Value: "  ", ExpiresAt: t0.Add(time.Hour)},
			{Kind: alerts.SilencePlace, Value: "Syria"},
			{Kind: "region", Value: "Syria", ExpiresAt: t0.Add(time.Hour)},
		} {
			if _, err := s.AddSilence(ctx, bad); err == nil {
				t.Errorf("AddSilence(%+v) accepted", bad)
			}
		}
	})
}

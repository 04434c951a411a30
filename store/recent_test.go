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

// TestSilenceMatchersRoundTrip: a silence of several matchers (a label one
// among them) comes back whole from both listings and by id, an expired one
// only from the history, and EndSilence expires it once.
func TestSilenceMatchersRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		multi := alerts.NewSilence([]alerts.Matcher{{Kind: alerts.SilencePlace, Value: "Kharkiv, Ukraine"},
			{Kind: alerts.SilenceCategory, Value: "airstrike"}, {Kind: alerts.SilenceLabel, Value: "region=europe"}},
			t0.Add(time.Hour), "ops", "drill", t0)
		id, err := s.AddSilence(ctx, multi)
		if err != nil {
			t.Fatal(err)
		}
		old, err := s.AddSilence(ctx, alerts.NewSilence([]alerts.Matcher{{Kind: alerts.SilenceRule, Value: "r"}},
			t0.Add(time.Minute), "ops", "", t0.Add(-time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		now := t0.Add(10 * time.Minute)
		active, err := s.ActiveSilences(ctx, now)
		if err != nil || len(active) != 1 || active[0].Describe() != "place=Kharkiv, Ukraine, category=airstrike, label=region=europe" {
			t.Fatalf("ActiveSilences = %+v, %v", active, err)
		}
		all, err := s.Silences(ctx, 10)
		if err != nil || len(all) != 2 || all[0].ID != id || all[1].ID != old {
			t.Fatalf("Silences = %+v, %v; want both, newest first", all, err)
		}
		got, ok, err := s.Silence(ctx, id)
		if err != nil || !ok || len(got.And) != 2 || got.Author != "ops" || !got.ExpiresAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("Silence(%s) = %+v, %v, %v", id, got, ok, err)
		}
		if _, ok, err := s.Silence(ctx, "sil-none"); ok || err != nil {
			t.Errorf("Silence(sil-none) = %v, %v", ok, err)
		}
		for i, want := range []bool{true, false} {
			if ended, err := s.EndSilence(ctx, id, now); err != nil || ended != want {
				t.Errorf("EndSilence #%d = %v, %v; want %v", i+1, ended, err, want)
			}
		}
		if active, _ := s.ActiveSilences(ctx, now); len(active) != 0 {
			t.Errorf("still active after EndSilence: %+v", active)
		}
	})
}

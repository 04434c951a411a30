package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

// TestPrune runs retention on SQLite and PostgreSQL over a store holding
// what a deployment accumulates, old and new, and checks exactly what goes:
// resolved incidents past the cutoff with their links, acks and delivered
// alerts, uncited old reports with their scores (more than one batch of
// them), expired silences; and what stays: open incidents and what they
// cite, anything with an alert still pending, anything recent.
func TestPrune(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cutoff := t0.Add(-90 * 24 * time.Hour) // now is t0, retention 90 days
		old, recent := t0.Add(-100*24*time.Hour), t0.Add(-24*time.Hour)
		at := func(sc store.Scored, when time.Time) store.Scored {
			sc.ScoredAt = when
			sc.Report.Fetched = when
			return sc
		}
		incident := func(id string, last, resolved time.Time) alerts.Incident {
			inc := testIncident(id)
			inc.FirstSeen, inc.LastSeen, inc.ResolvedAt = last, last, resolved
			return inc
		}
		apply := func(b store.Batch) {
			t.Helper()
			if err := s.Apply(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		event := func(inc alerts.Incident, when time.Time) alerts.Alert {
			return alerts.Alert{ID: inc.ID + "/1-opened", Kind: alerts.Opened, Incident: inc, At: when}
		}
		console := []string{"console", "discord"}

		// Resolved long ago, delivered, acknowledged: goes, with its report.
		gone := incident("inc-gone", old, old.Add(time.Hour))
		r1 := at(scoredReport("r1", "Rebels entered Aleppo.", rules.SevHigh), old)
		apply(store.Batch{Scored: []store.Scored{r1}, Incidents: []alerts.Incident{gone},
			Links: []store.Link{{IncidentID: gone.ID, Identity: r1.Report.Identity()}}, Alerts: []alerts.Alert{event(gone, old)}, Notifiers: console})
		for _, n := range console {
			if err := s.MarkSent(ctx, gone.ID+"/1-opened", n, old); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PutAck(ctx, store.Ack{IncidentID: gone.ID, UserID: "u1", At: old}); err != nil {
			t.Fatal(err)
		}
		// Open for a hundred days (a siege): stays, and its old report too.
		siege := incident("inc-siege", old, time.Time{})
		r2 := at(scoredReport("r2", "The siege of the city continues.", rules.SevHigh), old)
		apply(store.Batch{Scored: []store.Scored{r2}, Incidents: []alerts.Incident{siege},
			Links: []store.Link{{IncidentID: siege.ID, Identity: r2.Report.Identity()}}})
		// Resolved long ago but its alert never got out: stays.
		stuck := incident("inc-stuck", old, old.Add(time.Hour))
		r5 := at(scoredReport("r5", "Shelling reported near the border.", rules.SevHigh), old)
		apply(store.Batch{Scored: []store.Scored{r5}, Incidents: []alerts.Incident{stuck},
			Links: []store.Link{{IncidentID: stuck.ID, Identity: r5.Report.Identity()}}, Alerts: []alerts.Alert{event(stuck, old)}, Notifiers: []string{"console"}})
		// Resolved yesterday: stays.
		fresh := incident("inc-fresh", recent, recent)
		apply(store.Batch{Incidents: []alerts.Incident{fresh}})
		// Old reports no incident cites, more than one prune batch of them,
		// and one recent one.
		var many []store.Scored
		for i := range 1203 {
			many = append(many, at(scoredReport(fmt.Sprintf("old-%04d", i), "Weather was fine.", 0), old))
		}
		apply(store.Batch{Scored: many})
		r4 := at(scoredReport("r4", "Markets opened calmly.", 0), recent)
		apply(store.Batch{Scored: []store.Scored{r4}})
		// Silences: expired long ago (goes), expired yesterday, active.
		for _, sl := range []alerts.Silence{
			{ID: "sl-old", Kind: alerts.SilencePlace, Value: "Aleppo, Syria", ExpiresAt: old, CreatedAt: old},
			{ID: "sl-recent", Kind: alerts.SilencePlace, Value: "Homs, Syria", ExpiresAt: recent, CreatedAt: old},
			{ID: "sl-active", Kind: alerts.SilencePlace, Value: "Idlib, Syria", ExpiresAt: t0.Add(time.Hour), CreatedAt: old},
		} {
			if err := s.PutSilence(ctx, sl); err != nil {
				t.Fatal(err)
			}
		}

		res, err := s.Prune(ctx, cutoff)
		if err != nil {
			t.Fatal(err)
		}
		want := store.PruneResult{Incidents: 1, Reports: 1 + 1203, Outbox: 2, Silences: 1}
		if res != want {
			t.Errorf("Prune = %+v, want %+v", res, want)
		}

		for id, kept := range map[string]bool{gone.ID: false, siege.ID: true, stuck.ID: true, fresh.ID: true} {
			if _, ok, err := s.FindIncident(ctx, id); err != nil || ok != kept {
				t.Errorf("incident %s kept = %v (%v), want %v", id, ok, err, kept)
			}
		}
		for _, c := range []struct {
			sc   store.Scored
			kept bool
		}{{r1, false}, {r2, true}, {r5, true}, {r4, true}, {many[0], false}, {many[1202], false}} {
			id := c.sc.Report.Identity()
			_, err := s.Report(ctx, id)
			_, serr := s.LatestScore(ctx, id)
			if (err == nil) != c.kept || (serr == nil) != c.kept {
				t.Errorf("report %s: report err %v, score err %v, want kept=%v", id, err, serr, c.kept)
			}
		}
		reports, scores, err := s.Counts(ctx)
		if err != nil || reports != 3 || scores != 3 {
			t.Errorf("left %d reports, %d scores (%v); want 3 and 3", reports, scores, err)
		}
		if links, err := s.IncidentReports(ctx, gone.ID); err != nil || len(links) != 0 {
			t.Errorf("links of the pruned incident: %v %v", links, err)
		}
		if acks, err := s.Acks(ctx, gone.ID); err != nil || len(acks) != 0 {
			t.Errorf("acks of the pruned incident: %v %v", acks, err)
		}
		if depth, err := s.OutboxDepth(ctx); err != nil || depth["pending"] != 1 || depth["sent"] != 0 {
			t.Errorf("outbox after prune = %v, %v; want the stuck alert pending", depth, err)
		}
		if act, err := s.ActiveSilences(ctx, t0); err != nil || len(act) != 1 || act[0].ID != "sl-active" {
			t.Errorf("active silences = %v, %v", act, err)
		}
		// A second prune finds nothing more.
		if res, err := s.Prune(ctx, cutoff); err != nil || res != (store.PruneResult{}) {
			t.Errorf("second Prune = %+v, %v", res, err)
		}
	})
}

// BenchmarkPrune10k measures pruning 10,000 old, uncited reports (with
// their scores) from SQLite, in batches of 500, as the hourly job would
// after a busy day falls out of the window.
func BenchmarkPrune10k(b *testing.B) {
	ctx := context.Background()
	old := t0.Add(-100 * 24 * time.Hour)
	for b.Loop() {
		b.StopTimer()
		s, _ := storetest.SQLite(b)
		var batch []store.Scored
		for i := range 10000 {
			sc := scoredReport(fmt.Sprintf("b-%05d", i), "Weather was fine.", 0)
			sc.ScoredAt = old
			batch = append(batch, sc)
		}
		if err := s.Apply(ctx, store.Batch{Scored: batch}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := s.Prune(ctx, t0)
		if err != nil || res.Reports != 10000 {
			b.Fatalf("%+v %v", res, err)
		}
	}
}

package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

// TestClaimSources: a claimed source is not claimed again while its lease
// runs; recording its poll or releasing it ends the lease, and a lease
// left by a dead poller runs out.
func TestClaimSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		specs := []store.SourceSpec{
			{ID: "a", Kind: "feed", URL: "http://127.0.0.1/a", Interval: time.Minute},
			{ID: "b", Kind: "feed", URL: "http://127.0.0.1/b", Interval: time.Minute, AlertBacklog: true},
		}
		if err := s.SyncSources(ctx, specs); err != nil {
			t.Fatal(err)
		}
		got, err := s.ClaimSources(ctx, t0, 1, time.Minute)
		if err != nil || len(got) != 1 || got[0].ID != "a" || got[0].AlertBacklog {
			t.Fatalf("first claim = %+v, %v; want source a", got, err)
		}
		got, _ = s.ClaimSources(ctx, t0, 10, time.Minute)
		if len(got) != 1 || got[0].ID != "b" || !got[0].AlertBacklog {
			t.Fatalf("second claim = %+v; want only b (a is leased), with its backlog policy", got)
		}
		if got, _ = s.ClaimSources(ctx, t0.Add(30*time.Second), 10, time.Minute); len(got) != 0 {
			t.Fatalf("claim while leased = %+v; want none", got)
		}
		next, err := s.NextCheck(ctx)
		if err != nil || !next.Equal(t0.Add(time.Minute)) {
			t.Errorf("NextCheck while leased = %v, %v; want the lease end %v", next, err, t0.Add(time.Minute))
		}
		// a's poll is recorded: its lease ends, its next check applies.
		if err := s.RecordFetch(ctx, "a", store.FetchOutcome{CheckedAt: t0, NextCheckAt: t0.Add(10 * time.Second)}); err != nil {
			t.Fatal(err)
		}
		// b is released (shutdown cut its fetch): due again at once.
		if err := s.ReleaseSource(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		got, _ = s.ClaimSources(ctx, t0.Add(10*time.Second), 10, time.Minute)
		if len(got) != 2 {
			t.Fatalf("after record and release, claim = %+v; want a and b", got)
		}
		// Nobody records anything (the poller died): the leases run out.
		if got, _ = s.ClaimSources(ctx, t0.Add(71*time.Second), 10, time.Minute); len(got) != 2 {
			t.Fatalf("after the leases ran out, claim = %+v; want a and b", got)
		}
	})
}

// TestClaimOutbox: claimed rows are not claimed again until settled or
// released, an incident's later event waits for the earlier one even while
// that one is claimed, and concurrent claimers never share a row.
func TestClaimOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		inc := testIncident("inc-1")
		a1 := alerts.Alert{ID: "inc-1/1-opened", Kind: alerts.Opened, Incident: inc, At: t0}
		inc.Seq = 2
		a2 := alerts.Alert{ID: "inc-1/2-updated", Kind: alerts.Updated, Incident: inc, At: t0}
		if err := s.Apply(ctx, store.Batch{Incidents: []alerts.Incident{inc}, Alerts: []alerts.Alert{a1, a2}, Notifiers: []string{"n"}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.ClaimOutbox(ctx, t0, 10, []string{"n"}, time.Minute)
		if err != nil || len(got) != 1 || got[0].Alert.ID != a1.ID {
			t.Fatalf("claim = %+v, %v; want only the opening", got, err)
		}
		if got, _ = s.ClaimOutbox(ctx, t0, 10, []string{"n"}, time.Minute); len(got) != 0 {
			t.Fatalf("claim while the opening is leased = %+v; want none (the update waits behind it)", got)
		}
		if err := s.ReleaseOutbox(ctx, a1.ID, "n"); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.ClaimOutbox(ctx, t0, 10, []string{"n"}, time.Minute); len(got) != 1 || got[0].Alert.ID != a1.ID {
			t.Fatalf("claim after release = %+v; want the opening again", got)
		}
		if oldest, err := s.OldestPending(ctx, []string{"n"}); err != nil || !oldest.Equal(t0) {
			t.Errorf("OldestPending = %v, %v; want %v", oldest, err, t0)
		}
		if err := s.MarkSent(ctx, a1.ID, "n", t0); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.ClaimOutbox(ctx, t0, 10, []string{"n"}, time.Minute); len(got) != 1 || got[0].Alert.ID != a2.ID {
			t.Fatalf("claim after the opening was sent = %+v; want the update", got)
		}

		// Many rows, four claimers at once: every row is claimed exactly once.
		var batch store.Batch
		for i := range 40 {
			in := testIncident(fmt.Sprintf("inc-c%02d", i))
			batch.Incidents = append(batch.Incidents, in)
			batch.Alerts = append(batch.Alerts, alerts.Alert{ID: in.ID + "/1-opened", Kind: alerts.Opened, Incident: in, At: t0})
		}
		batch.Notifiers = []string{"c"}
		if err := s.Apply(ctx, batch); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					items, err := s.ClaimOutbox(ctx, t0, 3, []string{"c"}, time.Hour)
					if err != nil {
						t.Error(err)
						return
					}
					if len(items) == 0 {
						return
					}
					mu.Lock()
					for _, it := range items {
						seen[it.Alert.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != 40 {
			t.Errorf("concurrent claimers took %d distinct rows; want 40", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("row %s claimed %d times", id, n)
			}
		}
	})
}

// TestReleaseAllClaims: a single-process store releases, at start, what a
// crash left claimed.
func TestReleaseAllClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.SyncSources(ctx, []store.SourceSpec{{ID: "a", Kind: "feed", URL: "http://127.0.0.1/a", Interval: time.Minute}}); err != nil {
			t.Fatal(err)
		}
		inc := testIncident("inc-r")
		if err := s.Apply(ctx, store.Batch{Incidents: []alerts.Incident{inc}, Alerts: []alerts.Alert{{ID: "inc-r/1-opened", Kind: alerts.Opened, Incident: inc, At: t0}}, Notifiers: []string{"n"}}); err != nil {
			t.Fatal(err)
		}
		if src, _ := s.ClaimSources(ctx, t0, 1, time.Hour); len(src) != 1 {
			t.Fatal("no source claimed")
		}
		if rows, _ := s.ClaimOutbox(ctx, t0, 1, []string{"n"}, time.Hour); len(rows) != 1 {
			t.Fatal("no row claimed")
		}
		if err := s.ReleaseAllClaims(ctx); err != nil {
			t.Fatal(err)
		}
		src, _ := s.ClaimSources(ctx, t0, 1, time.Hour)
		rows, _ := s.ClaimOutbox(ctx, t0, 1, []string{"n"}, time.Hour)
		if len(src) != 1 || len(rows) != 1 {
			t.Errorf("after ReleaseAllClaims: %d sources, %d rows claimable; want 1 and 1", len(src), len(rows))
		}
	})
}

func TestProbe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Probe(ctx, t0); err != nil {
			t.Fatal(err)
		}
		if _, at, ok, err := s.Meta(ctx, store.MetaHeartbeat); err != nil || !ok || !at.Equal(t0) {
			t.Errorf("heartbeat = %v, %v, %v", at, ok, err)
		}
	})
}

package poller_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

// TestLoad1000FeedsReplicas is the 1,000-feed load on PostgreSQL polled by
// 1, 2 and 3 replicas (each its own store pool, identity and scheduler
// with 16 workers, as `tocsin run` has; in this one process, so on the
// same two cores). It logs, per replica count, the time until every feed
// has been polled once (50,000 new reports scored and stored; one report
// in 50 alerts, all about one event, so every feed's batch is decided
// under the decision lock), the time of a second cycle
// with nothing new, and how many feeds each replica polled. It asserts
// only correctness: every feed polled, every report stored once, the one
// event one incident with one event per alerting report.
//
//	TOCSIN_LOAD=1 TOCSIN_TEST_POSTGRES_DSN=... go test -run TestLoad1000FeedsReplicas -v ./poller/
func TestLoad1000FeedsReplicas(t *testing.T) {
	if os.Getenv(envLoad) == "" {
		t.Skip("set " + envLoad + "=1 to run the load measurement")
	}
	const feeds, items = 1000, 50
	srv := loadFeedServer(t, feeds, items)
	for _, n := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("%d replicas", n), func(t *testing.T) {
			dsn, ok := storetest.PostgresDSN(t)
			if !ok {
				t.Skip(storetest.EnvPostgres + " not set")
			}
			loadReplicas(t, dsn, srv.URL, n, feeds, items)
		})
	}
}

func loadReplicas(t *testing.T, dsn, base string, n, feeds, items int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var specs []store.SourceSpec
	for f := range feeds {
		specs = append(specs, store.SourceSpec{ID: fmt.Sprintf("feed-%04d", f), Kind: poller.KindFeed,
			URL: fmt.Sprintf("%s/feed/%d", base, f), Interval: time.Hour})
	}
	stores := make([]*store.Store, n)
	for i := range stores {
		s, err := store.OpenWith(ctx, dsn, store.Options{Exclusive: true, Holder: fmt.Sprintf("load-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	if err := stores[0].SyncSources(ctx, specs); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	start := time.Now()
	for _, s := range stores {
		p, err := poller.New(poller.Options{Store: s, Scorer: &kwScorer{}, Policy: alerts.DefaultPolicy(), Notifiers: []string{"rec"},
			Workers: 16, Backoff: func(int) time.Duration { return time.Minute },
			Fetcher: &poller.Sources{Feed: feed.NewFetcher(feed.Options{Timeout: 30 * time.Second, PerHostConcurrency: 64})}})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); p.Run(ctx, "@every 1s") }()
	}
	defer func() { cancel(); wg.Wait() }()
	first := waitPolled(t, db, feeds, 0, start)
	perReplica := pollsBy(t, db)
	// A second cycle: every feed due again, nothing new in any.
	mark := time.Now()
	if _, err := db.Exec(`UPDATE sources SET next_check_at = 0`); err != nil {
		t.Fatal(err)
	}
	second := waitPolled(t, db, feeds, mark.UnixMilli(), mark)
	var reports, incidents, alertsN int
	if err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM incidents), (SELECT COUNT(*) FROM outbox)`).
		Scan(&reports, &incidents, &alertsN); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d replicas x 16 workers: first cycle (%d feeds, %d new reports, %d incidents) %v; idle cycle %v; feeds per replica (first cycle) %s",
		n, feeds, reports, incidents, first.Round(time.Millisecond), second.Round(time.Millisecond), perReplica)
	// Every feed's escalations are one story (Aleppo): one incident, opened
	// once and updated by each of the other 999 reports of it.
	if reports != feeds*items || incidents != 1 || alertsN != feeds*items/50 {
		t.Errorf("stored %d reports, %d incidents, %d events; want %d, 1, %d", reports, incidents, alertsN, feeds*items, feeds*items/50)
	}
}

// waitPolled waits until every feed has been checked after since (Unix
// ms) and returns how long that took from start.
func waitPolled(t *testing.T, db *sql.DB, feeds int, since int64, start time.Time) time.Duration {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute) // failure guard only
	for {
		var done int
		if err := db.QueryRow(`SELECT COUNT(*) FROM sources WHERE last_success_at > $1`, since).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done == feeds {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d feeds polled", done, feeds)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pollsBy counts the feeds each replica claimed last.
func pollsBy(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT lease_holder, COUNT(*) FROM sources GROUP BY lease_holder`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var h string
		var c int
		if err := rows.Scan(&h, &c); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf("%s=%d", h, c))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

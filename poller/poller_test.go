package poller_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

// TestEndToEndIncidentLifecycle drives two loopback feeds whose items change
// between polls through the whole pipeline and checks what the notifier
// sees: one "opened" per incident, an "updated" when another outlet reports
// it, an "escalated" when severity rises, a "resolved" on de-escalation, and
// nothing at all for polls that bring nothing new.
//
// It runs on SQLite and, when TOCSIN_TEST_POSTGRES_DSN is set, PostgreSQL.
func TestEndToEndIncidentLifecycle(t *testing.T) {
	storetest.Each(t, lifecycle)
}

func lifecycle(t *testing.T, s *store.Store) {
	clock := newClock()
	rig := newRig(t, s, clock, rigOptions{})
	wire := newFeed(t, "Wire", item{"w1", "Rebels storm Aleppo", "Rebel fighters storm the city of Aleppo on Friday.", t0})
	agency := newFeed(t, "Agency", item{"a0", "Markets", "Markets were calm in Kharkiv.", t0})
	addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": wire, "agency": agency})

	st := rig.cycle()
	if st.Sources != 2 || st.Scored != 2 || st.Events != 1 {
		t.Fatalf("first cycle = %+v; want 2 sources, 2 scored, 1 event", st)
	}
	rec := rig.notes[0]
	got := rec.kinds()
	if len(got) != 1 || !strings.HasPrefix(got[0], "opened:") {
		t.Fatalf("after first cycle notifier saw %v; want one opened", got)
	}
	incID := rec.alerts()[0].Incident.ID
	first := rec.alerts()[0]
	if first.Incident.Location != "Aleppo, Syria" || first.Incident.Summary == "" || len(first.Incident.Evidence) == 0 {
		t.Errorf("opened alert lacks place/summary/evidence: %+v", first.Incident)
	}

	// Same items again, sources due: fetched, nothing re-scored, nothing sent.
	clock.Advance(time.Minute)
	calls := rig.scorer.calls.Load()
	st = rig.cycle()
	if st.Sources != 2 || st.Scored != 0 || rig.scorer.calls.Load() != calls || len(rec.alerts()) != 1 {
		t.Fatalf("unchanged poll: %+v, scorer calls %d→%d, alerts %d", st, calls, rig.scorer.calls.Load(), len(rec.alerts()))
	}

	// Not due yet: nothing is fetched.
	hits := wire.hits.Load()
	clock.Advance(10 * time.Second)
	if st = rig.cycle(); st.Sources != 0 || wire.hits.Load() != hits {
		t.Fatalf("poll before interval: %+v", st)
	}

	// Another outlet reports the same event: updated, corroboration 2.
	clock.Advance(time.Minute)
	agency.set(item{"a1", "Aleppo under attack", "Insurgents storm districts of Aleppo, witnesses say.", clock.Now()})
	rig.cycle()
	last := rec.alerts()[len(rec.alerts())-1]
	if last.Kind != alerts.Updated || last.Incident.ID != incID || last.Incident.Corroboration != 2 {
		t.Fatalf("second outlet: got %s on %s with corroboration %d; want updated on %s with 2",
			last.Kind, last.Incident.ID, last.Incident.Corroboration, incID)
	}

	// The wire edits its story (same GUID, new text) with an airstrike:
	// re-scored because the content changed, and escalated.
	clock.Advance(time.Minute)
	wire.set(item{"w1", "Rebels storm Aleppo", "Rebel fighters storm Aleppo. An airstrike hit the city centre.", t0})
	st = rig.cycle()
	last = rec.alerts()[len(rec.alerts())-1]
	if st.Scored != 1 || last.Kind != alerts.Escalated || last.PrevSeverity.String() != "high" || last.Incident.Severity.String() != "critical" {
		t.Fatalf("edit with airstrike: scored %d, last %s %v→%v", st.Scored, last.Kind, last.PrevSeverity, last.Incident.Severity)
	}

	// The airport reopens: resolved.
	clock.Advance(time.Minute)
	agency.set(item{"a2", "Flights resume", "Aleppo airport reopened on Monday.", clock.Now()})
	rig.cycle()
	want := []string{"opened:" + incID, "updated:" + incID, "escalated:" + incID, "resolved:" + incID}
	if got := rec.kinds(); !slices.Equal(got, want) {
		t.Fatalf("notifier saw %v; want %v", got, want)
	}

	// Every scored report kept its evidence and rules version.
	res, err := s.LatestScore(context.Background(), "guid:wire:w1")
	if err != nil || res.RulesVersion != "kw-1" || len(res.Evidence) != 2 {
		t.Errorf("stored score = %+v, %v", res, err)
	}
	ids, _ := s.IncidentReports(context.Background(), incID)
	if len(ids) != 3 {
		t.Errorf("incident reports = %v; want w1, a1, a2", ids)
	}
}

// TestRestartResendsNothingLosesNothing: a second "process" on the same
// SQLite file sends what the first left pending (its notifier was down) and
// never what it sent.
func TestRestartResendsNothingLosesNothing(t *testing.T) {
	s, path := sqliteStore(t)
	clock := newClock()
	ok := &recorder{name: "console"}
	down := &recorder{name: "discord", failNext: 1, retry: true}
	rig := newRig(t, s, clock, rigOptions{notifiers: []*recorder{ok, down}})
	wire := newFeed(t, "Wire", item{"w1", "Rebels storm Aleppo", "Rebel fighters storm Aleppo.", t0})
	addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": wire})
	rig.cycle()
	if len(ok.alerts()) != 1 || len(down.alerts()) != 0 {
		t.Fatalf("before restart: console %d, discord %d", len(ok.alerts()), len(down.alerts()))
	}
	s.Close()

	s2 := reopen(t, path)
	ok2, up2 := &recorder{name: "console"}, &recorder{name: "discord"}
	rig2 := newRig(t, s2, clock, rigOptions{notifiers: []*recorder{ok2, up2}})
	clock.Advance(2 * time.Minute) // past the retry backoff and the poll interval
	rig2.cycle()
	if len(ok2.alerts()) != 0 {
		t.Errorf("restart re-sent %d alerts to console", len(ok2.alerts()))
	}
	if len(up2.alerts()) != 1 || up2.alerts()[0].Kind != alerts.Opened {
		t.Errorf("restart did not deliver the pending discord alert: %v", up2.kinds())
	}
	depth, _ := s2.OutboxDepth(context.Background())
	if depth[store.OutboxPending] != 0 || depth[store.OutboxSent] != 2 {
		t.Errorf("outbox after restart = %v", depth)
	}
}

// TestBacklogOfNewSourceDoesNotAlert: adding a feed with old items stores
// them without alerting; a fresh item afterwards alerts.
func TestBacklogOfNewSourceDoesNotAlert(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	rig := newRig(t, s, clock, rigOptions{})
	old := clock.Now().Add(-72 * time.Hour)
	wire := newFeed(t, "Wire",
		item{"o1", "Rebels storm Aleppo", "Rebel fighters storm Aleppo.", old},
		item{"o2", "Airstrike in Kharkiv", "An airstrike hit Kharkiv.", old})
	addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": wire})
	st := rig.cycle()
	if st.Scored != 2 || st.Events != 0 || len(rig.notes[0].alerts()) != 0 {
		t.Fatalf("backlog poll: %+v, alerts %v", st, rig.notes[0].kinds())
	}
	clock.Advance(time.Minute)
	wire.set(item{"n1", "Kharkiv airstrike", "An airstrike hit Kharkiv overnight.", clock.Now()})
	rig.cycle()
	if got := rig.notes[0].kinds(); len(got) != 1 || !strings.HasPrefix(got[0], "opened:") {
		t.Fatalf("fresh item after backlog: %v", got)
	}
}

// TestBrokenSourceBacksOffAndDoesNotStallOthers: a 500 grows the streak and
// pushes the next poll out exponentially; the healthy feed still alerts.
func TestBrokenSourceBacksOffAndDoesNotStallOthers(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	rig := newRig(t, s, clock, rigOptions{})
	bad := newFeed(t, "Bad")
	bad.fail(500)
	good := newFeed(t, "Good", item{"g1", "Rebels storm Aleppo", "Rebel fighters storm Aleppo.", t0})
	addFeeds(t, s, 10*time.Second, map[string]*feedServer{"bad": bad, "good": good})
	st := rig.cycle()
	if st.Failed != 1 || len(rig.notes[0].alerts()) != 1 {
		t.Fatalf("first cycle = %+v, alerts %d", st, len(rig.notes[0].alerts()))
	}
	ctx := context.Background()
	var nexts []time.Duration
	for i := 0; i < 3; i++ {
		src, _ := s.Source(ctx, "bad")
		nexts = append(nexts, src.NextCheckAt.Sub(clock.Now()))
		clock.Advance(src.NextCheckAt.Sub(clock.Now()))
		rig.cycle()
	}
	src, _ := s.Source(ctx, "bad")
	if src.ErrorStreak != 4 || src.LastError == "" || !src.LastSuccessAt.IsZero() {
		t.Errorf("bad source after 4 failures = streak %d, err %q", src.ErrorStreak, src.LastError)
	}
	// Backoff base 1m: 1m, 2m, 4m (the 10s interval is the floor).
	if nexts[0] != time.Minute || nexts[1] != 2*time.Minute || nexts[2] != 4*time.Minute {
		t.Errorf("backoff delays = %v; want 1m 2m 4m", nexts)
	}
	bad.fail(0)
	bad.set(item{"b1", "Kharkiv airstrike", "An airstrike hit Kharkiv.", clock.Now()})
	clock.Advance(src.NextCheckAt.Sub(clock.Now()))
	rig.cycle()
	src, _ = s.Source(ctx, "bad")
	if src.ErrorStreak != 0 || src.LastError != "" || len(rig.notes[0].alerts()) != 2 {
		t.Errorf("recovered source: streak %d err %q alerts %v", src.ErrorStreak, src.LastError, rig.notes[0].kinds())
	}
}

// TestDeliveryRetriesAndGivesUp: retryable failures are retried with backoff
// and delivered once; a permanent failure is marked failed and not retried.
func TestDeliveryRetriesAndGivesUp(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	flaky := &recorder{name: "flaky", failNext: 2, retry: true}
	broken := &recorder{name: "broken", failNext: 100, retry: false}
	rig := newRig(t, s, clock, rigOptions{notifiers: []*recorder{flaky, broken}})
	wire := newFeed(t, "Wire", item{"w1", "Rebels storm Aleppo", "Rebel fighters storm Aleppo.", t0})
	addFeeds(t, s, time.Hour, map[string]*feedServer{"wire": wire})
	rig.cycle()
	for i := 0; i < 5; i++ {
		clock.Advance(time.Minute)
		rig.cycle()
	}
	if len(flaky.alerts()) != 1 {
		t.Errorf("flaky notifier got %d alerts; want exactly 1", len(flaky.alerts()))
	}
	rows, _ := s.OutboxFor(context.Background(), flaky.alerts()[0].ID)
	for _, r := range rows {
		switch r.Notifier {
		case "flaky":
			if r.State != store.OutboxSent || r.Attempts != 3 {
				t.Errorf("flaky row = %s after %d attempts; want sent after 3", r.State, r.Attempts)
			}
		case "broken":
			if r.State != store.OutboxFailed || r.Attempts != 1 || broken.failNext != 99 {
				t.Errorf("broken row = %s after %d attempts (calls %d); want failed after 1", r.State, r.Attempts, 100-broken.failNext)
			}
		}
	}
}

// TestSilenceSuppressesAndExpires: a place silence holds back the opened
// event; after it expires the next report announces the incident.
func TestSilenceSuppressesAndExpires(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	rig := newRig(t, s, clock, rigOptions{})
	err := s.PutSilence(context.Background(), alerts.Silence{ID: "s1", Kind: alerts.SilencePlace, Value: "Aleppo",
		ExpiresAt: clock.Now().Add(30 * time.Minute), Author: "ops", Reason: "drill", CreatedAt: clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	wire := newFeed(t, "Wire", item{"w1", "Rebels storm Aleppo", "Rebel fighters storm Aleppo.", t0})
	agency := newFeed(t, "Agency")
	addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": wire, "agency": agency})
	rig.cycle()
	if n := len(rig.notes[0].alerts()); n != 0 {
		t.Fatalf("silenced place alerted %d times", n)
	}
	clock.Advance(time.Hour)
	agency.set(item{"a1", "Aleppo", "Fighters storm Aleppo's east.", clock.Now()})
	rig.cycle()
	if got := rig.notes[0].kinds(); len(got) != 1 || !strings.HasPrefix(got[0], "opened:") {
		t.Fatalf("after silence expired: %v; want one opened", got)
	}
}

// TestQuietIncidentResolves: no news for QuietAfter resolves the incident.
func TestQuietIncidentResolves(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	pol := alerts.DefaultPolicy()
	pol.QuietAfter = 2 * time.Hour
	rig := newRig(t, s, clock, rigOptions{policy: &pol})
	wire := newFeed(t, "Wire", item{"w1", "Rebels storm Aleppo", "Rebel fighters storm Aleppo.", t0})
	addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": wire})
	rig.cycle()
	clock.Advance(time.Hour)
	if st := rig.cycle(); st.Resolved != 0 {
		t.Fatalf("resolved too early")
	}
	clock.Advance(90 * time.Minute)
	if st := rig.cycle(); st.Resolved != 1 {
		t.Fatalf("quiet incident not resolved: %+v", st)
	}
	if got := rig.notes[0].kinds(); len(got) != 2 || !strings.HasPrefix(got[1], "resolved:") {
		t.Fatalf("notifier saw %v", got)
	}
}

// TestFaultySourcesDoNotStallOthers: a source that never answers (timeout),
// one that serves malformed XML and one that is unreachable are each
// recorded with their error while the healthy feed in the same tick alerts.
func TestFaultySourcesDoNotStallOthers(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	rig := newRig(t, s, clock, rigOptions{fetchTimeout: 300 * time.Millisecond})
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	junk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte("<rss><channel><item><title>unterminated"))
	}))
	defer junk.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // connection refused from now on
	good := newFeed(t, "Good", item{"g1", "Rebels storm Aleppo", "Rebel fighters storm Aleppo.", t0})
	err := s.SyncSources(context.Background(), []store.SourceSpec{
		{ID: "slow", Kind: "feed", URL: slow.URL, Interval: time.Minute},
		{ID: "junk", Kind: "feed", URL: junk.URL, Interval: time.Minute},
		{ID: "dead", Kind: "feed", URL: deadURL, Interval: time.Minute},
		{ID: "good", Kind: "feed", URL: good.URL, Interval: time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	st := rig.cycle()
	if st.Sources != 4 || st.Failed != 3 || len(rig.notes[0].alerts()) != 1 {
		t.Fatalf("tick = %+v, alerts %d; want 4 polled, 3 failed, 1 alert", st, len(rig.notes[0].alerts()))
	}
	for _, id := range []string{"slow", "junk", "dead"} {
		src, _ := s.Source(context.Background(), id)
		if src.ErrorStreak != 1 || src.LastError == "" || !src.NextCheckAt.After(clock.Now()) {
			t.Errorf("%s: streak %d, error %q, next %v", id, src.ErrorStreak, src.LastError, src.NextCheckAt)
		}
	}
}

// TestEventsOfAnIncidentStayInOrder: while "opened" waits for a retry, the
// incident's "updated" waits behind it instead of overtaking it.
func TestEventsOfAnIncidentStayInOrder(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	flaky := &recorder{name: "flaky", failNext: 1, retry: true}
	rig := newRig(t, s, clock, rigOptions{notifiers: []*recorder{flaky}})
	wire := newFeed(t, "Wire", item{"w1", "Rebels storm Aleppo", "Rebel fighters storm Aleppo.", t0})
	agency := newFeed(t, "Agency")
	addFeeds(t, s, 100*time.Millisecond, map[string]*feedServer{"wire": wire, "agency": agency})
	rig.cycle() // opened recorded, delivery fails, retry in 1s
	clock.Advance(200 * time.Millisecond)
	agency.set(item{"a1", "Aleppo", "Fighters storm Aleppo's east.", clock.Now()})
	rig.cycle() // updated recorded; opened not yet due
	if got := flaky.kinds(); len(got) != 0 {
		t.Fatalf("delivered %v while opened was waiting for its retry", got)
	}
	clock.Advance(2 * time.Second)
	rig.cycle()
	got := flaky.kinds()
	if len(got) != 2 || !strings.HasPrefix(got[0], "opened:") || !strings.HasPrefix(got[1], "updated:") {
		t.Fatalf("delivered %v; want opened then updated", got)
	}
}

// TestInhibitionHoldsBackLowerIncidents: with the rule "a critical incident
// holds back lower ones in its place", a high incident in Kharkiv opened
// while a critical one is announced there is tracked but not delivered;
// one elsewhere is delivered, and without the rule both are.
func TestInhibitionHoldsBackLowerIncidents(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule bool
		want int // opened events delivered
	}{{"with rule", true, 2}, {"without rule", false, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := sqliteStore(t)
			clock := newClock()
			pol := alerts.DefaultPolicy()
			pol.RepeatInterval = 0
			if tc.rule {
				pol.Inhibit = []alerts.InhibitRule{{Source: alerts.Selector{MinSeverity: rules.SevCritical},
					Target: alerts.Selector{MaxSeverity: rules.SevHigh}, Equal: []string{"place"}}}
			}
			rig := newRig(t, s, clock, rigOptions{policy: &pol})
			wire := newFeed(t, "Wire", item{"w1", "Airstrike on Kharkiv", "An airstrike hit Kharkiv.", t0})
			addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": wire})
			rig.cycle()
			clock.Advance(2 * time.Minute)
			wire.set(item{"w1", "Airstrike on Kharkiv", "An airstrike hit Kharkiv.", t0},
				item{"w2", "Troops storm Kharkiv suburb", "Troops storm a Kharkiv suburb.", clock.Now()},
				item{"w3", "Troops storm Aleppo", "Troops storm Aleppo.", clock.Now()})
			rig.cycle()
			got := rig.notes[0].kinds()
			if len(got) != tc.want {
				t.Fatalf("delivered %v, want %d opened events", got, tc.want)
			}
			open, err := s.OpenIncidents(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(open) != 3 {
				t.Errorf("%d open incidents, want 3 (an inhibited one is still tracked)", len(open))
			}
			for _, inc := range open {
				if inc.Location == "Kharkiv, Ukraine" && inc.Severity == rules.SevHigh && inc.Alerted == tc.rule {
					t.Errorf("the high Kharkiv incident: alerted=%v with rule=%v", inc.Alerted, tc.rule)
				}
			}
		})
	}
}

package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

// pgReplicas opens n stores on one fresh PostgreSQL schema, each as its own
// replica (pool, identity). It fails the test when TOCSIN_TEST_POSTGRES_DSN
// is unset: these tests are about PostgreSQL and count only when they run.
func pgReplicas(t *testing.T, n int) (string, []*store.Store) {
	t.Helper()
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip(storetest.EnvPostgres + " not set: replicas need PostgreSQL")
	}
	out := make([]*store.Store, n)
	for i := range out {
		s, err := store.OpenWith(context.Background(), dsn, store.Options{Exclusive: true, Holder: fmt.Sprintf("replica-%d", i)})
		if err != nil {
			t.Fatalf("open replica %d: %v", i, err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return dsn, out
}

// TestMigrationsTwoReplicasAtOnce starts two replicas at the same instant
// on an empty schema, ten times: both come up, at the latest version (one
// migrates, the other waits for the migration lock and finds it done).
func TestMigrationsTwoReplicasAtOnce(t *testing.T) {
	for round := range 10 {
		dsn, ok := storetest.PostgresDSN(t)
		if !ok {
			t.Skip(storetest.EnvPostgres + " not set")
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		stores := make([]*store.Store, 2)
		start := make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				stores[i], errs[i] = store.OpenWith(context.Background(), dsn, store.Options{Exclusive: true, Holder: fmt.Sprint("r", i)})
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: replica %d did not come up: %v", round, i, err)
			}
			v, err := stores[i].SchemaVersion(context.Background())
			if err != nil || v != store.LatestSchemaVersion() {
				t.Errorf("round %d: replica %d schema version %d, %v; want %d", round, i, v, err, store.LatestSchemaVersion())
			}
			stores[i].Close()
		}
	}
}

// TestNewerSchemaRefused: a binary older than the schema refuses to start
// on it, saying which versions are in play, and touches nothing.
func TestNewerSchemaRefused(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, err := store.Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		newer := store.LatestSchemaVersion() + 1
		s.Close()
		driver, q := "sqlite", `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 0)`
		if strings.HasPrefix(dsn, "postgres") {
			driver, q = "pgx", strings.Replace(q, "?", "$1", 1)
		}
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, q, newer); err != nil {
			t.Fatal(err)
		}
		db.Close()
		_, err = store.Open(ctx, dsn, nil)
		if !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("open on a newer schema: %v; want ErrSchemaTooNew", err)
		}
		if msg := err.Error(); !strings.Contains(msg, fmt.Sprint("schema version ", newer)) ||
			!strings.Contains(msg, fmt.Sprint("up to ", store.LatestSchemaVersion())) || !strings.Contains(msg, "newer tocsin") {
			t.Errorf("message %q does not say which versions are in play", msg)
		}
	})
}

// TestSQLiteSecondProcessRefused: a SQLite store opened for a service is
// refused to a second one, with a message naming the first; a reader
// (tocsin status) may still open it; once the first closes, the second
// comes up.
func TestSQLiteSecondProcessRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tocsin.db")
	ctx := context.Background()
	first, err := store.OpenWith(ctx, path, store.Options{Exclusive: true, Holder: "first-replica"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.OpenWith(ctx, path, store.Options{Exclusive: true, Holder: "second"})
	if !errors.Is(err, store.ErrInUse) {
		t.Fatalf("second service on the file: %v; want ErrInUse", err)
	}
	for _, want := range []string{"first-replica", path + ".lock", "PostgreSQL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not name %q", err, want)
		}
	}
	reader, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("a reader beside the service: %v", err)
	}
	reader.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err := store.OpenWith(ctx, path, store.Options{Exclusive: true, Holder: "second"})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	second.Close()
}

// TestDecideSerialisesReplicas: while one replica's decision holds the
// decision lock, another replica's decision waits for it (seen in
// pg_locks, not guessed from time), then sees what the first committed:
// the report of the same event joins the first one's incident.
func TestDecideSerialisesReplicas(t *testing.T) {
	dsn, rs := pgReplicas(t, 2)
	ctx := context.Background()
	a, b := rs[0], rs[1]
	inside := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var errA error
	go func() {
		defer wg.Done()
		errA = a.Decide(ctx, func(st store.DecisionState) (store.Batch, error) {
			open, err := st.OpenIncidents(ctx)
			if err != nil || len(open) != 0 {
				return store.Batch{}, fmt.Errorf("open incidents at first = %v, %v", open, err)
			}
			close(inside)
			<-release
			return store.Batch{Incidents: []alerts.Incident{testIncident("inc-a")}}, nil
		})
	}()
	<-inside
	seen := make(chan []alerts.Incident, 1)
	wg.Add(1)
	var errB error
	go func() {
		defer wg.Done()
		errB = b.Decide(ctx, func(st store.DecisionState) (store.Batch, error) {
			open, err := st.OpenIncidents(ctx)
			seen <- open
			return store.Batch{}, err
		})
	}()
	waitForLockWaiter(t, dsn)
	select {
	case open := <-seen:
		t.Fatalf("the second decision ran while the first held the lock (saw %d incidents)", len(open))
	default:
	}
	close(release)
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("decisions: %v, %v", errA, errB)
	}
	if open := <-seen; len(open) != 1 || open[0].ID != "inc-a" {
		t.Fatalf("the second decision saw %v; want the first one's incident", open)
	}
}

// waitForLockWaiter waits until a session of the test's schema waits for
// the decision lock.
func waitForLockWaiter(t *testing.T, dsn string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second) // failure guard only
	for {
		var n int
		err := db.QueryRow(`WITH k AS (SELECT hashtextextended('tocsin/decide/' || current_schema(), 0) AS key)
			SELECT COUNT(*) FROM pg_locks l, k WHERE l.locktype = 'advisory' AND NOT l.granted
				AND l.classid::bigint = ((k.key >> 32) & 4294967295) AND l.objid::bigint = (k.key & 4294967295)`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no session ever waited for the decision lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestElectorOneLeaderAndFailover: of three replicas exactly one leads;
// when its election session is cut (pg_terminate_backend, as a crash or a
// PostgreSQL restart would), it stops leading and another takes over; a
// leader that shuts down hands over too. The failover times are logged.
func TestElectorOneLeaderAndFailover(t *testing.T) {
	dsn, rs := pgReplicas(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type replica struct {
		e      *store.Elector
		cancel context.CancelFunc
		done   chan struct{}
	}
	var mu sync.Mutex
	terms := map[int]int{}
	reps := make([]*replica, len(rs))
	for i, s := range rs {
		rctx, rcancel := context.WithCancel(ctx)
		r := &replica{e: s.NewElector(store.ElectorOptions{Interval: 100 * time.Millisecond}), cancel: rcancel, done: make(chan struct{})}
		reps[i] = r
		go func() {
			defer close(r.done)
			r.e.Run(rctx, func(c context.Context) {
				mu.Lock()
				terms[i]++
				mu.Unlock()
				<-c.Done()
			})
		}()
	}
	leaders := func() []int {
		var out []int
		for i, r := range reps {
			if r.e.IsLeader() {
				out = append(out, i)
			}
		}
		return out
	}
	waitLeader := func(not int, start time.Time) (int, time.Duration) {
		t.Helper()
		for deadline := start.Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if l := leaders(); len(l) == 1 && l[0] != not {
				return l[0], time.Since(start)
			}
		}
		t.Fatalf("no single new leader; leaders now %v", leaders())
		return -1, 0
	}
	first, took := waitLeader(-1, time.Now())
	t.Logf("first leader: replica %d after %v", first, took.Round(time.Millisecond))
	info, err := rs[0].Leader(ctx)
	if err != nil || info.Holder != fmt.Sprint("replica-", first) {
		t.Errorf("Leader() = %+v, %v; want replica-%d", info, err, first)
	}

	// Cut the leader's election session.
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	cut := time.Now()
	if _, err := admin.Exec(`SELECT pg_terminate_backend($1)`, int(reps[first].e.SessionPID())); err != nil {
		t.Fatal(err)
	}
	second, took := waitLeader(first, cut)
	t.Logf("session of leader %d cut: replica %d leads after %v (interval 100ms)", first, second, took.Round(time.Millisecond))

	// The leader shuts down: it gives the lock up, a third takes over.
	stop := time.Now()
	reps[second].cancel()
	<-reps[second].done
	third, took := waitLeader(second, stop)
	t.Logf("leader %d shut down: replica %d leads after %v", second, third, took.Round(time.Millisecond))
	if n := len(leaders()); n != 1 {
		t.Errorf("%d leaders at the end; want 1", n)
	}
	cancel()
	for _, r := range reps {
		<-r.done
	}
	mu.Lock()
	defer mu.Unlock()
	if terms[first] < 1 || terms[second] < 1 {
		t.Errorf("lead callbacks ran %v; want the first two leaders to have run theirs", terms)
	}
}

// TestElectorSQLiteLeads: the one process of a SQLite store leads.
func TestElectorSQLiteLeads(t *testing.T) {
	s, _ := storetest.SQLite(t)
	ctx, cancel := context.WithCancel(context.Background())
	e := s.NewElector(store.ElectorOptions{})
	led := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx, func(c context.Context) { close(led); <-c.Done() }) }()
	<-led
	if !e.IsLeader() {
		t.Error("a SQLite store's process does not lead")
	}
	cancel()
	<-done
	if e.IsLeader() {
		t.Error("still leader after Run returned")
	}
}

// TestHoldings: each replica's claims are its own, by identity.
func TestHoldings(t *testing.T) {
	_, rs := pgReplicas(t, 2)
	ctx := context.Background()
	var specs []store.SourceSpec
	for i := range 4 {
		specs = append(specs, store.SourceSpec{ID: fmt.Sprint("s", i), Kind: "feed", URL: "http://127.0.0.1/", Interval: time.Minute})
	}
	if err := rs[0].SyncSources(ctx, specs); err != nil {
		t.Fatal(err)
	}
	a, err := rs[0].ClaimSources(ctx, t0, 3, time.Minute)
	if err != nil || len(a) != 3 {
		t.Fatalf("replica 0 claimed %v, %v", a, err)
	}
	b, err := rs[1].ClaimSources(ctx, t0, 3, time.Minute)
	if err != nil || len(b) != 1 {
		t.Fatalf("replica 1 claimed %v, %v; want the one left", b, err)
	}
	h, err := rs[1].Holdings(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(h["replica-0"].Sources) != 3 || len(h["replica-1"].Sources) != 1 || h["replica-1"].Sources[0] != b[0].ID {
		t.Errorf("holdings = %+v", h)
	}
	if h, _ := rs[0].Holdings(ctx, t0.Add(2*time.Minute)); len(h) != 0 {
		t.Errorf("holdings after the leases ran out = %+v; want none", h)
	}
}

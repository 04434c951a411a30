package app_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/bot/discordtest"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

// clusterDSN is the test PostgreSQL schema for a replica test; the test is
// skipped without TOCSIN_TEST_POSTGRES_DSN (replicas need PostgreSQL) and
// fails when it is set but unreachable.
func clusterDSN(t *testing.T) string {
	t.Helper()
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip(storetest.EnvPostgres + " not set: replicas need PostgreSQL")
	}
	return dsn
}

// TestReplicasStartTogether starts two replica processes at the same
// instant on an empty database, ten times: both come up every time (the
// migrations run under an advisory lock; before, one died on a duplicate
// key).
func TestReplicasStartTogether(t *testing.T) {
	for round := range 10 {
		dsn := clusterDSN(t)
		dir := t.TempDir()
		c := clusterConfig{dsn: dsn, feeds: []*rssFeed{newRSSFeed(t, "wire")}}
		var ps []*replicaProc
		for slot := range 2 {
			ps = append(ps, startReplica(t, dir, c, slot, 0, replicaSpec{id: fmt.Sprint("start-", slot), addr: freeAddr(t)}))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // failure guard only
		for _, p := range ps {
			if err := waitReady(ctx, p); err != nil {
				t.Fatalf("round %d: replica %d did not come up: %v\n%s", round, p.slot, err, p.logTail())
			}
		}
		cancel()
		for _, p := range ps {
			p.stop(t)
		}
	}
}

// story is one event reported three times on three feeds: twice as a high
// offensive (open, then corroborate), then as a critical one (escalate).
type story struct {
	city     string
	location string
	guids    [3]string
}

// storyCities returns n cities for which the built-in rules place the
// three reports of a story in the city itself and grade them high, high
// and critical: the test's stories, each an event at a place of its own.
// Computed, not listed, so a rules change that no longer reads them fails
// here, saying so, rather than in the cluster's assertions.
func storyCities(t *testing.T, n int) []story {
	t.Helper()
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	// The gazetteer's own city list (rules/geo/data), in its order.
	data, err := os.ReadFile("../rules/geo/data/cities.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var cities []string
	for _, ln := range strings.Split(string(data), "\n") {
		if cols := strings.Split(ln, "\t"); len(cols) > 2 && !strings.HasPrefix(ln, "#") {
			cities = append(cities, cols[1])
		}
	}
	var out []story
	for _, city := range cities {
		if len(out) == n {
			break
		}
		var locs [3]string
		ok := true
		for i, tx := range storyTexts(city) {
			res := set.Score(report.Report{Source: "x", GUID: "g", Title: tx[0], Text: tx[1]})
			want := rules.SevHigh
			if i == 2 {
				want = rules.SevCritical
			}
			ok = ok && res.Alert && res.Severity == want && strings.HasPrefix(res.Location, city+",") && slices.Contains(res.Categories, "offensive")
			locs[i] = res.Location
		}
		if ok && locs[0] == locs[1] && locs[1] == locs[2] && !slices.ContainsFunc(out, func(s story) bool { return s.location == locs[0] }) {
			out = append(out, story{city: city, location: locs[0]})
		}
	}
	if len(out) < n {
		t.Fatalf("only %d cities read as a story by the built-in rules; want %d", len(out), n)
	}
	return out
}

// storyTexts are a story's three reports (title, text).
func storyTexts(city string) [3][2]string {
	return [3][2]string{
		{"Rebels press their offensive toward " + city,
			"Rebel fighters pressed their offensive toward " + city + " on Sunday, seizing several villages, residents said."},
		{"Fighters push toward " + city + " in renewed offensive",
			"Rebel fighters pushed toward the city of " + city + " as their offensive went on, witnesses told reporters."},
		{"Army launches a large-scale offensive on " + city,
			"The army launched a large-scale ground offensive on " + city + " on Monday, with tanks and air support, officials said."},
	}
}

// TestReplicasKilledAtRandom runs three replica processes on one
// PostgreSQL store and one set of loopback feeds carrying 110 escalation
// stories that arrive over about 20 s (each story's first two reports on
// two feeds at the same instant, so two replicas decide about one event at
// once), kills replicas with SIGKILL at random moments (the leader among
// them) and restarts them, then checks what users would see: every story
// is one incident with its three reports; every alert event in the outbox
// was delivered, once, to the console (the replicas' stdout) and to the
// loopback Discord (one message per incident, one timeline line per
// update, one announcement per escalation); nothing is left pending. A
// non-leader answers Discord's HTTP interactions. The kill times are random
// with a seed that is logged (TOCSIN_CLUSTER_SEED repeats a run); no
// assertion depends on timing.
func TestReplicasKilledAtRandom(t *testing.T) {
	runScenario(t, scenario{prefix: "replica", stories: 110, replicas: 3, kills: 7})
}

// TestReplicasSurvivePostgresCuts is PostgreSQL going away under two
// replicas: four times while stories arrive, every connection of the
// replicas is cut (pg_terminate_backend, as a PostgreSQL restart does to
// its clients), the election sessions with them. Nothing is lost or
// doubled: the same checks as above, and no console double is excused
// (no replica is killed).
func TestReplicasSurvivePostgresCuts(t *testing.T) {
	runScenario(t, scenario{prefix: "cut", stories: 40, replicas: 2, cuts: 4})
}

// scenario is one replica test: stories over feeds, replicas, and what
// goes wrong meanwhile.
type scenario struct {
	prefix            string // replica ids are prefix-N (unique per test: pg_stat_activity is shared)
	stories, replicas int
	kills, cuts       int
}

const scenarioFeeds = 6

// cluster is a running scenario: the loopback Discord, the feeds, the
// replica processes (every incarnation in all, the running ones in live).
type cluster struct {
	t     *testing.T
	dir   string
	dsn   string
	emu   *discordtest.Server
	priv  ed25519.PrivateKey
	cfg   clusterConfig
	specs []replicaSpec
	live  []*replicaProc
	all   []*replicaProc
	// what happened, for the log
	kills, cuts   int
	leadersKilled []string
}

func runScenario(t *testing.T, sc scenario) {
	dsn := clusterDSN(t)
	seed := uint64(20261207)
	if v := os.Getenv("TOCSIN_CLUSTER_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (TOCSIN_CLUSTER_SEED=%d repeats this run)", seed, seed)
	rnd := mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	stories := storyCities(t, sc.stories)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := startCluster(t, dsn, sc)
	defer c.cleanup(seed)
	events := c.schedule(rnd, sc, stories, db)
	begin := time.Now()
	for _, ev := range events {
		time.Sleep(time.Until(begin.Add(ev.at)))
		ev.fn()
	}
	t.Logf("published %d reports of %d stories on %d feeds in %v; %d kills (leaders killed: %v), %d connection cuts",
		3*len(stories), len(stories), scenarioFeeds, time.Since(begin).Round(time.Millisecond), c.kills, c.leadersKilled, c.cuts)
	c.waitRecovered(db, 3*len(stories), begin)
	rctx, rcancel := context.WithTimeout(context.Background(), 60*time.Second) // failure guard only
	for _, p := range c.live {
		if err := waitReady(rctx, p); err != nil {
			t.Fatalf("replica %s not ready after recovery: %v", p.spec.id, err)
		}
	}
	rcancel()
	checkOneLeaderShown(t, c.live)
	checkNonLeaderAnswersInteractions(t, c.emu, c.priv, c.live)
	for i, p := range c.live {
		p.stop(t)
		c.live[i] = nil
	}
	reader, err := store.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	rows := outboxRows(t, db)
	incByLoc := checkOneIncidentPerStory(t, reader, stories)
	checkConsoleOnce(t, c.all, rows)
	checkDiscordOnce(t, c.emu, rows, incByLoc)
	// How often the windows these checks are about were hit: not asserted
	// (the kills are random), logged so a run shows what it tested.
	t.Logf("Discord openings resumed after a cut: %d; messages adopted after a crash: %d",
		logCount(t, c.all, "resuming an opening cut"), logCount(t, c.all, "adopted a message posted before a crash"))
}

// logCount counts the log lines of every incarnation that hold s.
func logCount(t *testing.T, procs []*replicaProc, s string) int {
	t.Helper()
	n := 0
	for _, p := range procs {
		b, err := os.ReadFile(p.stderr)
		if err != nil {
			t.Fatal(err)
		}
		n += strings.Count(string(b), s)
	}
	return n
}

func startCluster(t *testing.T, dsn string, sc scenario) *cluster {
	t.Helper()
	// Not t.TempDir: a failed run keeps the replicas' logs and outputs.
	dir, err := os.MkdirTemp("", "tocsin-"+sc.prefix+"s-")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, dir: dir, dsn: dsn}
	c.emu = discordtest.New(discordtest.Options{Token: e2eToken, Channels: []string{e2eChannel}, InteractionDeadline: time.Minute})
	t.Cleanup(c.emu.Close)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c.priv = priv
	feeds := make([]*rssFeed, scenarioFeeds)
	for i := range feeds {
		feeds[i] = newRSSFeed(t, fmt.Sprintf("wire-%d", i))
	}
	c.cfg = clusterConfig{dsn: dsn, feeds: feeds, discord: c.emu.URL(), appID: c.emu.AppID(), pubKey: pub}
	c.specs = make([]replicaSpec, sc.replicas)
	c.live = make([]*replicaProc, sc.replicas)
	for i := range c.specs {
		c.specs[i] = replicaSpec{id: fmt.Sprintf("%s-%d", sc.prefix, i), addr: freeAddr(t)}
		c.live[i] = startReplica(t, c.dir, c.cfg, i, 0, c.specs[i])
		c.all = append(c.all, c.live[i])
	}
	return c
}

func (c *cluster) cleanup(seed uint64) {
	for _, p := range c.live {
		if p != nil {
			p.kill()
		}
	}
	if !c.t.Failed() {
		os.RemoveAll(c.dir)
		return
	}
	c.t.Logf("seed %d; the replicas' logs (.log) and console output (.out) kept in %s", seed, c.dir)
	for _, p := range c.all {
		c.t.Logf("replica %d.%d (killed %v, exit %v) log tail:\n%s", p.slot, p.gen, p.killed, p.exitErr, p.logTail())
	}
}

// event is one step of a scenario's schedule.
type event struct {
	at time.Duration
	fn func()
}

// schedule lays out a scenario: story i's first two reports at i*150ms on
// two feeds at once, its critical one 3 s later on a third; the kills
// (the first of the leader, the others of a replica drawn at random; a
// restart 0.3-1.5 s after each) and cuts at random moments over the same
// time.
func (c *cluster) schedule(rnd *mrand.Rand, sc scenario, stories []story, db *sql.DB) []event {
	var sched []event
	for i := range stories {
		st := &stories[i]
		fs := rnd.Perm(scenarioFeeds)[:3]
		for k, tx := range storyTexts(st.city) {
			st.guids[k] = fmt.Sprintf("s%03d-%d", i, k)
			f, it := c.cfg.feeds[fs[k]], rssItem{guid: st.guids[k], title: tx[0], text: tx[1]}
			at := time.Duration(i)*150*time.Millisecond + []time.Duration{0, 0, 3 * time.Second}[k]
			sched = append(sched, event{at: at, fn: func() { it.pub = time.Now(); f.add(it) }})
		}
	}
	span := time.Duration(len(stories)) * 150 * time.Millisecond
	for k := range sc.kills {
		at := 2*time.Second + time.Duration(rnd.Int64N(int64(span)))
		slot := rnd.IntN(sc.replicas)
		if k == 0 {
			slot = -1 // whichever replica leads at that moment
		}
		pause := 300*time.Millisecond + time.Duration(rnd.Int64N(int64(1200*time.Millisecond)))
		sched = append(sched, event{at: at, fn: func() { slot = c.kill(slot) }}, event{at: at + pause, fn: func() { c.restart(slot) }})
	}
	for range sc.cuts {
		at := time.Second + time.Duration(rnd.Int64N(int64(span)))
		sched = append(sched, event{at: at, fn: func() { c.cut(db) }})
	}
	slices.SortStableFunc(sched, func(a, b event) int { return int(a.at - b.at) })
	return sched
}

// kill SIGKILLs the replica in slot (slot < 0: the leader) and returns
// the slot it killed (-1: none).
func (c *cluster) kill(slot int) int {
	// The leader: the replicas may still be starting (slow under -race).
	for wait := time.Now().Add(30 * time.Second); slot < 0 && time.Now().Before(wait); time.Sleep(20 * time.Millisecond) {
		for i, p := range c.live {
			if p != nil && isLeader(p) {
				slot = i
			}
		}
	}
	if slot < 0 {
		c.t.Error("no replica led within 30 s")
		return -1
	}
	p := c.live[slot]
	if p == nil {
		return -1
	}
	if isLeader(p) {
		c.leadersKilled = append(c.leadersKilled, fmt.Sprintf("%d.%d", p.slot, p.gen))
	}
	p.kill()
	c.kills++
	c.live[slot] = nil
	return slot
}

func (c *cluster) restart(slot int) {
	if slot < 0 || c.live[slot] != nil {
		return
	}
	gen := 0
	for _, p := range c.all {
		if p.slot == slot {
			gen = max(gen, p.gen+1)
		}
	}
	c.live[slot] = startReplica(c.t, c.dir, c.cfg, slot, gen, c.specs[slot])
	c.all = append(c.all, c.live[slot])
}

// cut terminates every session of the replicas, pools and election
// connections alike.
func (c *cluster) cut(db *sql.DB) {
	ids := make([]any, len(c.specs))
	marks := make([]string, len(c.specs))
	for i, sp := range c.specs {
		ids[i], marks[i] = sp.id, fmt.Sprintf("$%d", i+1)
	}
	var n int
	err := db.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name IN (`+
		strings.Join(marks, ",")+`)`, ids...).Scan(&n)
	if err != nil {
		c.t.Errorf("cutting connections: %v", err)
		return
	}
	c.cuts++
	c.t.Logf("cut %d sessions of the replicas", n)
}

// waitRecovered waits until every report is stored and linked and nothing
// is pending in the outbox.
func (c *cluster) waitRecovered(db *sql.DB, reports int, begin time.Time) {
	c.t.Helper()
	recovered := time.Now()
	deadline := recovered.Add(120 * time.Second) // failure guard only
	for {
		var linked, pending int
		if err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM incident_reports), (SELECT COUNT(*) FROM outbox WHERE state <> 'sent')`).Scan(&linked, &pending); err != nil {
			c.t.Fatal(err)
		}
		if linked >= reports && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("not recovered: %d of %d reports linked, %d outbox rows not sent", linked, reports, pending)
		}
		time.Sleep(250 * time.Millisecond)
	}
	c.t.Logf("recovered %v after the last event (%v after the first)", time.Since(recovered).Round(time.Millisecond),
		time.Since(begin).Round(time.Millisecond))
}

// isLeader asks a replica's /status whether it leads.
func isLeader(p *replicaProc) bool {
	st, err := replicaStatus(p)
	return err == nil && st.Replica != nil && st.Replica.Leader
}

func replicaStatus(p *replicaProc) (app.Status, error) {
	var st app.Status
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://" + p.spec.addr + "/status")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// checkOneLeaderShown: once things settle, /status of every replica names
// one leader, the one whose own /status and /metrics say it leads.
func checkOneLeaderShown(t *testing.T, live []*replicaProc) {
	t.Helper()
	var leaders []string
	named := map[string]bool{}
	for _, p := range live {
		st, err := replicaStatus(p)
		if err != nil || st.Replica == nil || st.Replica.ID != p.spec.id {
			t.Errorf("replica %s /status: %+v, %v", p.spec.id, st.Replica, err)
			continue
		}
		named[st.Cluster.Leader] = true
		if !st.Replica.Leader {
			continue
		}
		leaders = append(leaders, p.spec.id)
		resp, err := http.Get("http://" + p.spec.addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{"tocsin_leader 1", `tocsin_replica_info{replica="` + p.spec.id + `",store="postgres"} 1`} {
			if !strings.Contains(string(body), want) {
				t.Errorf("leader %s /metrics lacks %q", p.spec.id, want)
			}
		}
	}
	if len(leaders) != 1 || len(named) != 1 || !named[leaders[0]] {
		t.Errorf("leaders by their own /status: %v; leaders named by the cluster: %v; want one, the same", leaders, named)
	}
}

// checkNonLeaderAnswersInteractions sends a signed /status interaction to a
// replica that does not lead: Discord's HTTP interactions go to whichever
// replica the load balancer picks.
func checkNonLeaderAnswersInteractions(t *testing.T, emu *discordtest.Server, key ed25519.PrivateKey, live []*replicaProc) {
	t.Helper()
	for _, p := range live {
		if isLeader(p) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // failure guard only
		defer cancel()
		id, code, err := emu.DeliverHTTP(ctx, "http://"+p.spec.addr+"/discord/interactions", key, discordtest.Spec{
			Type: discordtest.TypeCommand, GuildID: e2eGuild, ChannelID: e2eChannel,
			Member: discordtest.Member{UserID: "500000000000000001", Username: "ann"}, Command: "status"})
		if err != nil || code != http.StatusOK {
			t.Errorf("non-leader %s answered a /status interaction with %d, %v", p.spec.id, code, err)
			return
		}
		if _, ok := emu.Interaction(id); !ok {
			t.Errorf("interaction %s not recorded", id)
		}
		t.Logf("non-leader %s answered a signed HTTP interaction", p.spec.id)
		return
	}
	t.Error("no live non-leader replica to send an interaction to")
}

// outboxRow is one alert event for one notifier, as recorded.
type outboxRow struct {
	alertID, notifier, incident, kind, state, sentBy string
	quiet                                            bool
}

func outboxRows(t *testing.T, db *sql.DB) []outboxRow {
	t.Helper()
	rs, err := db.Query(`SELECT alert_id, notifier, incident_id, kind, state, sent_by, payload FROM outbox ORDER BY alert_id, notifier`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []outboxRow
	for rs.Next() {
		var r outboxRow
		var payload string
		if err := rs.Scan(&r.alertID, &r.notifier, &r.incident, &r.kind, &r.state, &r.sentBy, &payload); err != nil {
			t.Fatal(err)
		}
		var p struct {
			Quiet bool `json:"quiet"`
		}
		if err := json.Unmarshal([]byte(payload), &p); err != nil {
			t.Fatal(err)
		}
		r.quiet = p.Quiet
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkOneIncidentPerStory: each story is exactly one incident, at its
// place, holding its three reports; there is no other incident.
func checkOneIncidentPerStory(t *testing.T, s *store.Store, stories []story) map[string]string {
	t.Helper()
	ctx := context.Background()
	incs, err := s.RecentIncidents(ctx, time.Time{}, 100000)
	if err != nil {
		t.Fatal(err)
	}
	byLoc := map[string][]string{}
	for _, inc := range incs {
		byLoc[inc.Location] = append(byLoc[inc.Location], inc.ID)
	}
	out := map[string]string{}
	escalated := 0
	for _, st := range stories {
		ids := byLoc[st.location]
		if len(ids) != 1 {
			t.Errorf("story %s: %d incidents %v; want 1", st.location, len(ids), ids)
			continue
		}
		out[st.location] = ids[0]
		reps, err := s.IncidentReports(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(reps) != 3 {
			t.Errorf("story %s: incident %s holds %d reports; want its 3", st.location, ids[0], len(reps))
		}
		inc, err := s.Incident(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if inc.Severity == rules.SevCritical {
			escalated++
		}
	}
	if len(incs) != len(stories) {
		t.Errorf("%d incidents for %d stories", len(incs), len(stories))
	}
	t.Logf("%d stories, %d incidents, %d critical at the end", len(stories), len(incs), escalated)
	return out
}

// consoleLine is one line a replica printed, and who printed it.
type consoleLine struct {
	proc *replicaProc
	id   string
	last bool // the last line this incarnation printed
}

// checkConsoleOnce: every console event of the outbox was printed, once,
// across every incarnation of every replica. The one double a console can
// show is a SIGKILL landing between a line's write and the row's "sent"
// (one database round trip): a stdout cannot be asked what it printed. A
// double is accepted only with that cause proven: its first copy is the
// last line of an incarnation that was killed, and the row was marked
// sent by a later sender.
func checkConsoleOnce(t *testing.T, procs []*replicaProc, rows []outboxRow) {
	t.Helper()
	printed := map[string][]consoleLine{}
	total := 0
	for _, p := range procs {
		f, err := os.Open(p.stdout)
		if err != nil {
			t.Fatal(err)
		}
		var lines []consoleLine
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var l struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.ID == "" {
				if p.killed && !sc.Scan() { // a line cut by the kill is the last
					break
				}
				t.Errorf("replica %d.%d printed a line that is not an alert: %q", p.slot, p.gen, sc.Text())
				continue
			}
			lines = append(lines, consoleLine{proc: p, id: l.ID})
		}
		f.Close()
		if n := len(lines); n > 0 {
			lines[n-1].last = true
		}
		for _, l := range lines {
			printed[l.id] = append(printed[l.id], l)
		}
		total += len(lines)
	}
	want := 0
	explained := 0
	for _, r := range rows {
		if r.notifier != "console" {
			continue
		}
		want++
		got := printed[r.alertID]
		delete(printed, r.alertID)
		switch {
		case len(got) == 1:
		case len(got) == 2 && got[0].last && got[0].proc.killed:
			explained++
			t.Logf("console double of %s: first printed by killed replica %d.%d as its last line; sent by %s",
				r.alertID, got[0].proc.slot, got[0].proc.gen, r.sentBy)
		default:
			var who []string
			for _, l := range got {
				who = append(who, fmt.Sprintf("%d.%d(last=%v killed=%v)", l.proc.slot, l.proc.gen, l.last, l.proc.killed))
			}
			t.Errorf("console event %s printed %d times: %v", r.alertID, len(got), who)
		}
	}
	for id := range printed {
		t.Errorf("console printed %s, which the outbox does not hold", id)
	}
	t.Logf("console: %d events, %d lines printed by %d incarnations, %d doubles explained by a kill between print and record",
		want, total, len(procs), explained)
}

// checkDiscordOnce: on the loopback Discord each incident is one message
// (opened once), each non-quiet later event one line in its thread, each
// escalation one announcement in the channel.
func checkDiscordOnce(t *testing.T, emu *discordtest.Server, rows []outboxRow, incByLoc map[string]string) {
	t.Helper()
	wantLines, wantAnn := map[string]int{}, map[string]int{}
	events := 0
	for _, r := range rows {
		if r.notifier != "discord" {
			continue
		}
		events++
		if r.quiet || r.kind == "opened" {
			continue
		}
		wantLines[r.incident]++
		if r.kind == "escalated" {
			wantAnn[r.incident]++
		}
	}
	msgs := emu.Messages(e2eChannel)
	top, ann := map[string][]discordtest.Message{}, map[string]int{}
	byID := map[string]string{}
	for _, m := range msgs {
		for _, inc := range incByLoc {
			if strings.Contains(string(m.Embeds), "incident "+inc) || strings.Contains(m.Content, inc) {
				if m.ReferenceID == "" {
					top[inc] = append(top[inc], m)
				}
			}
		}
		if m.ReferenceID != "" {
			byID[m.ID] = m.ReferenceID
		}
	}
	for _, inc := range incByLoc {
		ms := top[inc]
		if len(ms) != 1 {
			t.Errorf("discord: incident %s has %d messages in the channel; want 1", inc, len(ms))
			continue
		}
		for _, ref := range byID {
			if ref == ms[0].ID {
				ann[inc]++
			}
		}
		if ann[inc] != wantAnn[inc] {
			t.Errorf("discord: incident %s has %d escalation announcements; want %d", inc, ann[inc], wantAnn[inc])
		}
		thread, ok := emu.Thread(ms[0].ID)
		var lines []discordtest.Message
		if ok {
			lines = emu.Messages(thread)
		}
		if len(lines) != wantLines[inc] {
			var texts []string
			for _, l := range lines {
				texts = append(texts, fmt.Sprintf("%s %q", l.ID, l.Content))
			}
			t.Errorf("discord: incident %s has %d timeline lines; want %d (one per update): %s", inc, len(lines), wantLines[inc],
				strings.Join(texts, "; "))
		}
		seen := map[string]bool{}
		for _, l := range lines {
			if seen[l.Content] {
				t.Errorf("discord: incident %s shows the line %q twice", inc, l.Content)
			}
			seen[l.Content] = true
		}
	}
	nAnn := 0
	for _, n := range ann {
		nAnn += n
	}
	t.Logf("discord: %d events, %d channel messages (%d incidents, %d announcements)", events, len(msgs), len(top), nAnn)
}

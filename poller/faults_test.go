package poller_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/delivery"
	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
)

// Each test here is a fault users met, reproduced: it failed before the
// fix and passes after.

// waitUntil polls cond until it holds; the deadline is a failure guard,
// never a measurement.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not so after 20s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHangingFeedDelaysOnlyItself: a feed that never answers (its fetch
// timeout is long) must not hold the others. The scheduler used to wait for
// every due source in a tick and skip ticks meanwhile, so a healthy feed
// was polled once and then not again until the hanging fetch timed out.
func TestHangingFeedDelaysOnlyItself(t *testing.T) {
	s, _ := sqliteStore(t)
	release := make(chan struct{})
	var entered atomic.Int32
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	healthy := newFeed(t, "Healthy")
	if err := s.SyncSources(context.Background(), []store.SourceSpec{
		{ID: "hang", Kind: poller.KindFeed, URL: hang.URL, Interval: 100 * time.Millisecond},
		{ID: "healthy", Kind: poller.KindFeed, URL: healthy.URL, Interval: 100 * time.Millisecond},
	}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{name: "rec"}
	disp, err := delivery.New(delivery.Options{Outbox: s, Notifiers: []alerts.Notifier{rec},
		Backoff: func(int) time.Duration { return time.Second }})
	if err != nil {
		t.Fatal(err)
	}
	p, err := poller.New(poller.Options{Store: s, Scorer: &kwScorer{}, Policy: alerts.DefaultPolicy(), Notifiers: disp.Names(),
		Wake: disp.Wake, Workers: 4, Backoff: func(int) time.Duration { return time.Minute },
		Fetcher: &poller.Sources{Feed: feed.NewFetcher(feed.Options{Timeout: time.Minute})}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); disp.Run(ctx) }()
	go func() { defer wg.Done(); p.Run(ctx, "@every 1s") }()
	defer wg.Wait()
	defer cancel()

	waitUntil(t, "the hanging feed is being fetched", func() bool { return entered.Load() == 1 })
	waitUntil(t, "the healthy feed polled again and again meanwhile", func() bool { return healthy.hits.Load() >= 6 })
	healthy.set(item{"h1", "Rebels storm Aleppo", "Rebel fighters storm Aleppo.", time.Now()})
	waitUntil(t, "the healthy feed's new item alerted", func() bool { return len(rec.alerts()) == 1 })
	if n := entered.Load(); n != 1 {
		t.Errorf("the hanging feed was fetched %d times at once; a claimed source must not be polled twice", n)
	}
}

// slowModel is a summary model that answers only when released.
type slowModel struct {
	release chan struct{}
	calls   atomic.Int32
}

func (m *slowModel) Extract(inc alerts.Incident, r report.Report) string {
	return "Extractive: " + r.Title
}

func (m *slowModel) Summarize(ctx context.Context, inc alerts.Incident, r report.Report) (string, bool) {
	m.calls.Add(1)
	select {
	case <-m.release:
		return "Model summary of " + r.Title, true
	case <-ctx.Done():
		return "", false
	}
}

// TestSlowModelDoesNotDelayAlerts: with the model hanging, six alerting
// reports produce six alerts at once, sent with their extractive summaries;
// the model's summaries follow when it answers, as quiet events. Summaries
// used to run one at a time before the alert was recorded.
func TestSlowModelDoesNotDelayAlerts(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	model := &slowModel{release: make(chan struct{})}
	rig := newRig(t, s, clock, rigOptions{summarizer: model})
	var items []item
	for i, town := range []string{"Afrin", "Azaz", "Manbij", "Tal Rifaat", "Jarabulus", "al-Bab"} {
		items = append(items, item{guid: "g" + string(rune('a'+i)), title: "Rebels storm " + town,
			text: "Rebel fighters storm " + town + " from three sides, residents said on day " + string(rune('1'+i)) + ".", pub: clock.Now()})
	}
	wire := newFeed(t, "Wire", items...)
	addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": wire})
	done := make(chan struct{})
	go func() { defer close(done); rig.cycle() }()
	waitUntil(t, "six alerts delivered while the model hangs", func() bool { return len(rig.notes[0].alerts()) == 6 })
	for _, a := range rig.notes[0].alerts() {
		if a.Kind != alerts.Opened || !strings.HasPrefix(a.Incident.Summary, "Extractive: Rebels storm") {
			t.Errorf("alert %s: %s with summary %q; want opened with the extractive summary", a.ID, a.Kind, a.Incident.Summary)
		}
	}
	<-done
	close(model.release)
	n, err := rig.poller.Flush(context.Background())
	if err != nil || n != 6 {
		t.Fatalf("Flush = %d, %v; want 6 model summaries recorded", n, err)
	}
	if _, err := rig.disp.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rig.notes[0].alerts()
	if len(got) != 12 {
		t.Fatalf("delivered %d events; want 6 opened + 6 summarized", len(got))
	}
	for _, a := range got[6:] {
		if a.Kind != alerts.Summarized || !a.Quiet || !strings.HasPrefix(a.Incident.Summary, "Model summary of Rebels storm") {
			t.Errorf("follow-up %s: %s quiet=%v summary %q", a.ID, a.Kind, a.Quiet, a.Incident.Summary)
		}
	}
}

// TestUndatedBacklogOfNewSourceDoesNotAlert: items without a date in a new
// feed are its backlog like old dated ones (they all used to alert on the
// first poll); a new undated item afterwards alerts. A source that opts in
// (the demo seeds) alerts on its backlog.
func TestUndatedBacklogOfNewSourceDoesNotAlert(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	rig := newRig(t, s, clock, rigOptions{})
	wire := newFeed(t, "Wire",
		item{guid: "u1", title: "Rebels storm Aleppo", text: "Rebel fighters storm Aleppo."},
		item{guid: "u2", title: "Airstrike in Kharkiv", text: "An airstrike hit Kharkiv."})
	demo := newFeed(t, "Demo", item{guid: "d1", title: "Rebels storm Aleppo", text: "Rebel fighters storm Aleppo again."})
	if err := s.SyncSources(context.Background(), []store.SourceSpec{
		{ID: "wire", Kind: poller.KindFeed, URL: wire.URL, Interval: time.Minute},
		{ID: "demo", Kind: poller.KindFeed, URL: demo.URL, Interval: time.Minute, AlertBacklog: true},
	}); err != nil {
		t.Fatal(err)
	}
	st := rig.cycle()
	got := rig.notes[0].alerts()
	if st.Scored != 3 || len(got) != 1 || got[0].Report.Source != "demo" {
		t.Fatalf("first poll: %+v, alerts %v; want only the demo source's backlog alerted", st, rig.notes[0].kinds())
	}
	clock.Advance(time.Minute)
	wire.set(item{guid: "u3", title: "Kharkiv airstrike", text: "An airstrike hit Kharkiv overnight."})
	rig.cycle()
	if got := rig.notes[0].alerts(); len(got) != 2 || got[1].Kind != alerts.Opened || got[1].Report.GUID != "u3" {
		t.Fatalf("new undated item after the first poll: %v", rig.notes[0].kinds())
	}
}

// TestSecondSourceWithinRepeatIntervalRefreshesTheIncident: a second source
// within alerts.repeat_interval used to be folded in silently, and the
// living message kept saying "1 source". It is now a quiet update: the
// message shows both sources, nothing pings.
func TestSecondSourceWithinRepeatIntervalRefreshesTheIncident(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	pol := alerts.DefaultPolicy() // repeat interval 10m
	rig := newRig(t, s, clock, rigOptions{policy: &pol})
	wire := newFeed(t, "Wire", item{"w1", "Rebels storm Aleppo", "Rebel fighters storm Aleppo.", clock.Now()})
	agency := newFeed(t, "Agency")
	addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": wire, "agency": agency})
	rig.cycle()
	clock.Advance(time.Minute)
	agency.set(item{"a1", "Aleppo", "Insurgents storm districts of Aleppo.", clock.Now()})
	rig.cycle()
	got := rig.notes[0].alerts()
	if len(got) != 2 {
		t.Fatalf("notifier saw %v; want opened, then an update with the second source", rig.notes[0].kinds())
	}
	if u := got[1]; u.Kind != alerts.Updated || !u.Quiet || u.Incident.Corroboration != 2 {
		t.Errorf("second event = %s quiet=%v corroboration %d; want a quiet update with 2 sources", u.Kind, u.Quiet, u.Incident.Corroboration)
	}
	// The repeat interval still throttles what is loud: the next source
	// after it is a normal update.
	clock.Advance(10 * time.Minute)
	wire.set(item{guid: "w1", title: "Rebels storm Aleppo", text: "Rebel fighters storm Aleppo."},
		item{"w2", "Aleppo fighting", "Fighters storm Aleppo's airport road.", clock.Now()})
	agency.set(item{"a1", "Aleppo", "Insurgents storm districts of Aleppo.", clock.Now()},
		item{"a2", "Aleppo", "Insurgents storm Aleppo's citadel.", clock.Now()})
	rig.cycle()
	if n := len(rig.notes[0].alerts()); n < 3 {
		t.Fatalf("notifier saw %v", rig.notes[0].kinds())
	}
}

// realRules is the built-in rule set.
func realRules(t *testing.T) *rules.Set {
	t.Helper()
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestTemplateReportsAreSeparateIncidents: five reports from one feed,
// written from one template about strikes on five cities, are five
// incidents and five alerts. Three of them used to be folded into the first
// by text similarity and never alerted.
func TestTemplateReportsAreSeparateIncidents(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	rig := newRig(t, s, clock, rigOptions{scorer: realRules(t)})
	var items []item
	for i, city := range []string{"Kherson", "Sumy", "Dnipro", "Poltava", "Lviv"} {
		items = append(items, item{guid: "t" + city, title: "Overnight strike on " + city, pub: clock.Now().Add(time.Duration(i) * time.Second),
			text: "Russian forces launched a missile and drone strike on " + city + " overnight, damaging residential buildings " +
				"and energy infrastructure, the regional administration said. Air defence units were working in the area " +
				"and emergency services were at the scene, officials said."})
	}
	wire := newFeed(t, "Wire", items...)
	addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": wire})
	rig.cycle()
	places := map[string]bool{}
	for _, a := range rig.notes[0].alerts() {
		if a.Kind == alerts.Opened {
			places[a.Incident.Location] = true
		}
	}
	if len(places) != 5 {
		t.Errorf("opened incidents in %d places %v; want 5", len(places), places)
	}
}

// TestAllClearsComeFromTheRules: the rules' de-escalation verdict for the
// incident's place resolves it, and nothing else. "…as hopes for a
// ceasefire faded" used to resolve by substring; a real "agreed to halt
// fighting" resolved nothing because the policy spelled the category
// de-escalation and the rules emit de_escalation.
func TestAllClearsComeFromTheRules(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	rig := newRig(t, s, clock, rigOptions{scorer: realRules(t)})
	wire := newFeed(t, "Wire", item{"k1", "Russian missiles strike Kharkiv apartment blocks, killing 14",
		"Russian missiles struck two apartment blocks in the centre of Kharkiv early on Sunday, killing at least 14 people, the regional governor said.", clock.Now()})
	addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": wire})
	step := func(it item) []string {
		t.Helper()
		clock.Advance(time.Minute)
		it.pub = clock.Now()
		wire.set(it)
		rig.cycle()
		return rig.notes[0].kinds()
	}
	rig.cycle()
	if got := rig.notes[0].kinds(); len(got) != 1 || !strings.HasPrefix(got[0], "opened:") {
		t.Fatalf("first report: %v; want the Kharkiv incident opened", got)
	}
	got := step(item{guid: "k2", title: "Kharkiv hit again", text: "Russian missiles struck Kharkiv again overnight as hopes for a ceasefire faded, officials said."})
	for _, k := range got {
		if strings.HasPrefix(k, "resolved:") {
			t.Fatalf("'hopes for a ceasefire faded' resolved an incident: %v", got)
		}
	}
	if open, _ := s.OpenIncidents(context.Background()); len(open) == 0 {
		t.Fatal("no incident open after the shelling report")
	}
	got = step(item{guid: "k3", title: "Kharkiv commanders meet", text: "Russian and Ukrainian commanders agreed to halt fighting around Kharkiv on Sunday, officials said."})
	if open, _ := s.OpenIncidents(context.Background()); len(open) != 0 || !strings.HasPrefix(got[len(got)-1], "resolved:") {
		t.Fatalf("after 'agreed to halt fighting': %d open, events %v; want every Kharkiv incident resolved", len(open), got)
	}
}

// barrierReviewer is a second-opinion model that answers only once every
// report of the batch is waiting for it (or gives up after a while): it
// proves the opinions are asked side by side.
type barrierReviewer struct {
	want, n atomic.Int32
	all     chan struct{}
	once    sync.Once
}

func (b *barrierReviewer) Review(ctx context.Context, r report.Report, res rules.Result) rules.Result {
	if b.n.Add(1) == b.want.Load() {
		b.once.Do(func() { close(b.all) })
	}
	select {
	case <-b.all:
	case <-time.After(5 * time.Second):
		res.SecondOpinion = "gave up waiting"
	}
	return res
}

// TestSecondOpinionsOfABatchRunSideBySide: a slow model used to be asked
// about each report of a poll in turn, so a batch waited one model budget
// per report. The opinions are now asked at once: a batch waits about one.
func TestSecondOpinionsOfABatchRunSideBySide(t *testing.T) {
	s, _ := sqliteStore(t)
	clock := newClock()
	rv := &barrierReviewer{all: make(chan struct{})}
	rv.want.Store(6)
	rig := newRig(t, s, clock, rigOptions{reviewer: rv})
	var items []item
	for i := range 6 {
		items = append(items, item{guid: "r" + string(rune('a'+i)), title: "Clash " + string(rune('A'+i)),
			text: "A clash was reported in district " + string(rune('A'+i)) + ".", pub: clock.Now()})
	}
	addFeeds(t, s, time.Minute, map[string]*feedServer{"wire": newFeed(t, "Wire", items...)})
	rig.cycle()
	for _, it := range items {
		res, err := s.LatestScore(context.Background(), "guid:wire:"+it.guid)
		if err != nil {
			t.Fatal(err)
		}
		if res.SecondOpinion != "" {
			t.Errorf("%s: the reviewer was asked alone (%s)", it.guid, res.SecondOpinion)
		}
	}
}

package poller_test

import (
	"context"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/delivery"
	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

// Load and latency measurements. They are not timed tests: they assert
// only correctness (everything scored, every item alerted) and log the
// figures. Run them with:
//
//	TOCSIN_LOAD=1 go test -run 'TestLoad|TestLatency' -v ./poller/
//
// TOCSIN_LOAD_RULES=default scores with rules.Default() instead of the
// keyword scorer.

const envLoad = "TOCSIN_LOAD"

var fillers = []string{
	"Officials met on Tuesday to discuss the regional budget and school funding.",
	"The city council approved new cycle lanes after a long public consultation.",
	"Farmers said the harvest was better than expected despite a dry spring.",
	"The central bank kept interest rates unchanged, citing stable inflation.",
	"A new museum wing opened to visitors with a collection of medieval maps.",
	"Rail operators announced timetable changes for the winter season.",
}

func loadItem(f, i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Report %d of feed %d. ", i, f)
	for k := 0; k < 5; k++ {
		b.WriteString(fillers[(f+i+k)%len(fillers)])
		b.WriteByte(' ')
	}
	if i%50 == 0 {
		b.WriteString("Rebel fighters storm Aleppo, witnesses said. ")
	}
	return b.String()
}

// loadFeedServer serves feeds RSS feeds of items items each at
// /feed/<n>, every 50th item an escalation.
func loadFeedServer(t *testing.T, feeds, items int) *httptest.Server {
	t.Helper()
	pub := time.Now()
	bodies := make([][]byte, feeds)
	for f := range feeds {
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed %d</title><link>http://127.0.0.1/</link><description>d</description>`, f)
		for i := range items {
			fmt.Fprintf(&b, `<item><guid isPermaLink="false">f%d-i%d</guid><title>Item %d of %d</title><link>http://127.0.0.1/f%d/%d</link><description>%s</description><pubDate>%s</pubDate></item>`,
				f, i, i, f, f, i, html.EscapeString(loadItem(f, i)), pub.Format(time.RFC1123Z))
		}
		b.WriteString(`</channel></rss>`)
		bodies[f] = []byte(b.String())
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
		if err != nil || n < 0 || n >= feeds {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(bodies[n])
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestLoad1000Feeds(t *testing.T) {
	if os.Getenv(envLoad) == "" {
		t.Skip("set " + envLoad + "=1 to run the load measurement")
	}
	const feeds, items = 1000, 50
	srv := loadFeedServer(t, feeds, items)
	s, _ := storetest.SQLite(t)
	ctx := context.Background()
	specs := make([]store.SourceSpec, feeds)
	for f := range feeds {
		specs[f] = store.SourceSpec{ID: fmt.Sprintf("feed-%04d", f), Kind: poller.KindFeed, URL: fmt.Sprintf("%s/feed/%d", srv.URL, f), Interval: time.Minute}
	}
	if err := s.SyncSources(ctx, specs); err != nil {
		t.Fatal(err)
	}
	var scorer poller.Scorer = &kwScorer{}
	if os.Getenv("TOCSIN_LOAD_RULES") == "default" {
		set, err := rules.Default()
		if err != nil {
			t.Fatal(err)
		}
		scorer = set
	}
	rec := &recorder{name: "rec"}
	disp, _ := delivery.New(delivery.Options{Outbox: s, Notifiers: []alerts.Notifier{rec},
		Backoff: func(int) time.Duration { return time.Second }})
	workers := 16
	p, err := poller.New(poller.Options{Store: s, Scorer: scorer, Policy: alerts.DefaultPolicy(), Notifiers: disp.Names(), Wake: disp.Wake,
		Workers: workers, Backoff: func(int) time.Duration { return time.Minute },
		Fetcher: &poller.Sources{Feed: feed.NewFetcher(feed.Options{Timeout: 30 * time.Second, PerHostConcurrency: workers})}})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	start := time.Now()
	st, err := p.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cycle := time.Since(start)
	sent, err := disp.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Sources != feeds || st.Failed != 0 || st.Scored != feeds*items {
		t.Fatalf("cycle = %+v; want %d sources, %d scored", st, feeds, feeds*items)
	}
	// Second cycle: nothing changed, nothing scored.
	start2 := time.Now()
	st2, err := p.Tick(ctx)
	_ = st2
	if err != nil {
		t.Fatal(err)
	}
	idle := time.Since(start2) // sources not due: a tick with no work
	t.Logf("cycle: %d feeds x %d items = %d reports scored in %v (%.0f reports/s); events %d, delivered %d; idle tick %v; peak RSS %s; workers %d; scorer %T",
		feeds, items, st.Scored, cycle.Round(time.Millisecond), float64(st.Scored)/cycle.Seconds(), st.Events, sent, idle.Round(time.Microsecond), peakRSS(), workers, scorer)
}

// peakRSS reads the process's high-water resident set size (Linux).
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, ln := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(ln, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(ln, "VmHWM:"))
		}
	}
	return "unknown"
}

// placeScorer alerts on every report, each at a place of its own, so every
// item opens its own incident and yields one alert.
type placeScorer struct{}

func (placeScorer) Version() string { return "place-1" }
func (placeScorer) Score(r report.Report) rules.Result {
	return rules.Result{Alert: true, Severity: rules.SevHigh, Location: "Place " + r.GUID + ", Testland", Categories: []string{"offensive"},
		RulesVersion: "place-1", Evidence: []rules.Evidence{{Rule: "all", Sentence: r.Title, Severity: rules.SevHigh}}}
}

// timedRecorder notes when each alert reached the notifier.
type timedRecorder struct {
	mu sync.Mutex
	at map[string]time.Time // report GUID -> delivery time
}

func (t *timedRecorder) Name() string { return "timed" }
func (t *timedRecorder) Notify(_ context.Context, a alerts.Alert) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.at[a.Report.GUID]; !ok {
		t.at[a.Report.GUID] = time.Now()
	}
	return false, nil
}

// TestLatency publishes 100 items at random moments on 10 loopback feeds
// polled every 10 s (cron tick every second, the real clock) and measures
// publish → notifier latency.
func TestLatency(t *testing.T) {
	if os.Getenv(envLoad) == "" {
		t.Skip("set " + envLoad + "=1 to run the latency measurement")
	}
	const nFeeds, nItems, interval = 10, 100, 10 * time.Second
	feedsSrv := make([]*feedServer, nFeeds)
	s, _ := storetest.SQLite(t)
	var specs []store.SourceSpec
	for i := range feedsSrv {
		feedsSrv[i] = newFeed(t, fmt.Sprintf("F%d", i))
		specs = append(specs, store.SourceSpec{ID: fmt.Sprintf("f%d", i), Kind: poller.KindFeed, URL: feedsSrv[i].URL, Interval: interval})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.SyncSources(ctx, specs); err != nil {
		t.Fatal(err)
	}
	rec := &timedRecorder{at: map[string]time.Time{}}
	runLive(t, s, rec, time.Minute, 10*time.Second)
	lat := publishAndMeasure(t, feedsSrv, rec, nItems, 0, 30*time.Second, rand.Int64N, 3*interval)
	if len(lat) != nItems {
		t.Fatalf("delivered %d of %d items", len(lat), nItems)
	}
	t.Logf("publish→notifier latency over %d items, %v poll interval, 1s tick: p50 %v, p99 %v, max %v",
		nItems, interval, lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
}

// TestLatencySimulated is TestLatency on the injected clock: 100 items
// published at random instants over 5 simulated minutes on 10 feeds polled
// every 10 s with a 1 s tick. It measures the scheduling part of the latency
// (when the poll that sees an item happens) without waiting for it.
func TestLatencySimulated(t *testing.T) {
	if os.Getenv(envLoad) == "" {
		t.Skip("set " + envLoad + "=1 to run the latency measurement")
	}
	const nFeeds, nItems, interval = 10, 100, 10 * time.Second
	s, _ := storetest.SQLite(t)
	clock := newClock()
	feedsSrv := make([]*feedServer, nFeeds)
	var specs []store.SourceSpec
	for i := range feedsSrv {
		feedsSrv[i] = newFeed(t, fmt.Sprintf("F%d", i))
		specs = append(specs, store.SourceSpec{ID: fmt.Sprintf("f%d", i), Kind: poller.KindFeed, URL: feedsSrv[i].URL, Interval: interval})
	}
	ctx := context.Background()
	if err := s.SyncSources(ctx, specs); err != nil {
		t.Fatal(err)
	}
	rec := &clockRecorder{clock: clock, at: map[string]time.Time{}}
	disp, _ := delivery.New(delivery.Options{Outbox: s, Notifiers: []alerts.Notifier{rec}, Clock: clock,
		Backoff: func(int) time.Duration { return time.Second }})
	p, err := poller.New(poller.Options{Store: s, Scorer: placeScorer{}, Policy: alerts.DefaultPolicy(), Notifiers: disp.Names(),
		Wake: disp.Wake, Clock: clock, Backoff: func(int) time.Duration { return time.Minute },
		Fetcher: &poller.Sources{Feed: feed.NewFetcher(feed.Options{Timeout: 10 * time.Second, Now: clock.Now}), Now: clock.Now}})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	start := clock.Now()
	pubAt := make([]time.Time, nItems)
	for i := range pubAt {
		pubAt[i] = start.Add(time.Duration(rnd.Int64N(int64(5 * time.Minute))))
	}
	slices.SortFunc(pubAt, func(a, b time.Time) int { return a.Compare(b) })
	var items [nFeeds][]item
	published := map[string]time.Time{}
	next := 0
	for step := 0; step < 400; step++ { // one step = one 1 s tick
		for next < nItems && !pubAt[next].After(clock.Now()) {
			guid := fmt.Sprintf("sim-%03d", next)
			f := next % nFeeds
			items[f] = append(items[f], item{guid, "Item " + guid, "Text " + guid, pubAt[next]})
			feedsSrv[f].set(items[f]...)
			published[guid] = pubAt[next]
			next++
		}
		if _, err := p.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := disp.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}
	if len(rec.at) != nItems {
		t.Fatalf("delivered %d of %d", len(rec.at), nItems)
	}
	var lat []time.Duration
	for g, pt := range published {
		lat = append(lat, rec.at[g].Sub(pt))
	}
	slices.Sort(lat)
	t.Logf("simulated publish→notifier latency over %d items, %v interval, 1s tick: p50 %v, p99 %v, max %v",
		nItems, interval, lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1])
}

// clockRecorder notes the injected clock's time at delivery.
type clockRecorder struct {
	clock *poller.ManualClock
	at    map[string]time.Time
}

func (c *clockRecorder) Name() string { return "clock" }
func (c *clockRecorder) Notify(_ context.Context, a alerts.Alert) (bool, error) {
	if _, ok := c.at[a.Report.GUID]; !ok {
		c.at[a.Report.GUID] = c.clock.Now()
	}
	return false, nil
}

// TestLatencyWithFaultyFeeds is the measurement of the issue "one hanging
// feed stalls every source": 8 healthy feeds polled every 5 s beside one
// that hangs, one that drips a byte every half second and one that answers
// 500, with the default 30 s fetch timeout, 8 workers and the 1 s tick, on
// the real clock. 100 items are published at random moments over 60 s on
// the healthy feeds; it logs publish → notifier latency. Healthy feeds'
// p99 should stay within their interval plus a second.
//
//	TOCSIN_LOAD=1 go test -run TestLatencyWithFaultyFeeds -v ./poller/
func TestLatencyWithFaultyFeeds(t *testing.T) {
	if os.Getenv(envLoad) == "" {
		t.Skip("set " + envLoad + "=1 to run the latency measurement")
	}
	const nHealthy, nItems, interval, window = 8, 100, 5 * time.Second, 60 * time.Second
	s, _ := storetest.SQLite(t)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	drip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>drip</title>`))
		for {
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(500 * time.Millisecond):
				w.Write([]byte(" "))
			}
		}
	}))
	t.Cleanup(drip.Close)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) }))
	t.Cleanup(broken.Close)
	specs := []store.SourceSpec{
		{ID: "hang", Kind: poller.KindFeed, URL: hang.URL, Interval: interval},
		{ID: "drip", Kind: poller.KindFeed, URL: drip.URL, Interval: interval},
		{ID: "500", Kind: poller.KindFeed, URL: broken.URL, Interval: interval},
	}
	healthy := make([]*feedServer, nHealthy)
	for i := range healthy {
		healthy[i] = newFeed(t, fmt.Sprintf("H%d", i))
		specs = append(specs, store.SourceSpec{ID: fmt.Sprintf("h%d", i), Kind: poller.KindFeed, URL: healthy[i].URL, Interval: interval})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.SyncSources(ctx, specs); err != nil {
		t.Fatal(err)
	}
	rec := &timedRecorder{at: map[string]time.Time{}}
	runLive(t, s, rec, 10*time.Second, 30*time.Second)
	begin := time.Now()
	lat := publishAndMeasure(t, healthy, rec, nItems, 2*time.Second, window, rand.New(rand.NewPCG(7, 13)).Int64N, 3*interval)
	if len(lat) == 0 {
		t.Fatal("nothing delivered")
	}
	var hits []string
	for i, h := range healthy {
		hits = append(hits, fmt.Sprintf("h%d=%d", i, h.hits.Load()))
	}
	t.Logf("publish→notifier latency, %d of %d items on %d healthy feeds (%v interval) beside hang+drip+500: p50 %v, p99 %v, max %v; polls in %v: %s",
		len(lat), nItems, nHealthy, interval, lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond),
		lat[len(lat)-1].Round(time.Millisecond), time.Since(begin).Round(time.Second), strings.Join(hits, " "))
	if len(lat) != nItems {
		t.Errorf("delivered %d of %d items", len(lat), nItems)
	}
}

// publishAndMeasure publishes n items on the feeds in turn, at random
// moments in [start, start+window) from now, waits (at most guard after the
// last) for the recorder to see them, and returns the publish → notifier
// latencies of those delivered, sorted.
func publishAndMeasure(t *testing.T, feeds []*feedServer, rec *timedRecorder, n int, start, window time.Duration,
	rnd func(int64) int64, guard time.Duration) []time.Duration {
	t.Helper()
	offsets := make([]time.Duration, n)
	for i := range offsets {
		offsets[i] = start + time.Duration(rnd(int64(window)))
	}
	slices.Sort(offsets)
	published := map[string]time.Time{}
	items := make([][]item, len(feeds))
	begin := time.Now()
	for i, off := range offsets {
		time.Sleep(time.Until(begin.Add(off)))
		guid := fmt.Sprintf("lat-%03d", i)
		f := i % len(feeds)
		items[f] = append(items[f], item{guid, "Item " + guid, "Text " + guid, time.Now()})
		published[guid] = time.Now()
		feeds[f].set(items[f]...)
	}
	deadline := time.Now().Add(guard) // failure guard only
	for {
		rec.mu.Lock()
		got := len(rec.at)
		rec.mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var lat []time.Duration
	for g, pt := range published {
		if at, ok := rec.at[g]; ok {
			lat = append(lat, at.Sub(pt))
		}
	}
	slices.Sort(lat)
	return lat
}

// runLive runs the service's poller (placeScorer, the given error backoff
// and fetch timeout) and delivery stage on the real clock until the test
// ends.
func runLive(t *testing.T, s *store.Store, n alerts.Notifier, backoff, timeout time.Duration) {
	t.Helper()
	disp, err := delivery.New(delivery.Options{Outbox: s, Notifiers: []alerts.Notifier{n},
		Backoff: func(int) time.Duration { return time.Second }})
	if err != nil {
		t.Fatal(err)
	}
	p, err := poller.New(poller.Options{Store: s, Scorer: placeScorer{}, Policy: alerts.DefaultPolicy(), Notifiers: disp.Names(),
		Wake: disp.Wake, Backoff: func(int) time.Duration { return backoff },
		Fetcher: &poller.Sources{Feed: feed.NewFetcher(feed.Options{Timeout: timeout})}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); disp.Run(ctx) }()
	go func() { defer wg.Done(); p.Run(ctx, "@every 1s") }()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

package poller_test

import (
	"context"
	"errors"
	"fmt"
	"html"
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
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

var t0 = time.Date(2024, 11, 30, 12, 0, 0, 0, time.UTC)

// kwScorer is a stand-in rule set: it alerts on keywords so that these tests
// do not depend on the real rules. "airstrike" is critical, "storm" high,
// "clash" low; "reopened" or "ceasefire agreed" in a report that alerts on
// nothing is the rules' de-escalation verdict; the place is the first known
// city named.
type kwScorer struct{ calls atomic.Int64 }

func (k *kwScorer) Version() string { return "kw-1" }

func (k *kwScorer) Score(r report.Report) rules.Result {
	k.calls.Add(1)
	res := rules.Result{RulesVersion: k.Version(), Categories: []string{}, Evidence: []rules.Evidence{}}
	text := r.FullText()
	low := strings.ToLower(text)
	for _, c := range []struct{ city, place string }{{"aleppo", "Aleppo, Syria"}, {"kharkiv", "Kharkiv, Ukraine"}} {
		if strings.Contains(low, c.city) {
			res.Location = c.place
			break
		}
	}
	for _, kw := range []struct {
		word string
		sev  rules.Severity
		cat  string
	}{{"airstrike", rules.SevCritical, "airstrike"}, {"storm", rules.SevHigh, "offensive"}, {"clash", rules.SevLow, "offensive"}} {
		i := strings.Index(low, kw.word)
		if i < 0 {
			continue
		}
		start := strings.LastIndexAny(text[:i], ".\n") + 1
		end := i + strings.IndexAny(text[i:]+".", ".\n") + 1
		end = min(end, len(text))
		res.Alert = true
		if kw.sev > res.Severity {
			res.Severity = kw.sev
		}
		res.Categories = append(res.Categories, kw.cat)
		res.Evidence = append(res.Evidence, rules.Evidence{Rule: "kw-" + kw.word, Category: kw.cat, Severity: kw.sev,
			Sentence: strings.TrimSpace(text[start:end]), Why: "keyword " + kw.word})
	}
	if !res.Alert && (strings.Contains(low, "reopened") || strings.Contains(low, "ceasefire agreed")) {
		res.Categories = []string{"de_escalation"}
		res.Evidence = []rules.Evidence{{Rule: "kw-calm", Category: "de_escalation", Sentence: text, Why: "keyword calm"}}
	}
	return res
}

// item is one feed entry.
type item struct {
	guid, title, text string
	pub               time.Time
}

// feedServer serves an RSS feed whose items the test changes between polls.
type feedServer struct {
	*httptest.Server
	name   string
	mu     sync.Mutex
	items  []item
	status int
	hits   atomic.Int64
}

func newFeed(t testing.TB, name string, items ...item) *feedServer {
	f := &feedServer{name: name, items: items}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *feedServer) set(items ...item) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = items
}

func (f *feedServer) fail(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = status
}

func (f *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	f.mu.Lock()
	items, status := append([]item(nil), f.items...), f.status
	f.mu.Unlock()
	if status != 0 {
		http.Error(w, "down", status)
		return
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>` + html.EscapeString(f.name) + `</title><link>http://127.0.0.1/</link><description>d</description>`)
	for _, it := range items {
		pub := "" // an item without a date (many feeds have them)
		if !it.pub.IsZero() {
			pub = "<pubDate>" + it.pub.Format(time.RFC1123Z) + "</pubDate>"
		}
		fmt.Fprintf(&b, `<item><guid isPermaLink="false">%s</guid><title>%s</title><description>%s</description>%s</item>`,
			html.EscapeString(it.guid), html.EscapeString(it.title), html.EscapeString(it.text), pub)
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write([]byte(b.String()))
}

// recorder is a notifier that keeps what it was given and can be told to
// fail. It is the observable end of the pipeline.
type recorder struct {
	name     string
	mu       sync.Mutex
	got      []alerts.Alert
	failNext int  // fail this many calls
	retry    bool // ...with this retry flag
}

func (r *recorder) Name() string { return r.name }

func (r *recorder) Notify(_ context.Context, a alerts.Alert) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failNext > 0 {
		r.failNext--
		return r.retry, errors.New("notifier down")
	}
	r.got = append(r.got, a)
	return false, nil
}

func (r *recorder) alerts() []alerts.Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]alerts.Alert(nil), r.got...)
}

func (r *recorder) kinds() []string {
	var out []string
	for _, a := range r.alerts() {
		out = append(out, string(a.Kind)+":"+a.Incident.ID)
	}
	return out
}

// rig is one tocsin "process": poller and dispatcher on a store.
type rig struct {
	t      testing.TB
	store  *store.Store
	clock  *poller.ManualClock
	scorer *kwScorer
	poller *poller.Poller
	disp   *delivery.Dispatcher
	notes  []*recorder
}

type rigOptions struct {
	policy       *alerts.Policy
	notifiers    []*recorder
	fetchTimeout time.Duration
	reviewer     poller.Reviewer
	maxReportAge time.Duration
	summarizer   poller.Summarizer
	// scorer replaces the keyword scorer (the real rules, for instance).
	scorer poller.Scorer
}

func newRig(t testing.TB, s *store.Store, clock *poller.ManualClock, ro rigOptions) *rig {
	t.Helper()
	if ro.notifiers == nil {
		ro.notifiers = []*recorder{{name: "rec"}}
	}
	ns := make([]alerts.Notifier, len(ro.notifiers))
	for i, n := range ro.notifiers {
		ns[i] = n
	}
	disp, err := delivery.New(delivery.Options{Outbox: s, Notifiers: ns, Clock: clock, MaxAttempts: 3,
		Backoff: func(n int) time.Duration { return feed.Backoff(n, time.Second, time.Minute, nil) }})
	if err != nil {
		t.Fatal(err)
	}
	pol := alerts.DefaultPolicy()
	pol.RepeatInterval = 0
	if ro.policy != nil {
		pol = *ro.policy
	}
	sc := &kwScorer{}
	var scorer poller.Scorer = sc
	if ro.scorer != nil {
		scorer = ro.scorer
	}
	if ro.fetchTimeout == 0 {
		ro.fetchTimeout = 10 * time.Second
	}
	p, err := poller.New(poller.Options{
		Store: s, Scorer: scorer, Reviewer: ro.reviewer, Summarizer: ro.summarizer, Policy: pol, Notifiers: disp.Names(), Wake: disp.Wake,
		Clock: clock, Workers: 4, MaxReportAge: ro.maxReportAge,
		Fetcher: &poller.Sources{Feed: feed.NewFetcher(feed.Options{Timeout: ro.fetchTimeout, Now: clock.Now}), Now: clock.Now},
		Backoff: func(n int) time.Duration { return feed.Backoff(n, time.Minute, time.Hour, nil) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, store: s, clock: clock, scorer: sc, poller: p, disp: disp, notes: ro.notifiers}
}

// cycle runs one tick and drains the outbox, as `tocsin once` does.
func (r *rig) cycle() poller.TickStats {
	r.t.Helper()
	ctx := context.Background()
	st, err := r.poller.Tick(ctx)
	if err != nil {
		r.t.Fatalf("tick: %v", err)
	}
	if _, err := r.disp.Drain(ctx); err != nil {
		r.t.Fatalf("drain: %v", err)
	}
	return st
}

func addFeeds(t testing.TB, s *store.Store, interval time.Duration, feeds map[string]*feedServer) {
	t.Helper()
	var specs []store.SourceSpec
	for id, f := range feeds {
		specs = append(specs, store.SourceSpec{ID: id, Kind: poller.KindFeed, URL: f.URL, Interval: interval})
	}
	if err := s.SyncSources(context.Background(), specs); err != nil {
		t.Fatal(err)
	}
}

func sqliteStore(t testing.TB) (*store.Store, string) { return storetest.SQLite(t) }

func newClock() *poller.ManualClock { return poller.NewManualClock(t0.Add(time.Hour)) }

func reopen(t testing.TB, path string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

package feed

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

const articlePage = `<!doctype html><html><head><title>Troops withdraw</title></head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Troops withdraw from the town</h1>
<p>Forces were ordered on Saturday to carry out a safe withdrawal from the eastern districts of the town, three military sources said, after a week of heavy fighting on its outskirts.</p>
<p>The order came hours after the regional governor announced the closure of all access roads and the airport, citing continued shelling of residential areas and the power station.</p>
<p>Officials said the withdrawal would be completed by Monday. Humanitarian groups reported that thousands of civilians had already left, many on foot, towards the regional capital.</p>
</article>
<footer>Subscribe to our newsletter. Cookie settings.</footer></body></html>`

func TestFullText(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	var srvURL string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/feed":
			long := strings.Repeat("A complete item body. ", 40)
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><guid>1</guid><title>Troops withdraw</title><link>%[1]s/article/1?key=SECRETKEY</link><description>Forces ordered out…</description></item>
<item><guid>2</guid><title>Gone</title><link>%[1]s/article/404</link><description>Teaser two</description></item>
<item><guid>3</guid><title>PDF</title><link>%[1]s/article/pdf</link><description>Teaser three</description></item>
<item><guid>4</guid><title>Long</title><link>%[1]s/article/long</link><description>%[2]s</description></item>
</channel></rss>`, srvURL, long)
		case "/article/1":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(articlePage))
		case "/article/pdf":
			w.Header().Set("Content-Type", "application/pdf")
			w.Write([]byte("%PDF-1.4"))
		default:
			http.NotFound(w, r)
		}
	})
	srvURL = srv.URL
	var logs bytes.Buffer
	var logMu sync.Mutex
	f := newFetcher(t, Options{ArticlesAnyAddress: true, Logger: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))})
	src := Source{ID: "s", URL: srv.URL + "/feed", FullText: true}

	res, err := f.Fetch(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Reports) != 4 {
		t.Fatalf("%d reports", len(res.Reports))
	}
	full := res.Reports[0].Text
	if !strings.Contains(full, "safe withdrawal") || !strings.Contains(full, "completed by Monday") || strings.Contains(full, "Cookie settings") {
		t.Errorf("article text not extracted: %q", full)
	}
	if !strings.Contains(full, "\n") {
		t.Errorf("paragraph breaks lost: %q", full)
	}
	if res.Reports[1].Text != "Teaser two" || res.Reports[2].Text != "Teaser three" {
		t.Errorf("failed extractions must keep the teaser: %q / %q", res.Reports[1].Text, res.Reports[2].Text)
	}
	mu.Lock()
	if hits["/article/long"] != 0 {
		t.Error("an item with a full body was fetched")
	}
	if hits["/article/1"] != 1 || hits["/article/404"] != 1 || hits["/article/pdf"] != 1 {
		t.Errorf("article hits %v", hits)
	}
	mu.Unlock()
	logMu.Lock()
	l := logs.String()
	logMu.Unlock()
	if !strings.Contains(l, "keeping the teaser") || strings.Contains(l, "SECRETKEY") {
		t.Errorf("logs: %s", l)
	}

	// Second poll: the feed is unconditional here, but the pages are
	// remembered, so no article is fetched again and the text is stable.
	res2, err := f.Fetch(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if hits["/article/1"] != 1 || hits["/article/404"] != 1 || hits["/feed"] != 2 {
		t.Errorf("second poll refetched articles: %v", hits)
	}
	mu.Unlock()
	if res2.Reports[0].Text != full || res2.Reports[0].ContentHash() != res.Reports[0].ContentHash() {
		t.Error("full text differs between polls: the store would see a changed story")
	}
}

func TestFullTextBudget(t *testing.T) {
	var mu sync.Mutex
	articles := 0
	var srvURL string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed" {
			var items strings.Builder
			for i := range 5 {
				fmt.Fprintf(&items, `<item><guid>%d</guid><link>%s/a/%d</link><description>teaser</description></item>`, i, srvURL, i)
			}
			fmt.Fprintf(w, `<rss version="2.0"><channel><title>T</title>%s</channel></rss>`, items.String())
			return
		}
		mu.Lock()
		articles++
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(articlePage))
	})
	srvURL = srv.URL
	f := newFetcher(t, Options{MaxFullTextPerFetch: 2, ArticlesAnyAddress: true})
	res, err := f.Fetch(context.Background(), Source{ID: "s", URL: srv.URL + "/feed", FullText: true})
	if err != nil {
		t.Fatal(err)
	}
	full := 0
	for _, r := range res.Reports {
		if r.Text != "teaser" {
			full++
		}
	}
	if articles != 2 || full != 2 {
		t.Fatalf("budget 2: %d article requests, %d full texts", articles, full)
	}
}

// TestFullTextRefusesPrivateAddresses: by default an article link to a
// loopback address (here the test server itself, standing in for a cloud
// metadata endpoint or an intranet page) is not followed.
func TestFullTextRefusesPrivateAddresses(t *testing.T) {
	var mu sync.Mutex
	articleHits := 0
	var srvURL string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed" {
			fmt.Fprintf(w, `<rss version="2.0"><channel><title>T</title><item><guid>1</guid><link>%s/latest/meta-data</link><description>teaser</description></item></channel></rss>`, srvURL)
			return
		}
		mu.Lock()
		articleHits++
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(articlePage))
	})
	srvURL = srv.URL
	var logs bytes.Buffer
	var logMu sync.Mutex
	f := newFetcher(t, Options{Logger: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))})
	// The feed itself is operator-configured: loopback is fine for it.
	res, err := f.Fetch(context.Background(), Source{ID: "s", URL: srv.URL + "/feed", FullText: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Reports[0].Text != "teaser" || articleHits != 0 {
		t.Fatalf("private article fetched: text %q, hits %d", res.Reports[0].Text, articleHits)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logs.String(), "blocked") {
		t.Errorf("refusal not logged as blocked: %s", logs.String())
	}
}

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": false, "10.1.2.3": false, "192.168.0.1": false, "172.16.5.5": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "::1": false, "fe80::1": false, "fd00::1": false, "::ffff:127.0.0.1": false,
		"224.0.0.1": false, "93.184.216.34": true, "2606:2800:220:1::1": true, "::ffff:93.184.216.34": true,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}

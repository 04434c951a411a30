package feed

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newFetcher(t *testing.T, o Options) *Fetcher {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second // a failure guard only
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Date(2024, 12, 6, 0, 0, 0, 0, time.UTC) }
	}
	return NewFetcher(o)
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func serveB(b *testing.B, h http.HandlerFunc) string {
	b.Helper()
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv.URL
}

func TestFetchFormats(t *testing.T) {
	pub := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	cases := []struct {
		file, ctype string
		wantTTL     time.Duration
		want        []report.Report
	}{
		{"rss2.xml", "application/rss+xml", 15 * time.Minute, []report.Report{
			{GUID: "wire-1", URL: "https://news.example.org/a/1", Outlet: "Wire & Co", Title: "Troops withdraw from Kupiansk",
				Text: "Forces were ordered to withdraw from the town.\nOfficials said \"the situation is difficult\".", Published: pub("2024-12-05T16:10:00Z")},
			// relative link resolved against the channel link; no guid → link
			{GUID: "https://news.example.org/a/2", URL: "https://news.example.org/a/2", Outlet: "Wire & Co", Title: "Airport closed", Text: "Plain text teaser & more."},
		}},
		{"rss091.xml", "text/xml", 0, []report.Report{
			{GUID: "http://old.example.org/story/7", URL: "http://old.example.org/story/7", Outlet: "Old Wire", Title: "Border crossing closed",
				Text: "The crossing was closed after clashes."},
		}},
		{"atom.xml", "application/atom+xml", 0, []report.Report{
			{GUID: "urn:uuid:entry-1", URL: "https://atom.example.org/e/1", Outlet: "Atom Desk", Title: "Offensive launched near Aleppo",
				Text: "Rebels launched an offensive.\nSecond paragraph.", Published: pub("2024-12-05T17:00:00Z")},
		}},
		{"rdf.xml", "application/rdf+xml", 0, []report.Report{
			{GUID: "https://rdf.example.org/i/1", URL: "https://rdf.example.org/i/1", Outlet: "RDF Monitor", Title: "Shelling reported in Kharkiv",
				Text: "Artillery fire hit the city centre.", Published: pub("2024-12-05T18:00:00Z")},
		}},
		{"feed.json", "application/feed+json", 0, []report.Report{
			{GUID: "j-1", URL: "https://json.example.org/j/1", Outlet: "JSON Desk", Title: "Martial law declared",
				Text: "The president declared martial law.", Published: pub("2024-12-05T19:00:00Z")},
			{GUID: "j-2", Outlet: "JSON Desk", Title: "Text only", Text: "Line one.\nLine two.", Published: pub("2024-12-05T20:00:00Z")},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			body := fixture(t, tc.file)
			var gotUA string
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				gotUA = r.Header.Get("User-Agent")
				w.Header().Set("Content-Type", tc.ctype)
				w.Write(body)
			})
			f := newFetcher(t, Options{UserAgent: UserAgent("v1.2.3")})
			res, err := f.Fetch(context.Background(), Source{ID: "src", URL: srv.URL + "/feed"})
			if err != nil {
				t.Fatal(err)
			}
			if gotUA != "tocsin/v1.2.3 (+https://github.com/tocsin-alerts/tocsin)" {
				t.Errorf("User-Agent = %q", gotUA)
			}
			if res.Status != 200 || res.Bytes != int64(len(body)) || res.MinInterval != tc.wantTTL {
				t.Errorf("status %d bytes %d min interval %v", res.Status, res.Bytes, res.MinInterval)
			}
			checkReports(t, res.Reports, tc.want, "src")
		})
	}
}

func checkReports(t *testing.T, got, want []report.Report, source string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d reports, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		w := want[i]
		w.Source = source
		g := got[i]
		if g.Fetched.IsZero() {
			t.Errorf("[%d] Fetched not set", i)
		}
		g.Fetched = time.Time{}
		if !g.Published.Equal(w.Published) {
			t.Errorf("[%d] published %v, want %v", i, g.Published, w.Published)
		}
		g.Published, w.Published = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("[%d]\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestFetchFileURL(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "feed.xml")
	if err := os.WriteFile(p, fixture(t, "rss2.xml"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFetcher(t, Options{})
	src := Source{ID: "file", URL: (&url.URL{Scheme: "file", Path: p}).String()}
	res, err := f.Fetch(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Reports) != 2 || res.Reports[0].GUID != "wire-1" || res.ETag == "" || res.MinInterval != 15*time.Minute {
		t.Fatalf("first read: %+v", res)
	}
	src.ETag = res.ETag
	res2, err := f.Fetch(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if !res2.NotModified || len(res2.Reports) != 0 || res2.ETag != src.ETag {
		t.Fatalf("unchanged file: %+v", res2)
	}
	// Change the file (and its mtime, explicitly: the test must not
	// depend on the file system's timestamp resolution).
	if err := os.WriteFile(p, fixture(t, "atom.xml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	res3, err := f.Fetch(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if res3.NotModified || len(res3.Reports) != 1 || res3.Reports[0].GUID != "urn:uuid:entry-1" {
		t.Fatalf("changed file: %+v", res3)
	}

	var fe *Error
	_, err = newFetcher(t, Options{MaxBodyBytes: 100}).Fetch(context.Background(), Source{ID: "x", URL: src.URL})
	if !errors.As(err, &fe) || fe.Kind != KindTooLarge {
		t.Fatalf("oversize file: %v", err)
	}
	_, err = f.Fetch(context.Background(), Source{ID: "x", URL: "file://" + filepath.Join(dir, "missing.xml")})
	if !errors.As(err, &fe) || fe.Kind != KindFile {
		t.Fatalf("missing file: %v", err)
	}
	_, err = f.Fetch(context.Background(), Source{ID: "x", URL: "file://remote.example.org/etc/passwd"})
	if !errors.As(err, &fe) || fe.Kind != KindInvalidURL {
		t.Fatalf("remote file host: %v", err)
	}
}

// TestConditionalGETAndChangingItems polls a feed whose items change between
// polls, with ETag/Last-Modified validators round-tripping to a 304.
func TestConditionalGETAndChangingItems(t *testing.T) {
	var mu sync.Mutex
	version := 1
	var seen []http.Header
	item := func(n int) string {
		return `<item><title>Story ` + string(rune('0'+n)) + `</title><guid>g` + string(rune('0'+n)) + `</guid><description>Body.</description></item>`
	}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.Header.Clone())
		etag := `"v` + string(rune('0'+version)) + `"`
		lm := time.Date(2024, 12, 5, 10, version, 0, 0, time.UTC).Format(http.TimeFormat)
		w.Header().Set("Cache-Control", "public, max-age=600")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lm)
		items := ""
		for i := version; i >= 1; i-- {
			items += item(i)
		}
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>` + items + `</channel></rss>`))
	})
	f := newFetcher(t, Options{})
	ctx := context.Background()
	src := Source{ID: "s", URL: srv.URL}

	r1, err := f.Fetch(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(r1.Reports) != 1 || r1.ETag != `"v1"` || r1.LastModified == "" || r1.MinInterval != 10*time.Minute {
		t.Fatalf("poll 1: %+v", r1)
	}
	src.ETag, src.LastModified = r1.ETag, r1.LastModified

	r2, err := f.Fetch(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if !r2.NotModified || r2.Status != 304 || len(r2.Reports) != 0 || r2.ETag != `"v1"` || r2.LastModified != r1.LastModified {
		t.Fatalf("poll 2 should be 304 keeping validators: %+v", r2)
	}
	mu.Lock()
	h := seen[1]
	version = 2
	mu.Unlock()
	if h.Get("If-None-Match") != `"v1"` || h.Get("If-Modified-Since") != r1.LastModified {
		t.Fatalf("conditional headers not sent: %v", h)
	}

	r3, err := f.Fetch(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if r3.NotModified || len(r3.Reports) != 2 || r3.Reports[0].GUID != "g2" || r3.Reports[1].GUID != "g1" || r3.ETag != `"v2"` {
		t.Fatalf("poll 3 should carry the new item: %+v", r3)
	}
	// Identity is stable across polls: the old item keeps its key.
	if r3.Reports[1].Identity() != r1.Reports[0].Identity() || r3.Reports[1].Identity() != "guid:s:g1" {
		t.Fatalf("identity changed: %q vs %q", r3.Reports[1].Identity(), r1.Reports[0].Identity())
	}
}

func TestFetchInvalidURLs(t *testing.T) {
	f := newFetcher(t, Options{})
	for _, u := range []string{"ftp://example.org/feed", "http://", "::not a url", "gopher://x"} {
		_, err := f.Fetch(context.Background(), Source{ID: "x", URL: u})
		var fe *Error
		if !errors.As(err, &fe) || fe.Kind != KindInvalidURL || fe.Retryable {
			t.Errorf("%q: %v", u, err)
		}
	}
}

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"https://user:hunter2@example.org/feed?token=abc123&page=2#frag": "https://example.org/feed?page=REDACTED&token=REDACTED",
		"https://example.org/feed":                                       "https://example.org/feed",
		"http://[::1]:namedport":                                         "<invalid url>",
	}
	for in, want := range cases {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestErrorsCarryNoSecrets fetches URLs with userinfo and a query token
// through failures of several kinds and checks no message shows them.
func TestErrorsCarryNoSecrets(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/500":
			http.Error(w, "boom", 500)
		case "/loop":
			http.Redirect(w, r, r.URL.String(), http.StatusFound)
		default:
			w.Write([]byte("<rss><channel><item>"))
		}
	})
	u, _ := url.Parse(srv.URL)
	f := newFetcher(t, Options{Timeout: 10 * time.Second})
	for _, p := range []string{"/500", "/loop", "/bad"} {
		raw := "http://alice:s3cr3tpw@" + u.Host + p + "?api_key=TOPSECRET&x=1"
		_, err := f.Fetch(context.Background(), Source{ID: "x", URL: raw})
		if err == nil {
			t.Fatalf("%s: no error", p)
		}
		// Walk the whole chain: a wrapped *url.Error must be redacted too.
		for e := err; e != nil; e = errors.Unwrap(e) {
			msg := e.Error()
			if strings.Contains(msg, "s3cr3tpw") || strings.Contains(msg, "TOPSECRET") || strings.Contains(msg, "alice") {
				t.Errorf("%s: secret in error chain: %s", p, msg)
			}
		}
	}
}

package feed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// guard bounds waits on test goroutines; it is a failure guard, never a
// measured duration.
const guard = 10 * time.Second

func fetchErr(t *testing.T, f *Fetcher, rawURL string) *Error {
	t.Helper()
	res, err := f.Fetch(context.Background(), Source{ID: "broken", URL: rawURL})
	if err == nil {
		t.Fatalf("fetch %s: no error, result %+v", rawURL, res)
	}
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("fetch %s: error %T %v is not a *feed.Error", rawURL, err, err)
	}
	return fe
}

func TestFaultDNS(t *testing.T) {
	// No name is resolved: the dialer fails the way the resolver does.
	for _, tc := range []struct {
		notFound, retryable bool
	}{{true, false}, {false, true}} {
		client := &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, _, _ := net.SplitHostPort(addr)
				return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{
					Err: "no such host", Name: host, IsNotFound: tc.notFound, IsTemporary: !tc.notFound}}
			},
		}}
		f := newFetcher(t, Options{HTTPClient: client})
		fe := fetchErr(t, f, "http://feeds.invalid/rss")
		if fe.Kind != KindDNS || fe.Retryable != tc.retryable || fe.Status != 0 {
			t.Errorf("notFound=%v: %+v", tc.notFound, fe)
		}
		var dnsErr *net.DNSError
		if !errors.As(fe, &dnsErr) || dnsErr.Name != "feeds.invalid" {
			t.Errorf("cause not wrapped: %v", fe)
		}
	}
}

func TestFaultConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	fe := fetchErr(t, newFetcher(t, Options{}), "http://"+addr+"/feed")
	if fe.Kind != KindConnect || !fe.Retryable {
		t.Errorf("%+v", fe)
	}
}

func TestFaultTimeout(t *testing.T) {
	stop := make(chan struct{})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select { // never answers
		case <-r.Context().Done():
		case <-stop:
		}
	})
	defer close(stop)
	fe := fetchErr(t, newFetcher(t, Options{Timeout: 200 * time.Millisecond}), srv.URL)
	if fe.Kind != KindTimeout || !fe.Retryable {
		t.Errorf("%+v", fe)
	}
}

func TestFaultSlowDrip(t *testing.T) {
	stop := make(chan struct{})
	var sent atomic.Int64
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.WriteHeader(200)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if _, err := w.Write([]byte("<")); err != nil {
				return
			}
			sent.Add(1)
			w.(http.Flusher).Flush()
			select {
			case <-tick.C:
			case <-r.Context().Done():
				return
			case <-stop:
				return
			}
		}
	})
	defer close(stop)
	fe := fetchErr(t, newFetcher(t, Options{Timeout: 500 * time.Millisecond}), srv.URL)
	if fe.Kind != KindTimeout || !fe.Retryable || fe.Status != 200 {
		t.Errorf("%+v", fe)
	}
	if sent.Load() == 0 {
		t.Error("the server never dripped: the test did not exercise a slow body")
	}
}

func TestFaultHTTPStatus(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/500":
			http.Error(w, "internal", http.StatusInternalServerError)
		case "/404":
			http.NotFound(w, r)
		}
	})
	f := newFetcher(t, Options{})
	if fe := fetchErr(t, f, srv.URL+"/500"); fe.Kind != KindHTTPStatus || fe.Status != 500 || !fe.Retryable {
		t.Errorf("500: %+v", fe)
	}
	if fe := fetchErr(t, f, srv.URL+"/404"); fe.Kind != KindHTTPStatus || fe.Status != 404 || fe.Retryable {
		t.Errorf("404: %+v", fe)
	}
}

func TestFaultMalformed(t *testing.T) {
	bodies := map[string]string{
		"/xml":   `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>unclosed`,
		"/html":  `<!doctype html><html><body>not a feed</body></html>`,
		"/json":  `{"version":"https://jsonfeed.org/version/1.1","items":[`,
		"/empty": ``,
	}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(bodies[r.URL.Path])) })
	f := newFetcher(t, Options{})
	for p := range bodies {
		if fe := fetchErr(t, f, srv.URL+p); fe.Kind != KindParse || fe.Retryable {
			t.Errorf("%s: %+v", p, fe)
		}
	}
}

// TestFaultHugeBody serves 50 MB of zeros, chunked (no Content-Length) and
// with a Content-Length, and checks the fetch is refused as too_large long
// before the server could write it all: the fetcher stops reading, the
// connection is closed, the server's writes fail.
func TestFaultHugeBody(t *testing.T) {
	const total = 50 << 20
	const limit = 1 << 20
	for _, declared := range []bool{false, true} {
		t.Run(fmt.Sprintf("content_length=%v", declared), func(t *testing.T) {
			var written atomic.Int64
			done := make(chan struct{})
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				defer close(done)
				if declared {
					w.Header().Set("Content-Length", fmt.Sprint(total))
				}
				w.Header().Set("Content-Type", "application/rss+xml")
				chunk := make([]byte, 32<<10)
				for written.Load() < total {
					n, err := w.Write(chunk)
					written.Add(int64(n))
					if err != nil {
						return
					}
				}
			})
			fe := fetchErr(t, newFetcher(t, Options{MaxBodyBytes: limit}), srv.URL)
			if fe.Kind != KindTooLarge || fe.Retryable {
				t.Errorf("%+v", fe)
			}
			select {
			case <-done:
			case <-time.After(guard):
				t.Fatal("server handler still writing: the fetcher kept the connection open")
			}
			t.Logf("server wrote %d bytes before the connection closed", written.Load())
			// Socket buffers absorb a few MB after the client stops;
			// anything near 50 MB means the body was read through.
			if w := written.Load(); w >= total/4 {
				t.Errorf("server wrote %d bytes: the body was read far past the %d-byte limit", w, limit)
			}
		})
	}
}

func TestFaultRedirects(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case r.URL.Path == "/b":
			http.Redirect(w, r, "/a", http.StatusMovedPermanently)
		case strings.HasPrefix(r.URL.Path, "/chain/"):
			var n int
			fmt.Sscanf(r.URL.Path, "/chain/%d", &n)
			http.Redirect(w, r, fmt.Sprintf("/chain/%d", n+1), http.StatusFound)
		}
	})
	f := newFetcher(t, Options{MaxRedirects: 3})
	fe := fetchErr(t, f, srv.URL+"/a")
	if fe.Kind != KindRedirect || fe.Retryable || !errors.Is(fe, errRedirectLoop) {
		t.Errorf("loop: %+v", fe)
	}
	fe = fetchErr(t, f, srv.URL+"/chain/0")
	if fe.Kind != KindRedirect || !errors.Is(fe, errTooManyRedirects) {
		t.Errorf("chain: %+v", fe)
	}
}

func TestFaultRetryAfter(t *testing.T) {
	now := time.Date(2024, 12, 6, 12, 0, 0, 0, time.UTC)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/seconds":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/date":
			w.Header().Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/huge":
			w.Header().Set("Retry-After", "99999999")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/none":
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	f := newFetcher(t, Options{Now: func() time.Time { return now }})
	for path, want := range map[string]time.Duration{"/seconds": 2 * time.Minute, "/date": 90 * time.Second, "/huge": 24 * time.Hour, "/none": 0} {
		fe := fetchErr(t, f, srv.URL+path)
		if fe.Kind != KindHTTPStatus || fe.RetryAfter != want || !fe.Retryable {
			t.Errorf("%s: %+v, want retry after %v", path, fe, want)
		}
	}
}

func TestFetchCallerDeadlineIsATimeout(t *testing.T) {
	stop := make(chan struct{})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})
	defer close(stop)
	f := newFetcher(t, Options{Timeout: guard})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := f.Fetch(ctx, Source{ID: "s", URL: srv.URL})
	var fe *Error
	if !errors.As(err, &fe) || fe.Kind != KindTimeout {
		t.Fatalf("%v", err)
	}
	f.Close()
}

func TestFetchCanceledIsNotTheSourcesFault(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	f := newFetcher(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := f.Fetch(ctx, Source{ID: "s", URL: srv.URL})
		errc <- err
	}()
	cancel()
	select {
	case err := <-errc:
		var fe *Error
		if !errors.As(err, &fe) || fe.Kind != KindCanceled {
			t.Fatalf("%v", err)
		}
	case <-time.After(guard):
		t.Fatal("fetch did not return after cancel")
	}
}

// TestPerHostCap runs many fetches against one slow host and checks the
// server never sees more than the cap at once, and that another host is not
// held up by the busy one.
func TestPerHostCap(t *testing.T) {
	const limit, n = 2, 8
	var mu sync.Mutex
	inflight, peak, violations := 0, 0, 0
	arrived := make(chan struct{}, n)
	release := make(chan struct{}, n)
	feed := fixture(t, "rss2.xml")
	slow := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inflight++
		peak = max(peak, inflight)
		if inflight > limit {
			violations++
		}
		mu.Unlock()
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		mu.Lock()
		inflight--
		mu.Unlock()
		w.Write(feed)
	})
	other := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write(feed) })

	f := newFetcher(t, Options{PerHostConcurrency: limit, Timeout: guard})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := f.Fetch(context.Background(), Source{ID: "slow", URL: slow.URL})
			errs <- err
		})
	}
	wait := func() {
		select {
		case <-arrived:
		case <-time.After(guard):
			t.Fatal("request did not arrive")
		}
	}
	// Fill the cap, then prove another host is still served.
	wait()
	wait()
	if _, err := f.Fetch(context.Background(), Source{ID: "other", URL: other.URL}); err != nil {
		t.Fatalf("other host blocked by a busy one: %v", err)
	}
	// Let them through one at a time; each release admits one more.
	for i := 0; i < n; i++ {
		release <- struct{}{}
		if i+limit < n {
			wait()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if violations > 0 || peak != limit {
		t.Errorf("peak concurrency %d (violations %d), cap %d", peak, violations, limit)
	}
	if len(f.hosts.hosts) != 0 {
		t.Errorf("host slots leaked: %d", len(f.hosts.hosts))
	}
}

func TestHostLimiterCanceledWait(t *testing.T) {
	l := newHostLimiter(1)
	rel, err := l.acquire(context.Background(), "Example.org:80")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.acquire(ctx, "example.org:80"); !errors.Is(err, context.Canceled) {
		t.Fatalf("full host, canceled ctx: %v", err)
	}
	rel()
	rel() // idempotent
	if len(l.hosts) != 0 {
		t.Fatalf("slots left: %v", l.hosts)
	}
}

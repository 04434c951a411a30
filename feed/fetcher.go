package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
)

// Defaults for Options fields left zero.
const (
	DefaultTimeout            = 30 * time.Second
	DefaultMaxBodyBytes       = 10 << 20
	DefaultMaxRedirects       = 5
	DefaultPerHostConcurrency = 2
	DefaultTeaserRunes        = 600
	DefaultMaxFullTextPerPoll = 10
	DefaultArticleCacheSize   = 1024
)

// UserAgent is the User-Agent tocsin sends: who is polling and where to find
// out more, so that a feed operator can recognise and reach us.
func UserAgent(version string) string {
	if version == "" {
		version = "dev"
	}
	return "tocsin/" + version + " (+https://github.com/tocsin-alerts/tocsin)"
}

// Source is one feed to fetch, with what the previous successful fetch
// returned (ETag, LastModified) for a conditional request.
type Source struct {
	// ID names the source in config; it becomes report.Report.Source.
	ID string
	// URL is http://, https:// or file://.
	URL string
	// FullText fetches the article page of teaser items and extracts its
	// text with readability.
	FullText bool
	// ETag and LastModified are the validators of the previous fetch
	// (Result.ETag, Result.LastModified), empty on the first.
	ETag, LastModified string
}

// Result is one successful fetch.
type Result struct {
	// Reports are the feed's items, sanitized, in feed order. Empty when
	// NotModified.
	Reports []report.Report
	// NotModified is true when the server answered 304 (or a file:// feed
	// is unchanged): nothing to parse.
	NotModified bool
	// ETag and LastModified are the validators to send next time (the
	// previous ones are carried over on a 304 that omits them).
	ETag, LastModified string
	// MinInterval is the server's floor for the next poll: the larger of
	// RSS <ttl> and Cache-Control max-age, capped at 24 h; 0 when none.
	MinInterval time.Duration
	// Status is the HTTP status (0 for file://).
	Status int
	// Bytes is the size of the body read.
	Bytes int64
	// Charset is the encoding the body was read as ("utf-8",
	// "windows-1252"...) and CharsetFrom what decided it: bom, header,
	// declaration, utf-8 or detected (see toUTF8).
	Charset, CharsetFrom string

	contentType string
}

// Options configures a Fetcher. Zero values take the defaults above.
type Options struct {
	// UserAgent defaults to UserAgent("dev"); use UserAgent(version).
	UserAgent string
	// Timeout bounds one request from dial to the last body byte.
	Timeout time.Duration
	// MaxBodyBytes bounds a feed or article body; larger is an error.
	MaxBodyBytes int64
	// MaxRedirects bounds the redirects followed per request.
	MaxRedirects int
	// PerHostConcurrency caps concurrent requests to one host.
	PerHostConcurrency int
	// TeaserRunes: with Source.FullText, an item whose text is shorter
	// than this is a teaser and its page is fetched.
	TeaserRunes int
	// MaxFullTextPerFetch bounds article fetches per feed fetch, so that
	// adding a 500-item feed does not fire 500 page requests at once.
	MaxFullTextPerFetch int
	// ArticleCacheSize bounds the remembered article extractions (by URL),
	// so an item is fetched in full once, not on every poll.
	ArticleCacheSize int
	// ArticlesAnyAddress lets full-text fetches reach loopback and private
	// addresses. Off by default: article links are written by the feed's
	// author, not by the operator (see guardedTransport).
	ArticlesAnyAddress bool
	// HTTPClient is optional; its Transport (and Jar) are used, but its
	// CheckRedirect is replaced by the redirect limit. Tests inject a
	// Transport whose DialContext fails to simulate DNS failures. When set,
	// it is used for article pages too, and the private-address guard is
	// the caller's business.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the clock (Retry-After dates, Fetched times).
	Now func() time.Time
}

var _ error = (*Error)(nil)

// Fetcher fetches feeds politely. It is safe for concurrent use; all fetches
// through one Fetcher share its per-host caps and article cache.
type Fetcher struct {
	o      Options
	client *http.Client
	// articleClient fetches full-text pages; it refuses non-public
	// addresses unless ArticlesAnyAddress or HTTPClient is set.
	articleClient *http.Client
	hosts         *hostLimiter
	log           *slog.Logger
	articles      *articleCache
}

// NewFetcher returns a Fetcher with o's zero fields set to defaults.
func NewFetcher(o Options) *Fetcher {
	if o.UserAgent == "" {
		o.UserAgent = UserAgent("")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.PerHostConcurrency <= 0 {
		o.PerHostConcurrency = DefaultPerHostConcurrency
	}
	if o.TeaserRunes <= 0 {
		o.TeaserRunes = DefaultTeaserRunes
	}
	if o.MaxFullTextPerFetch <= 0 {
		o.MaxFullTextPerFetch = DefaultMaxFullTextPerPoll
	}
	if o.ArticleCacheSize <= 0 {
		o.ArticleCacheSize = DefaultArticleCacheSize
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var c http.Client
	if o.HTTPClient != nil {
		c = *o.HTTPClient
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = o.Timeout
		t.MaxIdleConnsPerHost = o.PerHostConcurrency
		c.Transport = t
	}
	maxRedirects := o.MaxRedirects
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		for _, v := range via {
			if v.URL.String() == req.URL.String() {
				return fmt.Errorf("%w: back to %s", errRedirectLoop, RedactURL(req.URL.String()))
			}
		}
		if len(via) > maxRedirects {
			return fmt.Errorf("%w: more than %d", errTooManyRedirects, maxRedirects)
		}
		return nil
	}
	ac := &c
	if o.HTTPClient == nil && !o.ArticlesAnyAddress {
		ac = &http.Client{Transport: guardedTransport(o.Timeout, o.PerHostConcurrency), CheckRedirect: c.CheckRedirect}
	}
	return &Fetcher{
		o:             o,
		client:        &c,
		articleClient: ac,
		hosts:         newHostLimiter(o.PerHostConcurrency),
		log:           o.Logger.With("component", "feed"),
		articles:      newArticleCache(o.ArticleCacheSize),
	}
}

// Close releases idle keep-alive connections. The Fetcher stays usable; call
// it on shutdown so no connection outlives the service.
func (f *Fetcher) Close() {
	f.client.CloseIdleConnections()
	f.articleClient.CloseIdleConnections()
}

// Fetch fetches and parses s. A failure is always a *Error.
func (f *Fetcher) Fetch(ctx context.Context, s Source) (Result, error) {
	u, err := url.Parse(s.URL)
	if err != nil {
		return Result{}, &Error{Kind: KindInvalidURL, URL: RedactURL(s.URL), Err: errors.New("unparseable URL")}
	}
	var res Result
	var body []byte
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return Result{}, &Error{Kind: KindInvalidURL, URL: RedactURL(s.URL), Err: errors.New("no host")}
		}
		res, body, err = f.fetchHTTP(ctx, s)
	case "file":
		res, body, err = f.fetchFile(s, u)
	default:
		return Result{}, &Error{Kind: KindInvalidURL, URL: RedactURL(s.URL), Err: fmt.Errorf("unsupported scheme %q", u.Scheme)}
	}
	if err != nil || res.NotModified {
		return res, err
	}
	dec := toUTF8(body, res.contentType)
	res.Charset, res.CharsetFrom = dec.charset, dec.from
	parsed, err := parseFeed(dec.body)
	if err != nil {
		return Result{}, &Error{Kind: KindParse, URL: RedactURL(s.URL), Status: res.Status, Err: err}
	}
	res.MinInterval = max(res.MinInterval, parsed.ttl)
	res.Reports = itemsToReports(parsed.feed, s, u, f.o.Now())
	if s.FullText {
		f.fillFullText(ctx, s, res.Reports)
	}
	f.log.Debug("fetched", "source", s.ID, "url", RedactURL(s.URL), "status", res.Status,
		"bytes", res.Bytes, "charset", res.Charset, "charset_from", res.CharsetFrom, "reports", len(res.Reports), "min_interval", res.MinInterval)
	return res, nil
}

// fetchHTTP performs the conditional GET of a feed and returns its body.
func (f *Fetcher) fetchHTTP(ctx context.Context, s Source) (Result, []byte, error) {
	resp, body, err := f.get(ctx, f.client, s.URL, "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5", func(h http.Header) {
		if s.ETag != "" {
			h.Set("If-None-Match", s.ETag)
		}
		if s.LastModified != "" {
			h.Set("If-Modified-Since", s.LastModified)
		}
	})
	if err != nil {
		return Result{}, nil, err
	}
	res := Result{
		Status:       resp.StatusCode,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		MinInterval:  parseMaxAge(resp.Header.Get("Cache-Control")),
		Bytes:        int64(len(body)),
		contentType:  resp.Header.Get("Content-Type"),
	}
	if resp.StatusCode == http.StatusNotModified {
		res.NotModified = true
		if res.ETag == "" {
			res.ETag = s.ETag
		}
		if res.LastModified == "" {
			res.LastModified = s.LastModified
		}
	}
	return res, body, nil
}

// get performs one polite GET: a per-host slot, the User-Agent, one deadline
// for the whole exchange, the redirect policy and the size cap. It returns
// the response (body already read and closed) for 2xx and 304; any other
// status is an *Error of KindHTTPStatus.
func (f *Fetcher) get(ctx context.Context, client *http.Client, rawURL, accept string, header func(http.Header)) (*http.Response, []byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, &Error{Kind: KindInvalidURL, URL: RedactURL(rawURL), Err: errors.New("unparseable URL")}
	}
	release, err := f.hosts.acquire(ctx, u.Host)
	if err != nil {
		return nil, nil, classify(ctx, rawURL, err)
	}
	defer release()

	rctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, nil, &Error{Kind: KindInvalidURL, URL: RedactURL(rawURL), Err: redactURLErrors(err)}
	}
	req.Header.Set("User-Agent", f.o.UserAgent)
	req.Header.Set("Accept", accept)
	if header != nil {
		header(req.Header)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, classify(ctx, rawURL, err)
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusNotModified:
		return resp, nil, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		e := &Error{Kind: KindHTTPStatus, URL: RedactURL(rawURL), Status: resp.StatusCode, Err: errors.New(statusText(resp.StatusCode))}
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), f.o.Now())
			e.Retryable = true
		case http.StatusRequestTimeout, http.StatusTooEarly:
			e.Retryable = true
		default:
			e.Retryable = resp.StatusCode >= 500
		}
		return nil, nil, e
	}
	if resp.ContentLength > f.o.MaxBodyBytes {
		return nil, nil, &Error{Kind: KindTooLarge, URL: RedactURL(rawURL), Status: resp.StatusCode,
			Err: fmt.Errorf("%w: Content-Length %d > %d", errBodyTooLarge, resp.ContentLength, f.o.MaxBodyBytes)}
	}
	body, err := readCapped(resp.Body, f.o.MaxBodyBytes)
	if err != nil {
		e := classify(ctx, rawURL, err)
		e.Status = resp.StatusCode
		return nil, nil, e
	}
	return resp, body, nil
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "unexpected status"
}

// readCapped reads r to EOF, failing with errBodyTooLarge as soon as more
// than limit bytes arrive: at most limit+1 bytes are ever read or held.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w (%d bytes)", errBodyTooLarge, limit)
	}
	return b, nil
}

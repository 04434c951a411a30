package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	lru "github.com/hashicorp/golang-lru/v2"
	"net/url"
	"strings"
	"unicode/utf8"

	readability "github.com/go-shiori/go-readability"

	"github.com/tocsin-alerts/tocsin/report"
)

// fillFullText replaces teaser texts with the text of the article page, in
// place. Failures are logged and leave the teaser: a story scored on its
// teaser is better than a story lost. At most MaxFullTextPerFetch pages are
// requested per call; the others keep their teaser until a later poll.
func (f *Fetcher) fillFullText(ctx context.Context, s Source, rs []report.Report) {
	budget := f.o.MaxFullTextPerFetch
	for i := range rs {
		r := &rs[i]
		if utf8.RuneCountInString(r.Text) >= f.o.TeaserRunes || report.CanonicalURL(r.URL) == "" {
			continue
		}
		key := report.CanonicalURL(r.URL)
		if text, ok := f.articles.Get(key); ok {
			if text != "" {
				r.Text = text
				*r = r.Sanitize()
			}
			continue
		}
		if budget == 0 || ctx.Err() != nil {
			continue
		}
		budget--
		text, err := f.fetchArticle(ctx, r.URL)
		if err != nil {
			var fe *Error
			if errors.As(err, &fe) && fe.Kind == KindCanceled {
				return // shutting down: not the article's fault, do not cache
			}
			f.log.Warn("full-text fetch failed, keeping the teaser",
				"source", s.ID, "url", RedactURL(r.URL), "error", err)
			f.articles.Add(key, "") // do not hammer a page that fails
			continue
		}
		if utf8.RuneCountInString(text) <= utf8.RuneCountInString(r.Text) {
			f.articles.Add(key, "") // extraction found less than the teaser
			continue
		}
		text = report.TruncateBytes(text, report.MaxTextBytes)
		f.articles.Add(key, text)
		r.Text = text
		*r = r.Sanitize()
	}
}

// fetchArticle GETs a page (same politeness and caps as feeds) and extracts
// its main text with readability.
func (f *Fetcher) fetchArticle(ctx context.Context, rawURL string) (string, error) {
	resp, body, err := f.get(ctx, f.articleClient, rawURL, "text/html, application/xhtml+xml;q=0.9, */*;q=0.5", nil)
	if err != nil {
		return "", err
	}
	if ct := strings.ToLower(resp.Header.Get("Content-Type")); ct != "" && !strings.Contains(ct, "html") {
		return "", &Error{Kind: KindParse, URL: RedactURL(rawURL), Status: resp.StatusCode, Err: fmt.Errorf("content type %q is not HTML", ct)}
	}
	page, _ := url.Parse(resp.Request.URL.String()) // the final URL, after redirects
	art, err := readability.FromReader(bytes.NewReader(body), page)
	if err != nil {
		return "", &Error{Kind: KindParse, URL: RedactURL(rawURL), Status: resp.StatusCode, Err: fmt.Errorf("readability: %w", err)}
	}
	var text string
	if art.Node != nil {
		text = nodeText(art.Node)
	} else {
		text = plainText(art.TextContent)
	}
	if text == "" {
		return "", &Error{Kind: KindParse, URL: RedactURL(rawURL), Status: resp.StatusCode, Err: errors.New("readability found no article text")}
	}
	return text, nil
}

// articleCache is a small LRU of extracted article texts by canonical URL.
// "" records a failed or useless extraction, so it is not retried each poll.
type articleCache = lru.Cache[string, string]

func newArticleCache(size int) *articleCache {
	c, _ := lru.New[string, string](max(size, 1)) // New fails only for size <= 0
	return c
}

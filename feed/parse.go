package feed

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"

	"github.com/tocsin-alerts/tocsin/report"
)

// parsedFeed is a gofeed result plus the RSS <ttl>, which the universal
// gofeed.Feed does not carry.
type parsedFeed struct {
	feed *gofeed.Feed
	ttl  time.Duration
}

// parseFeed detects and parses any format gofeed knows (RSS 0.9x/1.0 (RDF)/
// 2.0, Atom 0.3/1.0, JSON Feed) in a body already converted to UTF-8
// (toUTF8). A fresh gofeed.Parser per call keeps fetches independent; it is
// cheap next to the parse itself.
func parseFeed(body []byte) (parsedFeed, error) {
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	fd, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		return parsedFeed{}, fmt.Errorf("parse feed: %w", err)
	}
	out := parsedFeed{feed: fd}
	if rf, ok := fd.OriginalFeed().(*rss.Feed); ok {
		out.ttl = parseTTL(rf.TTL)
	}
	return out, nil
}

// itemsToReports maps feed items to sanitized reports. Items with neither
// title nor text nor link carry nothing to score and are dropped.
func itemsToReports(fd *gofeed.Feed, s Source, feedURL *url.URL, now time.Time) []report.Report {
	outlet := oneLine(HTMLToText(fd.Title))
	base := feedURL
	if fd.Link != "" {
		if l, err := feedURL.Parse(fd.Link); err == nil {
			base = l
		}
	}
	out := make([]report.Report, 0, len(fd.Items))
	for _, it := range fd.Items {
		if it == nil {
			continue
		}
		r := report.Report{
			Source:  s.ID,
			Outlet:  outlet,
			Title:   oneLine(HTMLToText(it.Title)),
			URL:     resolveLink(base, it.Link),
			Fetched: now,
		}
		r.GUID = strings.TrimSpace(it.GUID)
		if r.GUID == "" {
			r.GUID = r.URL
		}
		r.Text = HTMLToText(it.Content)
		if r.Text == "" {
			r.Text = HTMLToText(it.Description)
		}
		switch {
		case it.PublishedParsed != nil:
			r.Published = it.PublishedParsed.UTC()
		case it.UpdatedParsed != nil:
			r.Published = it.UpdatedParsed.UTC()
		}
		if r.Title == "" && r.Text == "" && r.URL == "" {
			continue
		}
		out = append(out, r.Sanitize())
	}
	return out
}

// resolveLink makes a relative item link absolute against the feed's site
// (or the feed URL); an unparseable link is kept as published.
func resolveLink(base *url.URL, link string) string {
	link = strings.TrimSpace(link)
	if link == "" {
		return ""
	}
	l, err := url.Parse(link)
	if err != nil || l.IsAbs() || base == nil {
		return link
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return link
	}
	return base.ResolveReference(l).String()
}

// oneLine joins a multi-line title into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

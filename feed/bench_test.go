package feed

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rss50 builds a realistic 50-item RSS 2.0 feed: HTML descriptions of a few
// paragraphs with entities, as wire feeds carry.
func rss50() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Wire</title><link>https://news.example.org/</link><ttl>10</ttl>`)
	para := `<p>Forces were ordered to withdraw from the eastern districts on Saturday, three military sources said, after a week of heavy fighting &amp; shelling near the airport.</p>`
	for i := range 50 {
		fmt.Fprintf(&b, `<item><title>Story %d: troops withdraw &amp; airport closed</title><link>https://news.example.org/a/%d</link><guid>wire-%d</guid><pubDate>Thu, 05 Dec 2024 16:%02d:00 GMT</pubDate><description><![CDATA[%s]]></description></item>`,
			i, i, i, i, strings.Repeat(para, 4))
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// BenchmarkParseRSS50 measures parsing and mapping a 50-item feed to
// reports (gofeed + HTML-to-text + sanitize): the CPU cost of one poll of a
// changed feed.
func BenchmarkParseRSS50(b *testing.B) {
	body := rss50()
	u, _ := url.Parse("https://news.example.org/feed")
	src := Source{ID: "bench"}
	now := time.Now()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := parseFeed(body)
		if err != nil {
			b.Fatal(err)
		}
		if rs := itemsToReports(p.feed, src, u, now); len(rs) != 50 {
			b.Fatalf("%d reports", len(rs))
		}
	}
}

// BenchmarkFetchRSS50 is the same feed through the whole fetch path over
// loopback HTTP (per-host slot, request, capped read, parse).
func BenchmarkFetchRSS50(b *testing.B) {
	body := rss50()
	srv := serveB(b, func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	f := NewFetcher(Options{})
	src := Source{ID: "bench", URL: srv}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := f.Fetch(context.Background(), src)
		if err != nil || len(res.Reports) != 50 {
			b.Fatal(err, len(res.Reports))
		}
	}
}

func BenchmarkHTMLToText(b *testing.B) {
	in := strings.Repeat(`<p>Forces were ordered to <b>withdraw</b> &amp; regroup, officials said.</p>`, 40)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		HTMLToText(in)
	}
}

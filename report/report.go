// Package report holds the Report type that flows through tocsin and its
// identity rules.
//
// A report is one news item as a source delivered it. The same item is often
// seen many times (feeds repeat items, a folder is rescanned, a push client
// retries), so identity is decided here once, in one place: the publisher's
// GUID when there is one, else the canonical URL, else a hash of the content.
// Everything downstream (store dedup, incidents, outbox keys) relies on that
// key being stable across polls and restarts.
//
// The package does no I/O and imports nothing but the standard library.
package report

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxTextBytes bounds the body kept for scoring. Reports larger than this are
// truncated (at a rune boundary) rather than rejected: a huge page must not
// stall the pipeline, and the key fact of a news report is almost never
// 4 MiB deep.
const MaxTextBytes = 4 << 20

// Report is one news item from a source.
type Report struct {
	// GUID is the publisher's own identifier (RSS guid, Atom id, JSON id).
	GUID string `json:"guid,omitempty"`
	// URL is the item's link as published.
	URL string `json:"url,omitempty"`
	// Source names where tocsin got the report (a configured source id).
	Source string `json:"source,omitempty"`
	// Outlet is the publisher's display name when known (e.g. "Reuters").
	Outlet    string    `json:"outlet,omitempty"`
	Title     string    `json:"title,omitempty"`
	Text      string    `json:"text"`
	Published time.Time `json:"published,omitzero"`
	// Fetched is when tocsin first saw the report.
	Fetched time.Time `json:"fetched,omitzero"`
	// Labels are the labels of the source the report came from (config
	// sources[].labels: region, trust...), set by the poller. They are not
	// part of the report's identity or content, and not the corpus label.
	Labels Labels `json:"labels,omitzero"`
}

// Identity returns the stable key of a report: "guid:<source>:<guid>" when the
// publisher gave one, else "url:<canonical url>", else "hash:<content hash>".
//
// GUIDs are scoped by source because publishers reuse short GUIDs ("1", "42");
// URLs are global because two feeds that link the same page carry the same
// story.
func (r Report) Identity() string {
	if g := strings.TrimSpace(r.GUID); g != "" {
		return "guid:" + r.Source + ":" + g
	}
	if u := CanonicalURL(r.URL); u != "" {
		return "url:" + u
	}
	return "hash:" + r.ContentHash()
}

// ContentHash is a hex SHA-256 of the normalised title and text. It changes
// when the words change and not when only whitespace or case does, so an
// edited story is re-scored while a re-serialised one is not.
func (r Report) ContentHash() string {
	h := sha256.New()
	h.Write([]byte(normalizeForHash(r.Title)))
	h.Write([]byte{0})
	h.Write([]byte(normalizeForHash(r.Text)))
	return hex.EncodeToString(h.Sum(nil))
}

// FullText is the title and the body joined by a blank line (or whichever of
// the two is present): the text a reader sees. Evidence offsets do not refer
// to it: they index the title or the text field, as Evidence.Field says.
func (r Report) FullText() string {
	if r.Title == "" {
		return r.Text
	}
	if r.Text == "" {
		return r.Title
	}
	return r.Title + "\n\n" + r.Text
}

// Sanitize returns a copy whose strings are valid UTF-8 (invalid bytes become
// U+FFFD), free of NUL bytes, and whose text is at most MaxTextBytes long.
// Every source calls it, so the rest of tocsin may assume clean strings.
func (r Report) Sanitize() Report {
	r.GUID = cleanString(r.GUID, 2048)
	r.URL = cleanString(r.URL, 4096)
	r.Source = cleanString(r.Source, 256)
	r.Outlet = cleanString(r.Outlet, 256)
	r.Title = cleanString(r.Title, 4096)
	r.Text = cleanString(r.Text, MaxTextBytes)
	return r
}

func cleanString(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return TruncateBytes(s, max)
}

// TruncateBytes cuts s to at most max bytes without splitting a rune.
func TruncateBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func normalizeForHash(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// trackingParams are query parameters that identify a campaign, not a page.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "mc_cid": true, "mc_eid": true, "ref": true, "ref_src": true, "cmpid": true,
}

// CanonicalURL normalises a URL so that the same page linked in different ways
// has one key: lower-case scheme and host, no default port, no fragment, no
// utm_* or other tracking parameters, sorted query, no trailing slash on the
// path. It returns "" for anything that is not an absolute http(s) URL.
func CanonicalURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.User = nil
	u.Fragment = ""
	u.RawFragment = ""
	q := u.Query()
	for k := range q {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "utm_") || trackingParams[lk] {
			q.Del(k)
		}
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		vs := q[k]
		sort.Strings(vs)
		for j, v := range vs {
			if i+j > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	u.RawQuery = b.String()
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String()
}

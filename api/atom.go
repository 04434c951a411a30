package api

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/gorilla/feeds"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/feed"
)

// feedEntries is how many events the Atom feed carries.
const feedEntries = 100

// atom serves the most recent alert events as an Atom feed (gorilla/feeds),
// filtered like the incident list (place, category, minimum severity), so a
// feed reader, an RSS-to-chat bridge or another tocsin can follow them.
// Entries are plain text (type="text"): report text is never read as HTML
// by the reader.
func (s *Server) atom(w http.ResponseWriter, r *http.Request) {
	var problems []feed.FieldError
	sel := s.parseSelector(r.URL.Query(), &problems)
	if len(problems) > 0 {
		bad(w, problems)
		return
	}
	ctx, cancel := timeout(r)
	defer cancel()
	evs, err := s.o.Events.RecentEvents(ctx, 5*feedEntries)
	if err != nil {
		s.internal(w, "alerts", err)
		return
	}
	self := "http://" + r.Host + r.URL.RequestURI()
	f := &feeds.Feed{Title: s.o.Title, Id: "urn:tocsin:alerts", Link: &feeds.Link{Href: self, Rel: "self"},
		Author: &feeds.Author{Name: "tocsin"}, Updated: s.o.Now()}
	for _, a := range evs {
		if len(f.Items) == feedEntries {
			break
		}
		if !sel.Matches(a.Incident) {
			continue
		}
		f.Items = append(f.Items, entry(a))
	}
	if len(f.Items) > 0 {
		f.Updated = f.Items[0].Updated
	}
	af := (&feeds.Atom{Feed: f}).AtomFeed()
	for _, e := range af.Entries {
		if e.Summary != nil {
			e.Summary.Type = "text"
		}
	}
	var b bytes.Buffer
	if err := feeds.WriteXML(af, &b); err != nil {
		s.internal(w, "alerts feed", err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b.Bytes())
}

// entry is one event as a feed entry: "[CRITICAL] escalated: title —
// place", the summary, the reason and the sources.
func entry(a alerts.Alert) *feeds.Item {
	inc := a.Incident
	title := fmt.Sprintf("[%s] %s: %s", strings.ToUpper(inc.Severity.String()), a.Kind, clean(inc.Title))
	if inc.Location != "" {
		title += " — " + clean(inc.Location)
	}
	var b strings.Builder
	b.WriteString(clean(inc.Summary))
	fmt.Fprintf(&b, "\n\nWhy: %s. Categories: %s. Sources: %d. Incident %s.", clean(a.Reason),
		clean(strings.Join(inc.Categories, ", ")), inc.Corroboration, clean(inc.ID))
	for _, src := range inc.Sources {
		b.WriteString("\n- " + clean(firstNonEmpty(src.Outlet, src.Source)))
		if src.Title != "" {
			b.WriteString(": " + clean(src.Title))
		}
		if u := safeURL(src.URL); u != "" {
			b.WriteString(" " + u)
		}
	}
	it := &feeds.Item{Title: title, Id: "urn:tocsin:alert:" + a.ID, Description: b.String(), Created: a.At, Updated: a.At}
	if u := safeURL(a.Report.URL); u != "" {
		it.Link = &feeds.Link{Href: u}
	} else if len(inc.Sources) > 0 {
		if u := safeURL(inc.Sources[0].URL); u != "" {
			it.Link = &feeds.Link{Href: u}
		}
	}
	return it
}

// clean makes untrusted text fit for XML: valid UTF-8, no control
// characters but newlines, bounded.
func clean(s string) string {
	if len(s) > 4000 {
		s = s[:4000]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r == '\n' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
}

// safeURL keeps http(s) links only: no javascript:, no data:.
func safeURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

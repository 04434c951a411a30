package notify

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
)

// Card is an alert's living message as plain pieces of text. Every piece
// that came from a report is cleaned (valid UTF-8, no control or bidi
// characters, bounded) but not escaped: each platform escapes for its own
// markup and mention syntax.
type Card struct {
	// Head is "CRITICAL · escalated (high → critical)" and the like.
	Head    string
	Title   string
	Place   string
	Summary string
	// Facts are short "Name: value" lines.
	Facts   []Fact
	Sources []Link
	// Footer names the incident ("tocsin · inc-…").
	Footer string
	// Resolved is set once the incident is over.
	Resolved bool
}

// Fact is one "Name: value" line of a card.
type Fact struct{ Name, Value string }

// Link is a source: its name and an http(s) URL ("" when it had none or
// an unsafe one).
type Link struct{ Name, URL string }

// Limits on card pieces, in runes, well inside every platform's message
// limit (Telegram's 4096 is the smallest).
const (
	maxTitle   = 250
	maxPlace   = 120
	maxSummary = 1500
	maxFact    = 300
	maxSources = 5
)

// SeverityMark is a coloured circle per severity, for platforms without
// embed colours.
func SeverityMark(s rules.Severity) string {
	switch s {
	case rules.SevCritical:
		return "🔴"
	case rules.SevHigh:
		return "🟠"
	case rules.SevMedium:
		return "🟡"
	}
	return "⚪"
}

// CardOf builds the living message of an incident after alert a.
func CardOf(a alerts.Alert) Card {
	inc := a.Incident
	c := Card{Title: Clean(inc.Title, maxTitle), Place: Clean(inc.Location, maxPlace), Summary: Clean(inc.Summary, maxSummary),
		Footer: "tocsin · " + Clean(inc.ID, 40), Resolved: !inc.Open()}
	c.Head = fmt.Sprintf("%s %s · %s", SeverityMark(inc.Severity), strings.ToUpper(inc.Severity.String()), Headline(a))
	if c.Title == "" {
		c.Title = "Untitled incident"
	}
	c.Facts = append(c.Facts, Fact{"Categories", Clean(strings.Join(inc.Categories, ", "), maxFact)},
		Fact{"Sources", fmt.Sprint(inc.Corroboration)})
	if inc.Contested {
		c.Facts = append(c.Facts, Fact{"Contested", "sources disagree or deny it"})
	}
	if len(inc.Evidence) > 0 {
		e := inc.Evidence[0]
		c.Facts = append(c.Facts, Fact{"Why", Clean(e.Rule+": "+e.Why, maxFact)})
	}
	for i, s := range inc.Sources {
		if i == maxSources {
			break
		}
		name := s.Outlet
		if name == "" {
			name = s.Source
		}
		if s.Title != "" {
			name += ": " + s.Title
		}
		c.Sources = append(c.Sources, Link{Name: Clean(name, 200), URL: SafeURL(s.URL)})
	}
	return c
}

// Headline says what happened: "opened", "escalated (high → critical)",
// "resolved".
func Headline(a alerts.Alert) string {
	switch a.Kind {
	case alerts.Escalated:
		return fmt.Sprintf("escalated (%s → %s)", a.PrevSeverity, a.Incident.Severity)
	case alerts.Resolved:
		return "resolved"
	}
	return string(a.Kind)
}

// LineOf is an event's timeline line: "escalated (high → critical): severity
// rose · Reuters: Missiles hit Kharkiv".
func LineOf(a alerts.Alert) string {
	line := Headline(a) + ": " + Clean(a.Reason, 200)
	if r := a.Report; r.Title != "" || r.Outlet != "" {
		who := r.Outlet
		if who == "" {
			who = r.Source
		}
		line += " · " + Clean(who+": "+r.Title, 250)
	}
	return line
}

// Clean makes untrusted text fit to show: valid UTF-8, whitespace folded to
// single spaces, no control or bidi-override characters, at most n runes
// (ending with "…" when cut).
func Clean(s string, n int) string {
	if len(s) > 4*n+16 {
		s = s[:4*n+16]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r), r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	out := b.String()
	if utf8.RuneCountInString(out) > n {
		out = string([]rune(out)[:n-1]) + "…"
	}
	return out
}

// SafeURL keeps http(s) URLs only (no javascript:, data:, or links that
// hide credentials).
func SafeURL(s string) string {
	if len(s) > 1000 {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}

// Shorter is the card cut down for a platform whose limit a hostile card
// (every character an escaped one) could pass: a short summary, two
// sources, short facts. Its text is at most about 1,300 runes before
// escaping.
func (c Card) Shorter() Card {
	c.Title = Clean(c.Title, 150)
	c.Summary = Clean(c.Summary, 300)
	if len(c.Sources) > 2 {
		c.Sources = c.Sources[:2]
	}
	for i := range c.Sources {
		c.Sources[i].Name = Clean(c.Sources[i].Name, 100)
	}
	facts := make([]Fact, len(c.Facts))
	for i, f := range c.Facts {
		facts[i] = Fact{f.Name, Clean(f.Value, 100)}
	}
	c.Facts = facts
	return c
}

package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
)

// funcs are the template helpers. None returns template.HTML built from
// data: everything from a report goes through html/template's escaping.
var funcs = template.FuncMap{
	"sevClass": sevClass,
	"ago":      ago,
	"stamp":    stamp,
	"join":     strings.Join,
	"state":    incidentState,
	"httpURL":  httpURL,
	"incURL":   func(id string) string { return "/incidents/" + url.PathEscape(id) },
	"pct":      func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"score":    func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"add":      func(a, b int) int { return a + b },
}

// sevClass is the CSS class of a severity ("sev-critical").
func sevClass(s rules.Severity) string { return "sev-" + s.String() }

// ago says how long before now t was (or how far ahead), coarsely.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	suffix := " ago"
	if d < 0 {
		d, suffix = -d, " from now"
	}
	switch {
	case d < time.Minute:
		if suffix == " ago" {
			return "just now"
		}
		return "in under a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min%s", int(d.Minutes()), suffix)
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h%s", int(d.Hours()), suffix)
	}
	return fmt.Sprintf("%d days%s", int(d.Hours()/24), suffix)
}

// stamp is an absolute UTC time for title attributes and tables.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// incidentState names an incident's lifecycle state.
func incidentState(inc alerts.Incident) string {
	switch {
	case !inc.Alerted:
		return "pending"
	case inc.Open():
		return "open"
	}
	return "resolved"
}

// httpURL returns u when it is an absolute http(s) URL, else "": a report's
// link is shown only when it can be followed safely.
func httpURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return p.String()
}

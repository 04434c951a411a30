// Package console is the default notifier: it prints each incident event as
// a human-readable card (a quiet update or a model summary as one short
// line that follows it), or as one JSON object per line for scripts
// (`--format jsonl`). Report text is untrusted: control characters (terminal
// escape sequences included) are stripped before printing.
package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/report"
)

// Format is the output format.
type Format string

// Formats.
const (
	Text  Format = "text"
	JSONL Format = "jsonl"
)

// ParseFormat validates a format name.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case Text, JSONL:
		return Format(s), nil
	case "":
		return Text, nil
	}
	return "", fmt.Errorf("unknown console format %q (want text or jsonl)", s)
}

// Notifier writes alerts to a writer (stdout in production).
type Notifier struct {
	w      io.Writer
	format Format
	// slot admits one write at a time. A write that blocks (stdout a pipe
	// nobody reads) keeps it; later alerts wait for it under their own
	// context, so Notify always returns when its context ends.
	slot chan struct{}

	mu sync.Mutex
	// inflight are the writes started and not yet finished, by alert id: a
	// retry of an alert whose write is still blocked waits for that write
	// instead of printing the alert twice.
	inflight map[string]*write
	// written remembers recent alert ids printed, so the same alert
	// delivered again (a retry after a timeout) prints once per process.
	written *lru.Cache[string, struct{}]
}

type write struct {
	done chan struct{}
	err  error
}

var _ alerts.Notifier = (*Notifier)(nil)

// rememberWritten bounds the alert ids kept for deduplication.
const rememberWritten = 4096

// New returns a console notifier writing to w.
func New(w io.Writer, f Format) *Notifier {
	c, _ := lru.New[string, struct{}](rememberWritten) // only fails for a size <= 0
	return &Notifier{w: w, format: f, slot: make(chan struct{}, 1), inflight: map[string]*write{}, written: c}
}

// Name is "console".
func (n *Notifier) Name() string { return "console" }

// Notify prints the alert. It returns when the text is written or when ctx
// ends, whichever is first; a write still blocked then finishes (or not) in
// the background and a retry of the same alert waits for it. A write error
// or a blocked output is retryable: a full pipe may drain.
func (n *Notifier) Notify(ctx context.Context, a alerts.Alert) (bool, error) {
	out, err := n.render(a)
	if err != nil {
		return false, err
	}
	n.mu.Lock()
	if _, ok := n.written.Get(a.ID); ok {
		n.mu.Unlock()
		return false, nil
	}
	if w, ok := n.inflight[a.ID]; ok {
		n.mu.Unlock()
		return n.wait(ctx, a.ID, w)
	}
	n.mu.Unlock()
	select {
	case n.slot <- struct{}{}:
	case <-ctx.Done():
		return true, fmt.Errorf("console: alert %s: output blocked by an earlier write (is stdout being read?): %w", a.ID, ctx.Err())
	}
	w := &write{done: make(chan struct{})}
	n.mu.Lock()
	n.inflight[a.ID] = w
	n.mu.Unlock()
	go func() {
		defer func() { <-n.slot }()
		_, err := io.WriteString(n.w, out)
		n.mu.Lock()
		w.err = err
		delete(n.inflight, a.ID)
		if err == nil {
			n.written.Add(a.ID, struct{}{})
		}
		n.mu.Unlock()
		close(w.done)
	}()
	return n.wait(ctx, a.ID, w)
}

func (n *Notifier) wait(ctx context.Context, id string, w *write) (bool, error) {
	select {
	case <-w.done:
		if w.err != nil {
			return true, fmt.Errorf("console: write alert %s: %w", id, w.err)
		}
		return false, nil
	case <-ctx.Done():
		return true, fmt.Errorf("console: alert %s: write still blocked (is stdout being read?): %w", id, ctx.Err())
	}
}

// render formats an alert: a card for what is news, one short line for a
// quiet update or a model summary (a terminal has no message to edit, so
// they follow), one JSON object per event for jsonl.
func (n *Notifier) render(a alerts.Alert) (string, error) {
	if n.format == JSONL {
		b, err := json.Marshal(jsonLine(a))
		if err != nil {
			return "", fmt.Errorf("console: encode alert %s: %w", a.ID, err)
		}
		return string(b) + "\n", nil
	}
	switch {
	case a.Kind == alerts.Summarized:
		return SummaryLine(a), nil
	case a.Quiet:
		return UpdateLine(a), nil
	}
	return Card(a), nil
}

// UpdateLine renders a quiet update: the incident's sources now.
func UpdateLine(a alerts.Alert) string {
	inc := a.Incident
	var names []string
	for i, s := range inc.Sources {
		if i == 5 {
			names = append(names, fmt.Sprintf("+%d more", len(inc.Sources)-5))
			break
		}
		name := clean(s.Outlet, 80)
		if name == "" {
			name = clean(s.Source, 80)
		}
		names = append(names, name)
	}
	return fmt.Sprintf("── update · %s · %s · %d corroborating: %s · %s ──\n", strings.ToUpper(inc.Severity.String()),
		placeOrUnknown(inc.Location), inc.Corroboration, strings.Join(names, ", "), clean(inc.ID, 80))
}

// SummaryLine renders a model summary that followed an alert.
func SummaryLine(a alerts.Alert) string {
	inc := a.Incident
	return fmt.Sprintf("── summary · %s · %s ──\n  %s\n\n", placeOrUnknown(inc.Location), clean(inc.ID, 80), clean(inc.Summary, 600))
}

func placeOrUnknown(loc string) string {
	if p := clean(loc, 200); p != "" {
		return p
	}
	return "place unknown"
}

// line is the JSON shape of one alert: flat and stable for scripts.
type line struct {
	ID            string    `json:"id"`
	Kind          string    `json:"kind"`
	Incident      string    `json:"incident"`
	Severity      string    `json:"severity"`
	PrevSeverity  string    `json:"prev_severity,omitempty"`
	Location      string    `json:"location"`
	Categories    []string  `json:"categories"`
	Title         string    `json:"title"`
	Summary       string    `json:"summary"`
	Evidence      []evLine  `json:"evidence"`
	Sources       []srcLine `json:"sources"`
	Corroboration int       `json:"corroboration"`
	// Labels are the labels of the incident's sources (alerts.Incident.Labels).
	Labels    map[string][]string `json:"labels,omitempty"`
	Contested bool                `json:"contested"`
	Reason    string              `json:"reason"`
	At        time.Time           `json:"at"`
	// Quiet marks an update that changes the incident's state but is not
	// news (a source within the repeat interval, a model summary).
	Quiet bool `json:"quiet,omitempty"`
}

type evLine struct {
	Rule     string `json:"rule"`
	Sentence string `json:"sentence"`
	Why      string `json:"why"`
}

type srcLine struct {
	Source string        `json:"source"`
	Outlet string        `json:"outlet,omitempty"`
	Title  string        `json:"title,omitempty"`
	URL    string        `json:"url,omitempty"`
	Labels report.Labels `json:"labels,omitzero"`
}

func jsonLine(a alerts.Alert) line {
	inc := a.Incident
	l := line{ID: a.ID, Kind: string(a.Kind), Incident: inc.ID, Severity: inc.Severity.String(), Location: inc.Location,
		Categories: inc.Categories, Title: inc.Title, Summary: inc.Summary, Corroboration: inc.Corroboration,
		Contested: inc.Contested, Reason: a.Reason, At: a.At, Evidence: []evLine{}, Sources: []srcLine{}, Quiet: a.Quiet}
	if a.Kind == alerts.Escalated {
		l.PrevSeverity = a.PrevSeverity.String()
	}
	if l.Categories == nil {
		l.Categories = []string{}
	}
	for _, e := range inc.Evidence {
		l.Evidence = append(l.Evidence, evLine{Rule: e.Rule, Sentence: e.Sentence, Why: e.Why})
	}
	for _, s := range inc.Sources {
		l.Sources = append(l.Sources, srcLine{Source: s.Source, Outlet: s.Outlet, Title: s.Title, URL: s.URL, Labels: s.Labels})
	}
	if labels := inc.Labels(); len(labels) > 0 {
		l.Labels = labels
	}
	return l
}

// Card renders an alert for a terminal.
func Card(a alerts.Alert) string {
	inc := a.Incident
	var b strings.Builder
	head := strings.ToUpper(string(a.Kind))
	sev := strings.ToUpper(inc.Severity.String())
	if a.Kind == alerts.Escalated {
		sev = strings.ToUpper(a.PrevSeverity.String()) + " → " + sev
	}
	place := placeOrUnknown(inc.Location)
	fmt.Fprintf(&b, "━━ %s · %s · %s ━━\n", head, sev, place)
	fmt.Fprintf(&b, "%s\n", clean(inc.Title, 300))
	if s := clean(inc.Summary, 600); s != "" && s != clean(inc.Title, 300) {
		fmt.Fprintf(&b, "  %s\n", s)
	}
	if len(inc.Categories) > 0 {
		cats := make([]string, len(inc.Categories))
		for i, c := range inc.Categories {
			cats[i] = clean(c, 60)
		}
		fmt.Fprintf(&b, "  what:     %s\n", strings.Join(cats, ", "))
	}
	for i, e := range inc.Evidence {
		if i == 3 {
			fmt.Fprintf(&b, "  (+%d more evidence)\n", len(inc.Evidence)-3)
			break
		}
		fmt.Fprintf(&b, "  evidence: “%s”\n", clean(e.Sentence, 400))
		why := strings.TrimPrefix(e.Why, e.Rule+": ")
		fmt.Fprintf(&b, "            rule %s: %s\n", clean(e.Rule, 80), clean(why, 200))
	}
	if inc.Contested {
		b.WriteString("  contested: a denial was found\n")
	}
	fmt.Fprintf(&b, "  sources:  %d corroborating\n", inc.Corroboration)
	if labels := inc.Labels(); len(labels) > 0 {
		names := make([]string, 0, len(labels))
		for k := range labels {
			names = append(names, k)
		}
		sort.Strings(names)
		parts := make([]string, len(names))
		for i, k := range names {
			parts[i] = clean(k+"="+strings.Join(labels[k], ","), 120)
		}
		fmt.Fprintf(&b, "  labels:   %s\n", strings.Join(parts, " "))
	}
	for i, s := range inc.Sources {
		if i == 5 {
			fmt.Fprintf(&b, "            (+%d more)\n", len(inc.Sources)-5)
			break
		}
		name := clean(s.Outlet, 80)
		if name == "" {
			name = clean(s.Source, 80)
		}
		link := clean(s.URL, 300)
		if link != "" {
			link = " <" + link + ">"
		}
		fmt.Fprintf(&b, "            - %s: %s%s\n", name, clean(s.Title, 200), link)
	}
	fmt.Fprintf(&b, "  why now:  %s\n", clean(a.Reason, 200))
	fmt.Fprintf(&b, "  incident: %s · %s\n\n", clean(inc.ID, 80), a.At.UTC().Format(time.RFC3339))
	return b.String()
}

// clean makes untrusted text safe for a terminal line: control characters
// (ESC, CR, BEL, bidi overrides...) removed, whitespace runs collapsed, and
// the result cut at max runes.
func clean(s string, max int) string {
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
			n++
		}
		if n >= max {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

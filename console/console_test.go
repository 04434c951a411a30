package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
	"github.com/tocsin-alerts/tocsin/rules"
)

func sample() alerts.Alert {
	return alerts.Alert{
		ID: "inc-1/2-escalated", Kind: alerts.Escalated, PrevSeverity: rules.SevHigh, Reason: "severity rose",
		At: time.Date(2024, 11, 30, 12, 0, 0, 0, time.UTC),
		Incident: alerts.Incident{
			ID: "inc-1", Title: "Rebels \x1b[31mstorm\x1b[0m Aleppo", Location: "Aleppo, Syria", Severity: rules.SevCritical,
			Categories: []string{"offensive"}, Corroboration: 2, Summary: "Syrian authorities closed Aleppo airport.",
			Evidence: []rules.Evidence{{Rule: "airport-closed", Sentence: "Syrian authorities closed Aleppo airport.", Why: "closure of a major airport"}},
			Sources:  []alerts.SourceRef{{Source: "wire", Outlet: "Reuters", Title: "Aleppo\r\nairport shut", URL: "https://example.org/a"}},
		},
	}
}

func TestCard(t *testing.T) {
	var buf bytes.Buffer
	if _, err := New(&buf, Text).Notify(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"ESCALATED · HIGH → CRITICAL · Aleppo, Syria", "evidence: “Syrian authorities closed Aleppo airport.”",
		"rule airport-closed: closure of a major airport", "2 corroborating", "Reuters: Aleppo airport shut <https://example.org/a>",
		"incident: inc-1", "why now:  severity rose"} {
		if !strings.Contains(out, want) {
			t.Errorf("card lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "\x1b\r") {
		t.Errorf("card contains control characters: %q", out)
	}
}

func TestJSONL(t *testing.T) {
	var buf bytes.Buffer
	n := New(&buf, JSONL)
	quiet := sample()
	quiet.ID, quiet.Kind, quiet.Quiet = "inc-1/3-updated", alerts.Updated, true
	// The same alert twice (a retry) prints once.
	for _, a := range []alerts.Alert{sample(), sample(), quiet} {
		if _, err := n.Notify(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %d:\n%s", len(lines), buf.String())
	}
	var q line
	if err := json.Unmarshal([]byte(lines[1]), &q); err != nil || !q.Quiet || q.Kind != "updated" {
		t.Errorf("quiet update line = %+v, %v; want kind updated with quiet set", q, err)
	}
	var l line
	if err := json.Unmarshal([]byte(lines[0]), &l); err != nil {
		t.Fatal(err)
	}
	if l.Kind != "escalated" || l.PrevSeverity != "high" || l.Severity != "critical" || l.Evidence[0].Rule != "airport-closed" || l.Sources[0].Outlet != "Reuters" {
		t.Errorf("jsonl line = %+v", l)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("pipe full") }

func TestWriteErrorIsRetryable(t *testing.T) {
	retry, err := New(failWriter{}, Text).Notify(context.Background(), sample())
	if err == nil || !retry {
		t.Errorf("Notify on failing writer = %v, %v; want retryable error", retry, err)
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat accepted xml")
	}
}

// blockedWriter is stdout piped to a process that never reads: every write
// blocks until released.
type blockedWriter struct {
	release chan struct{}
	mu      sync.Mutex
	writes  []string
}

func (b *blockedWriter) Write(p []byte) (int, error) {
	<-b.release
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes = append(b.writes, string(p))
	return len(p), nil
}

// TestBlockedOutputDoesNotHoldNotify: with stdout a pipe nobody reads, a
// write blocks for good. Notify must still return when its context ends (it
// used to block forever, and with it the delivery stage and shutdown), and
// a retry of the same alert must not print it twice once the pipe drains.
func TestBlockedOutputDoesNotHoldNotify(t *testing.T) {
	w := &blockedWriter{release: make(chan struct{})}
	n := New(w, Text)
	for _, a := range []alerts.Alert{sample(), sample(), func() alerts.Alert { b := sample(); b.ID = "inc-1/3-resolved"; return b }()} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		done := make(chan error, 1)
		go func() { _, err := n.Notify(ctx, a); done <- err }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("Notify(%s) into a blocked pipe reported success", a.ID)
			}
		case <-time.After(10 * time.Second): // failure guard only
			t.Fatalf("Notify(%s) into a blocked pipe did not return after its context ended", a.ID)
		}
		cancel()
	}
	close(w.release) // the reader wakes up
	retry := make(chan error, 1)
	go func() { _, err := n.Notify(context.Background(), sample()); retry <- err }()
	if err := <-retry; err != nil {
		t.Fatalf("retry after the pipe drained: %v", err)
	}
	if _, err := n.Notify(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.writes) != 1 {
		t.Errorf("the alert was written %d times; want once", len(w.writes))
	}
}

// writes records each Write as one message, as a terminal shows it.
type writes struct {
	mu   sync.Mutex
	msgs []string
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, string(p))
	return len(p), nil
}

func (w *writes) read(*testing.T) []deliverytest.Message {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]deliverytest.Message, len(w.msgs))
	for i, m := range w.msgs {
		out[i] = deliverytest.Message{Text: m} // a terminal pings no one
	}
	return out
}

func TestConformance(t *testing.T) {
	for _, f := range []Format{Text, JSONL} {
		t.Run(string(f), func(t *testing.T) {
			deliverytest.Run(t, func(t *testing.T) (alerts.Notifier, deliverytest.ReadBack) {
				w := &writes{}
				return New(w, f), w.read
			})
		})
	}
}

package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
)

func sample() alerts.Alert {
	return alerts.Alert{
		ID: "inc-1/2-escalated", Kind: alerts.Escalated, PrevSeverity: rules.SevHigh, Reason: "severity rose",
		At: time.Date(2024, 11, 30, 12, 0, 0, 0, time.UTC),
		Incident: alerts.Incident{
			ID: "inc-1", Title: "Rebels \x1b[31mstorm\x1b[0m Aleppo", Location: "Aleppo, Syria", Severity: rules.SevCritical,
			Categories: []string{"armed-conflict"}, Corroboration: 2, Summary: "Syrian authorities closed Aleppo airport.",
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
	for i := 0; i < 2; i++ {
		if _, err := n.Notify(context.Background(), sample()); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %d", len(lines))
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

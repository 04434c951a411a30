package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
	"github.com/tocsin-alerts/tocsin/rules"
)

type fakeEvents []alerts.Alert

func (f fakeEvents) RecentEvents(context.Context, int) ([]alerts.Alert, error) { return f, nil }

type noIncidents struct{}

func (noIncidents) Incidents(context.Context, Filter) ([]alerts.Incident, error) { return nil, nil }
func (noIncidents) IncidentTimeline(context.Context, string) (alerts.Incident, []alerts.Alert, bool, error) {
	return alerts.Incident{}, nil, false, nil
}

type noSilences struct{}

func (noSilences) Silences(context.Context, int) ([]alerts.Silence, error)     { return nil, nil }
func (noSilences) AddSilence(context.Context, alerts.Silence) (string, error)  { return "sil-1", nil }
func (noSilences) EndSilence(context.Context, string, time.Time) (bool, error) { return false, nil }

type liveRules struct{ s *rules.Set }

func (l liveRules) Set() *rules.Set { return l.s }

// TestAtomFeedOfHostileAlert: an alert whose every field is hostile (script
// tags, mentions, terminal escapes, broken UTF-8, a javascript: link, a huge
// summary) makes a well-formed feed that a real reader parses, whose
// entries are plain text, with no javascript: link.
func TestAtomFeedOfHostileAlert(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	evs := fakeEvents{deliverytest.Opened(deliverytest.Hostile()), deliverytest.Opened(deliverytest.Incident())}
	srv, err := New(Options{Incidents: noIncidents{}, Events: evs, Silences: noSilences{}, Rules: liveRules{set}, ReadToken: "read-token-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	req := httptest.NewRequest("GET", "/v1/alerts.atom", nil)
	req.Header.Set("Authorization", "Bearer read-token-0123456789")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("feed = %d %s", rec.Code, body)
	}
	fd, err := gofeed.NewParser().ParseString(body)
	if err != nil || len(fd.Items) != 2 {
		t.Fatalf("feed does not parse: %v (%d items)", err, len(fd.Items))
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "javascript:") || strings.Contains(body, "\x1b") {
		t.Errorf("raw markup, a javascript: link or an escape in the feed")
	}
	if strings.Contains(body, `type="html"`) {
		t.Errorf("entries are HTML: report text would be rendered")
	}
	if !strings.Contains(fd.Items[1].Title, "[CRITICAL] opened: Russian missiles strike Kharkiv") {
		t.Errorf("second entry title = %q", fd.Items[1].Title)
	}
}

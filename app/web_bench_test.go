package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
)

// benchPlaces are where the benchmark's incidents happen.
var benchPlaces = []string{"Aleppo, Syria", "Kharkiv, Ukraine", "Gaza City, Gaza Strip", "Khartoum, Sudan",
	"Goma, Democratic Republic of the Congo", "Mogadishu, Somalia", "Tigray, Ethiopia", "Sanaa, Yemen",
	"Bamako, Mali", "Odesa, Ukraine", "Idlib, Syria", "Red Sea", "Syria", "Kabul, Afghanistan"}

// benchIncidents stores n open, announced incidents shaped like real ones
// (evidence sentences, two sources, a full shingle sketch).
func benchIncidents(b *testing.B, s *store.Store, n int) {
	b.Helper()
	now := time.Now()
	sentence := strings.Repeat("Missiles struck the city centre overnight, officials said, killing at least twelve people. ", 2)
	var incs []alerts.Incident
	for i := range n {
		inc := alerts.Incident{ID: fmt.Sprintf("inc-%06d", i), Title: fmt.Sprintf("Strike number %d hits the city", i),
			Location: benchPlaces[i%len(benchPlaces)], Categories: []string{"airstrike", "civilian_harm"},
			Severity: rules.Severity(1 + i%4), Corroboration: 2, Alerted: true, Seq: 1,
			FirstSeen: now.Add(-time.Duration(i) * time.Minute), LastSeen: now.Add(-time.Duration(i) * time.Second),
			Summary: sentence,
			Sources: []alerts.SourceRef{{Source: "wire", Outlet: "Wire", Title: "Strike", URL: "https://example.org/a", Seen: now},
				{Source: "feed", Outlet: "Feed", Title: "Strike", URL: "https://example.org/b", Seen: now}}}
		for j := range 3 {
			inc.Evidence = append(inc.Evidence, rules.Evidence{Rule: "air-strike", Category: "airstrike", Severity: rules.SevHigh,
				Sentence: sentence, Field: "text", Start: j * 10, End: j*10 + len(sentence), Match: "Missiles struck", Why: "air-strike: matched “Missiles struck”"})
		}
		for j := range 128 {
			inc.Shingles = append(inc.Shingles, uint64(i*1000+j)*2654435761)
		}
		incs = append(incs, inc)
	}
	if err := s.Apply(context.Background(), store.Batch{Incidents: incs}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIncidentsPage serves the console's front page (the list of the
// newest 100 and a map of every open incident) with 1,000 incidents in a
// real SQLite store, through the app's own handler on a loopback server.
// Target: under 200 ms per page.
func BenchmarkIncidentsPage(b *testing.B) {
	cfg := config.Default()
	cfg.Store.DSN = filepath.Join(b.TempDir(), "tocsin.db")
	cfg.HTTP.Addr = ""
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	a, err := New(context.Background(), cfg, Deps{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Stop()
	benchIncidents(b, a.Store, 1000)
	h, err := a.handler()
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, path := range []string{"/", "/incidents/inc-000500"} {
		b.Run(path, func(b *testing.B) {
			var size int
			for b.Loop() {
				resp, err := http.Get(srv.URL + path)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("GET %s = %d", path, resp.StatusCode)
				}
				size = int(n)
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}

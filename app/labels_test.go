package app_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/seeds"
)

// TestSourceLabelsOnAlerts: the labels configured on a source come out on
// the alert of an incident it reported, per source and for the incident,
// and in /status: the path routes (part B) will match on.
func TestSourceLabelsOnAlerts(t *testing.T) {
	story, err := seeds.FS.ReadFile("aleppo-offensive.txt")
	if err != nil {
		t.Fatal(err)
	}
	title, body, _ := strings.Cut(string(story), "\n")
	var esc strings.Builder
	xml.EscapeText(&esc, []byte(body))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Levant Wire</title>
<item><title>%s</title><guid>lw-1</guid><link>https://levant.example/1</link><description>%s</description><pubDate>%s</pubDate></item>
</channel></rss>`, title, esc.String(), time.Now().Format(time.RFC1123Z)) // fresh: not the new feed's backlog
	}))
	defer srv.Close()

	cfg := testConfig(t)
	cfg.Console.Format = "jsonl"
	cfg.Sources = []config.Source{{ID: "levant-wire", Kind: "feed", URL: srv.URL,
		Labels: map[string]string{"region": "levant", "trust": "wire"}}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	a, err := app.New(context.Background(), cfg, app.Deps{Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	if _, sent, err := a.Once(context.Background()); err != nil || sent == 0 {
		t.Fatalf("once: sent %d, %v\n%s", sent, err, out.String())
	}
	first, _, _ := strings.Cut(out.String(), "\n")
	var line struct {
		Kind    string              `json:"kind"`
		Labels  map[string][]string `json:"labels"`
		Sources []struct {
			Source string            `json:"source"`
			Labels map[string]string `json:"labels"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(first), &line); err != nil {
		t.Fatalf("%v: %s", err, first)
	}
	want := map[string]string{"region": "levant", "trust": "wire"}
	if line.Kind != "opened" || len(line.Sources) != 1 || !reflect.DeepEqual(line.Sources[0].Labels, want) ||
		!reflect.DeepEqual(line.Labels, map[string][]string{"region": {"levant"}, "trust": {"wire"}}) {
		t.Errorf("alert = %s", first)
	}
	st, err := app.ReadStatus(context.Background(), a.Store)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Sources) != 1 || !reflect.DeepEqual(st.Sources[0].Labels.Map(), want) {
		t.Errorf("status sources = %+v", st.Sources)
	}
}

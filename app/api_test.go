package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/api"
	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/feed"
)

const (
	apiToken  = "full-token-0123456789"
	readToken = "read-token-0123456789"
)

// apiRig is a running tocsin polling an empty folder, with the API on.
type apiRig struct {
	t     *testing.T
	app   *app.App
	base  string
	inbox string
	rec   *pushRecorder
}

// startAPIRig starts it; with, if given, changes the config first.
func startAPIRig(t *testing.T, with ...func(*config.Config)) *apiRig {
	t.Helper()
	cfg := testConfig(t)
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.HTTP.APIToken, cfg.HTTP.APIReadToken = apiToken, readToken
	cfg.Console.Enabled = false
	inbox := t.TempDir()
	cfg.Sources = []config.Source{{ID: "desk", Kind: "folder", Path: inbox, Interval: config.Duration(time.Second), AlertBacklog: true}}
	for _, fn := range with {
		fn(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rec := &pushRecorder{}
	a, err := app.New(context.Background(), cfg, app.Deps{Notifiers: []alerts.Notifier{rec}, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second): // failure guard only
			t.Error("Run did not return")
		}
	})
	r := &apiRig{t: t, app: a, base: "http://" + a.Addr(), inbox: inbox, rec: rec}
	r.eventually("the API answers", func() bool { code, _ := r.call("GET", "/v1/silences", apiToken, ""); return code == 200 })
	return r
}

// call sends one request and returns the status and body.
func (r *apiRig) call(method, path, token, body string) (int, string) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.base+path, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually polls cond until it holds; the deadline is a failure guard.
func (r *apiRig) eventually(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (r *apiRig) drop(seeds ...string) {
	r.t.Helper()
	for _, name := range seeds {
		b, err := os.ReadFile(filepath.Join("../seeds", name))
		if err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.inbox, name), b, 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *apiRig) incidents(query string) []api.Incident {
	r.t.Helper()
	code, body := r.call("GET", "/v1/incidents?"+query, readToken, "")
	if code != 200 {
		r.t.Fatalf("GET /v1/incidents?%s = %d %s", query, code, body)
	}
	var out struct{ Incidents []api.Incident }
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		r.t.Fatal(err)
	}
	return out.Incidents
}

func errorsOf(t *testing.T, body string) []feed.FieldError {
	t.Helper()
	var eb feed.ErrorBody
	if err := json.Unmarshal([]byte(body), &eb); err != nil || len(eb.Errors) == 0 {
		t.Fatalf("not the one error shape: %s (%v)", body, err)
	}
	return eb.Errors
}

// TestAPISilencesIncidentsAndFeed: a silence made over the API holds back
// the Kharkiv seed story while Aleppo's is delivered; the incidents, their
// timelines and the Atom feed show exactly that; tokens, filters and
// errors behave as documented.
func TestAPISilencesIncidentsAndFeed(t *testing.T) {
	r := startAPIRig(t)
	code, body := r.call("POST", "/v1/silences", apiToken,
		`{"matchers":[{"kind":"place","value":"Kharkiv"}],"duration":"4h","author":"ops","comment":"covered by the live desk"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/silences = %d %s", code, body)
	}
	var sil api.Silence
	if err := json.Unmarshal([]byte(body), &sil); err != nil || !strings.HasPrefix(sil.ID, "sil-") || sil.State != "active" {
		t.Fatalf("created silence = %+v, %v", sil, err)
	}
	// GET /status lists the silences in force.
	if code, body := r.call("GET", "/status", "", ""); code != 200 || !strings.Contains(body, `"silences":[{"id":"`+sil.ID) {
		t.Errorf("/status = %d %s; want the silence listed", code, body)
	}
	r.drop("aleppo-offensive.txt", "kharkiv-missile-strike.txt")
	r.eventually("both seed stories are incidents", func() bool { return len(r.incidents("state=all")) == 2 })
	r.eventually("the Aleppo alert is delivered", func() bool {
		r.rec.mu.Lock()
		defer r.rec.mu.Unlock()
		return len(r.rec.got) > 0
	})

	announced := r.incidents("")
	if len(announced) != 1 || !strings.Contains(announced[0].Location, "Aleppo") || announced[0].State != "open" {
		t.Fatalf("announced incidents = %+v; want Aleppo only", announced)
	}
	pending := r.incidents("state=pending")
	if len(pending) != 1 || !strings.Contains(pending[0].Location, "Kharkiv") {
		t.Fatalf("pending incidents = %+v; want the silenced Kharkiv one", pending)
	}
	for q, want := range map[string]int{"place=Syria": 1, "place=Ukraine": 0, "place=Ukraine&state=all": 1,
		"since=1h&state=all": 2, "limit=1&state=all": 1, "category=de_escalation&state=all": 0, "category=airstrike&state=all": 2} {
		if got := len(r.incidents(q)); got != want {
			t.Errorf("GET /v1/incidents?%s: %d incidents, want %d", q, got, want)
		}
	}

	// The timeline: Aleppo's opening; the silenced Kharkiv has none.
	code, body = r.call("GET", "/v1/incidents/"+announced[0].ID, readToken, "")
	var det api.Incident
	if code != 200 || json.Unmarshal([]byte(body), &det) != nil || len(det.Timeline) != 1 || det.Timeline[0].Kind != "opened" {
		t.Fatalf("GET incident = %d %s", code, body)
	}
	if code, body = r.call("GET", "/v1/incidents/"+pending[0].ID, readToken, ""); code != 200 || strings.Contains(body, `"timeline"`) {
		t.Errorf("silenced incident = %d %s; want no timeline", code, body)
	}
	if code, body = r.call("GET", "/v1/incidents/inc-none", readToken, ""); code != 404 || errorsOf(t, body)[0].Field != "id" {
		t.Errorf("unknown incident = %d %s", code, body)
	}

	// Bad filters: every problem at once, each named.
	code, body = r.call("GET", "/v1/incidents?category=airstrik&severity=urgent&state=later&since=soon&limit=0", readToken, "")
	if code != 400 {
		t.Fatalf("bad filters = %d %s", code, body)
	}
	fields := map[string]string{}
	for _, e := range errorsOf(t, body) {
		fields[e.Field] = e.Message
	}
	for _, f := range []string{"category", "severity", "state", "since", "limit"} {
		if fields[f] == "" {
			t.Errorf("bad %s not reported: %s", f, body)
		}
	}
	if !strings.Contains(fields["category"], "did you mean airstrike") {
		t.Errorf("category typo: %q", fields["category"])
	}

	// The Atom feed carries the delivered event, parsed by a real reader.
	req, _ := http.NewRequest("GET", r.base+"/v1/alerts.atom", nil)
	req.SetBasicAuth("", readToken) // feed readers send Basic auth
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := gofeed.NewParser().Parse(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("feed: %v (%s)", err, resp.Header.Get("Content-Type"))
	}
	if len(fd.Items) != 1 || !strings.Contains(fd.Items[0].Title, "opened: ") || !strings.Contains(fd.Items[0].Title, "Aleppo") {
		t.Fatalf("feed items = %d %+v", len(fd.Items), fd.Items)
	}
	if code, body = r.call("GET", "/v1/alerts.atom?place=Ukraine", readToken, ""); code != 200 || strings.Contains(body, "<entry>") {
		t.Errorf("filtered feed = %d %s", code, body)
	}

	// Silences: list, expire (idempotently), history.
	code, body = r.call("GET", "/v1/silences", readToken, "")
	if code != 200 || !strings.Contains(body, sil.ID) || !strings.Contains(body, `"comment":"covered by the live desk"`) {
		t.Errorf("GET /v1/silences = %d %s", code, body)
	}
	for i := range 2 {
		code, body = r.call("DELETE", "/v1/silences/"+sil.ID, apiToken, "")
		if code != 200 || !strings.Contains(body, `"state":"expired"`) {
			t.Errorf("DELETE #%d = %d %s", i+1, code, body)
		}
	}
	if code, body = r.call("GET", "/v1/silences", readToken, ""); code != 200 || strings.Contains(body, sil.ID) {
		t.Errorf("expired silence still listed as active: %s", body)
	}
	if code, body = r.call("GET", "/v1/silences?state=expired", readToken, ""); !strings.Contains(body, sil.ID) {
		t.Errorf("expired silence not in the history: %d %s", code, body)
	}
	if code, body = r.call("DELETE", "/v1/silences/sil-none", apiToken, ""); code != 404 {
		t.Errorf("DELETE unknown = %d %s", code, body)
	}
}

// TestAPIAuthAndValidation: no token, a wrong one, the read token writing,
// and a silence with every field wrong, each answered in the one shape.
func TestAPIAuthAndValidation(t *testing.T) {
	r := startAPIRig(t)
	for _, tc := range []struct {
		method, path, token string
		code                int
	}{
		{"GET", "/v1/incidents", "", 401},
		{"GET", "/v1/incidents", "wrong-token-0123456789", 401},
		{"GET", "/v1/alerts.atom", "", 401},
		{"POST", "/v1/silences", readToken, 403},
		{"DELETE", "/v1/silences/x", readToken, 403},
		{"GET", "/v1/incidents", readToken, 200},
	} {
		code, body := r.call(tc.method, tc.path, tc.token, `{}`)
		if code != tc.code {
			t.Errorf("%s %s with %q = %d %s; want %d", tc.method, tc.path, tc.token, code, body, tc.code)
		}
		if code >= 400 {
			errorsOf(t, body)
		}
		if strings.Contains(body, apiToken) || strings.Contains(body, readToken) {
			t.Errorf("a token appears in an answer: %s", body)
		}
	}
	code, body := r.call("POST", "/v1/silences", apiToken,
		`{"matchers":[{"kind":"category","value":"airstrik"},{"kind":"city","value":"Gao"},{"kind":"label","value":"Region"}],"author":"","comment":""}`)
	if code != 400 {
		t.Fatalf("bad silence = %d %s", code, body)
	}
	got := map[string]bool{}
	for _, e := range errorsOf(t, body) {
		got[e.Field] = true
	}
	for _, f := range []string{"matchers[0]", "matchers[1]", "matchers[2]", "author", "comment", "duration"} {
		if !got[f] {
			t.Errorf("problem at %s not reported: %s", f, body)
		}
	}
	if code, body = r.call("POST", "/v1/silences", apiToken, `{"matchers":[{"kind":"place","value":"Gao"}],"duration":"200d","author":"a","comment":"c"}`); code != 400 || !strings.Contains(body, "at most") {
		t.Errorf("200-day silence = %d %s", code, body)
	}
	if code, body = r.call("POST", "/v1/silences", apiToken, `{"matchers":[],"typo":1}`); code != 400 || !strings.Contains(body, "typo") {
		t.Errorf("unknown field = %d %s", code, body)
	}
}

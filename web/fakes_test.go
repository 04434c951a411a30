package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/rules/geo"
	"github.com/tocsin-alerts/tocsin/seeds"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// sharedGaz is built once: every test set shares it, as the app does.
var sharedGaz = sync.OnceValues(geo.New)

func gazetteer(t testing.TB) *geo.Gazetteer {
	t.Helper()
	g, err := sharedGaz()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// fakeIncidents serves a fixed list; filters by state and severity only.
type fakeIncidents struct {
	list   []alerts.Incident
	events map[string][]alerts.Alert
}

func (f *fakeIncidents) Incidents(_ context.Context, flt IncidentFilter) ([]alerts.Incident, error) {
	var out []alerts.Incident
	for _, inc := range f.list {
		if inc.Severity >= flt.MinSeverity && (flt.State != alerts.StateOpen || inc.Open()) {
			out = append(out, inc)
		}
	}
	return out, nil
}

func (f *fakeIncidents) IncidentDetail(_ context.Context, id string) (Detail, bool, error) {
	for _, inc := range f.list {
		if inc.ID == id {
			return Detail{Incident: inc, Events: f.events[id]}, true, nil
		}
	}
	return Detail{}, false, nil
}

type fakeLocator map[string][2]float64

func (f fakeLocator) Locate(loc string) (float64, float64, bool) {
	p, ok := f[loc]
	return p[0], p[1], ok
}

type fakeStatus struct{ st Status }

func (f fakeStatus) Status(context.Context) (Status, error) { return f.st, nil }

type liveSet struct{ s *rules.Set }

func (l liveSet) Set() *rules.Set { return l.s }

// fakeEditor edits the built-in rule files in memory.
type fakeEditor struct {
	t     testing.TB
	mu    sync.Mutex
	files map[string][]byte
	saved []string
}

func (f *fakeEditor) RuleFiles() (RuleFiles, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cp := map[string][]byte{}
	for k, v := range f.files {
		cp[k] = v
	}
	return RuleFiles{Dir: "/rules", Files: cp}, nil
}

func (f *fakeEditor) Compile(files map[string][]byte) (*rules.Set, error) {
	return rules.Compile(files, rules.WithGazetteer(gazetteer(f.t)))
}

func (f *fakeEditor) SaveRuleFile(_ context.Context, name string, content []byte, base string) error {
	rf, _ := f.RuleFiles()
	if FileHash(rf.Files[name]) != base {
		return ErrRuleFileChanged
	}
	rf.Files[name] = content
	if _, err := f.Compile(rf.Files); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[name] = content
	f.saved = append(f.saved, name)
	return nil
}

type fakeReports []report.Report

func (f fakeReports) RecentReports(_ context.Context, n int) ([]report.Report, error) {
	return f[:min(n, len(f))], nil
}

// seedReports parses the seed reports.
func seedReports(t testing.TB) []report.Report {
	t.Helper()
	entries, err := seeds.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var out []report.Report
	for _, e := range entries {
		b, err := seeds.FS.ReadFile(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, report.ParseText(e.Name(), b))
	}
	return out
}

// fixture is a console over fakes, the built-in rules and a real SQLite
// store for silences.
type fixture struct {
	srv    *httptest.Server
	web    *Server
	inc    *fakeIncidents
	editor *fakeEditor
	clk    *poller.ManualClock
}

func (f *fixture) clock() time.Time { return f.clk.Now() }

func (f *fixture) advance(d time.Duration) { f.clk.Advance(d) }

func newFixture(t *testing.T, readToken, adminToken string) *fixture {
	t.Helper()
	set, err := rules.Default(rules.WithGazetteer(gazetteer(t)))
	if err != nil {
		t.Fatal(err)
	}
	files, err := rules.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	st, _ := storetest.SQLite(t)
	f := &fixture{clk: poller.NewManualClock(t0), editor: &fakeEditor{t: t, files: files}, inc: &fakeIncidents{events: map[string][]alerts.Alert{}}}
	f.web, err = New(Options{Incidents: f.inc, Locator: fakeLocator{"Aleppo, Syria": {36.2, 37.16}},
		Status: fakeStatus{}, Rules: liveSet{set}, Editor: f.editor, Reports: fakeReports(seedReports(t)), Silences: st,
		ReadToken: readToken, AdminToken: adminToken, Version: "test", Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(f.web)
	t.Cleanup(f.srv.Close)
	return f
}

// client does not follow redirects, so tests see them.
func (f *fixture) client() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type reqOpt func(*http.Request)

func withCookie(c *http.Cookie) reqOpt { return func(r *http.Request) { r.AddCookie(c) } }
func withHeader(k, v string) reqOpt    { return func(r *http.Request) { r.Header.Set(k, v) } }

// do sends a request and returns the status and body.
func (f *fixture) do(t *testing.T, method, path string, form url.Values, opts ...reqOpt) (int, string, http.Header) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return f.send(t, req, opts...)
}

// send applies opts to req, sends it and returns the status and body.
func (f *fixture) send(t *testing.T, req *http.Request, opts ...reqOpt) (int, string, http.Header) {
	t.Helper()
	for _, o := range opts {
		o(req)
	}
	resp, err := f.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// login signs in with a token and returns the session cookie.
func (f *fixture) login(t *testing.T, token string) *http.Cookie {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/login", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := f.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == cookieName && c.Value != "" {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie is not HttpOnly+SameSite=Strict: %+v", c)
			}
			return c
		}
	}
	t.Fatalf("login with token: status %d, no session cookie", resp.StatusCode)
	return nil
}

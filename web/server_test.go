package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/seeds"
)

const (
	readTok  = "read-token-0123456789"
	adminTok = "admin-token-0123456789"
)

func aleppo() alerts.Incident {
	return alerts.Incident{ID: "inc-aleppo", Title: "Rebels enter Aleppo", Location: "Aleppo, Syria",
		Categories: []string{"offensive"}, Severity: rules.SevCritical, Corroboration: 2, Alerted: true,
		FirstSeen: t0.Add(-time.Hour), LastSeen: t0, Sources: []alerts.SourceRef{{Source: "wire", Outlet: "Wire", Seen: t0}},
		Evidence: []rules.Evidence{{Rule: "offensive-launched", Severity: rules.SevCritical, Sentence: "Rebels entered Aleppo.", Why: "a new offensive"}}}
}

func TestPagesRenderWithSecurityHeaders(t *testing.T) {
	f := newFixture(t, "", "")
	f.inc.list = []alerts.Incident{aleppo()}
	f.inc.events["inc-aleppo"] = []alerts.Alert{{ID: "inc-aleppo/1-opened", Kind: alerts.Opened, Incident: aleppo(),
		Report: report.Report{Source: "wire", Title: "Rebels enter Aleppo", URL: "javascript:alert(1)"}, Reason: "new incident", At: t0}}
	for _, path := range []string{"/", "/incidents/inc-aleppo", "/sources", "/playground", "/silences", "/login", "/playground?file=strikes.yaml"} {
		code, body, h := f.do(t, http.MethodGet, path, nil)
		if code != http.StatusOK {
			t.Errorf("GET %s = %d", path, code)
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: security headers missing: %v", path, h)
		}
		if !strings.Contains(body, "</html>") {
			t.Errorf("GET %s: truncated page", path)
		}
	}
	_, body, _ := f.do(t, http.MethodGet, "/", nil)
	if !strings.Contains(body, `data-id="inc-aleppo"`) || !strings.Contains(body, "Rebels enter Aleppo") {
		t.Errorf("the list or the map lacks the incident")
	}
	_, body, _ = f.do(t, http.MethodGet, "/incidents/inc-aleppo", nil)
	if strings.Contains(body, "javascript:") {
		t.Errorf("a javascript: report link reached the page")
	}
	if code, _, _ := f.do(t, http.MethodGet, "/incidents/nope", nil); code != http.StatusNotFound {
		t.Errorf("unknown incident = %d, want 404", code)
	}
	if code, _, _ := f.do(t, http.MethodGet, "/no/such/page", nil); code != http.StatusNotFound {
		t.Errorf("unknown page = %d, want 404", code)
	}
	code, _, h := f.do(t, http.MethodGet, "/assets/world.svg", nil)
	if code != http.StatusOK || !strings.Contains(h.Get("Cache-Control"), "max-age") {
		t.Errorf("world map asset = %d %v", code, h)
	}
}

// TestHostileReportTextIsEscaped: report text reaches the page only as
// text (the browser test checks that nothing runs).
func TestHostileReportTextIsEscaped(t *testing.T) {
	f := newFixture(t, "", "")
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	inc := aleppo()
	inc.Title, inc.Location, inc.Summary = evil, evil, evil
	inc.Categories = []string{evil}
	inc.Evidence[0].Sentence, inc.Evidence[0].Why = evil, evil
	inc.Sources[0].Outlet = evil
	f.inc.list = []alerts.Incident{inc}
	for _, path := range []string{"/", "/incidents/inc-aleppo"} {
		_, body, _ := f.do(t, http.MethodGet, path, nil)
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("GET %s: hostile markup unescaped", path)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("GET %s: hostile text not shown as text", path)
		}
	}
	form := url.Values{"report": {"Rebels shelled Aleppo\n\n" + evil + " Rebels shelled Aleppo on Monday, killing 12 civilians."}}
	_, body, _ := f.do(t, http.MethodPost, "/playground", form)
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("playground: hostile text unescaped or missing")
	}
}

func TestReadTokenGuardsPages(t *testing.T) {
	f := newFixture(t, readTok, adminTok)
	code, _, h := f.do(t, http.MethodGet, "/sources", nil)
	if code != http.StatusSeeOther || h.Get("Location") != "/login?next=%2Fsources" {
		t.Fatalf("anonymous GET /sources = %d %s, want a redirect to sign in", code, h.Get("Location"))
	}
	if code, _, _ := f.do(t, http.MethodGet, "/assets/style.css", nil); code != http.StatusOK {
		t.Errorf("assets need no token, got %d", code)
	}
	if code, body, _ := f.do(t, http.MethodPost, "/login", url.Values{"token": {"wrong-token-0000000"}}); code != http.StatusUnauthorized || strings.Contains(body, readTok) {
		t.Errorf("wrong token = %d", code)
	}
	c := f.login(t, readTok)
	if code, _, _ := f.do(t, http.MethodGet, "/sources", nil, withCookie(c)); code != http.StatusOK {
		t.Errorf("GET with session = %d", code)
	}
	if code, _, _ := f.do(t, http.MethodGet, "/sources", nil, withHeader("Authorization", "Bearer "+readTok)); code != http.StatusOK {
		t.Errorf("GET with bearer = %d", code)
	}
	forged := *c
	forged.Value = "2" + forged.Value[1:] // claim admin under the read signature
	if code, _, _ := f.do(t, http.MethodGet, "/sources", nil, withCookie(&forged)); code != http.StatusSeeOther {
		t.Errorf("forged cookie = %d, want a redirect", code)
	}
	f.advance(sessionTTL + time.Minute)
	if code, _, _ := f.do(t, http.MethodGet, "/sources", nil, withCookie(c)); code != http.StatusSeeOther {
		t.Errorf("expired session = %d, want a redirect", code)
	}
	// A redirect after sign-in stays on the site.
	for next, want := range map[string]string{"/sources": "/sources", "//evil.example": "/", "https://evil.example": "/"} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func silenceValues(kind, value string) url.Values {
	return url.Values{"kind": {kind}, "value": {value}, "duration": {"4h"}, "reason": {"drill"}, "return": {"/silences"}}
}

func TestWritesNeedTheAdminToken(t *testing.T) {
	ctx := context.Background()
	// No admin token: writes do not exist.
	f := newFixture(t, "", "")
	if code, _, _ := f.do(t, http.MethodPost, "/silences", silenceValues("place", "Aleppo, Syria")); code != http.StatusForbidden {
		t.Errorf("write without an admin token configured = %d, want 403", code)
	}
	f = newFixture(t, readTok, adminTok)
	reader := f.login(t, readTok)
	if code, _, _ := f.do(t, http.MethodPost, "/silences", silenceValues("place", "Aleppo, Syria"), withCookie(reader)); code != http.StatusUnauthorized {
		t.Errorf("write as a reader = %d, want 401", code)
	}
	admin := f.login(t, adminTok)
	// Cross-origin: refused before the handler, whatever the cookie.
	for _, h := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "http://evil.example"}} {
		if code, _, _ := f.do(t, http.MethodPost, "/silences", silenceValues("place", "Aleppo, Syria"), withCookie(admin), withHeader(h[0], h[1])); code != http.StatusForbidden {
			t.Errorf("cross-origin write (%s) = %d, want 403", h[0], code)
		}
	}
	if act, _ := f.web.o.Silences.ActiveSilences(ctx, f.clock()); len(act) != 0 {
		t.Fatalf("refused writes created silences: %+v", act)
	}
	code, _, h := f.do(t, http.MethodPost, "/silences", silenceValues("category", "Airstrike"), withCookie(admin), withHeader("Sec-Fetch-Site", "same-origin"))
	if code != http.StatusSeeOther || h.Get("Location") != "/silences?done=added" {
		t.Fatalf("admin write = %d %s", code, h.Get("Location"))
	}
	act, _ := f.web.o.Silences.ActiveSilences(ctx, f.clock())
	if len(act) != 1 || act[0].Value != "airstrike" || act[0].Kind != alerts.SilenceCategory || !act[0].ExpiresAt.Equal(t0.Add(4*time.Hour)) {
		t.Fatalf("silence = %+v; want the category, normalised, for 4h", act)
	}
	_, body, _ := f.do(t, http.MethodGet, "/silences", nil, withCookie(admin))
	if !strings.Contains(body, "airstrike") || !strings.Contains(body, "/silences/"+act[0].ID+"/expire") {
		t.Errorf("the silence is not listed with its expire button")
	}
	if code, _, h := f.do(t, http.MethodPost, "/silences/"+act[0].ID+"/expire", url.Values{}, withCookie(admin)); code != http.StatusSeeOther || h.Get("Location") != "/silences?done=expired" {
		t.Errorf("expire = %d %s", code, h.Get("Location"))
	}
	if act, _ := f.web.o.Silences.ActiveSilences(ctx, f.clock()); len(act) != 0 {
		t.Errorf("expired silence still active: %+v", act)
	}
}

func TestSilenceInputIsValidated(t *testing.T) {
	f := newFixture(t, "", adminTok)
	admin := f.login(t, adminTok)
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{silenceValues("category", "air strikes"), "did you mean airstrike"},
		{silenceValues("rule", "no-such-rule"), "no rule has the id"},
		{silenceValues("region", "Syria"), "silence kind"},
		{silenceValues("place", " "), "say what to silence"},
		{url.Values{"kind": {"place"}, "value": {"Syria"}, "duration": {"9000h"}}, "at most"},
	} {
		code, body, _ := f.do(t, http.MethodPost, "/silences", tc.form, withCookie(admin))
		if code != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("%v = %d, want 400 with %q", tc.form, code, tc.want)
		}
	}
}

// multipartForm encodes fields as the playground form does.
func multipartForm(t *testing.T, fields map[string]string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

func (f *fixture) postMultipart(t *testing.T, path string, fields map[string]string, opts ...reqOpt) (int, string, http.Header) {
	t.Helper()
	ct, body := multipartForm(t, fields)
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, body)
	req.Header.Set("Content-Type", ct)
	return f.send(t, req, opts...)
}

func TestPlaygroundScoresAndHighlights(t *testing.T) {
	f := newFixture(t, "", "")
	story, err := seeds.FS.ReadFile("aleppo-offensive.txt")
	if err != nil {
		t.Fatal(err)
	}
	code, body, _ := f.postMultipart(t, "/playground", map[string]string{"report": string(story), "action": "score"})
	if code != http.StatusOK {
		t.Fatalf("POST /playground = %d", code)
	}
	for _, want := range []string{"<strong>ALERT</strong>", "Aleppo, Syria", `<mark class="ev sev-`, `<mark class="sup`, "refuted"} {
		if !strings.Contains(body, want) {
			t.Errorf("playground lacks %q", want)
		}
	}
}

// editLine returns the file with line n (1-based) replaced.
func editLine(src []byte, n int, line string) string {
	lines := strings.Split(string(src), "\n")
	lines[n-1] = line
	return strings.Join(lines, "\n")
}

func lineOf(t *testing.T, src []byte, prefix string) int {
	t.Helper()
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return i + 1
		}
	}
	t.Fatalf("no line starting with %q", prefix)
	return 0
}

func TestRuleEditShowsLintAtItsLine(t *testing.T) {
	f := newFixture(t, "", "")
	src := f.editor.files["strikes.yaml"]
	n := lineOf(t, src, "severity:")
	yaml := editLine(src, n, "    severity: catastrophic")
	code, body, _ := f.postMultipart(t, "/playground", map[string]string{"action": "try", "file": "strikes.yaml",
		"base": FileHash(src), "yaml": yaml})
	if code != http.StatusOK {
		t.Fatalf("try = %d", code)
	}
	re := regexp.MustCompile(`<li id="L` + strconv.Itoa(n) + `" class="bad">.*?<ul class="probs"><li>([^<]*)</li>`)
	m := re.FindStringSubmatch(body)
	if m == nil || !strings.Contains(m[1], "catastrophic") {
		t.Fatalf("line %d is not marked with its problem; got %v", n, m)
	}
	if strings.Contains(body, `id="preview"`) {
		t.Errorf("a set that does not lint was previewed")
	}
}

func TestRuleEditPreviewAndSave(t *testing.T) {
	f := newFixture(t, "", adminTok)
	src := f.editor.files["ground.yaml"]
	// Disabling offensive-launched lowers the Aleppo seed from critical.
	n := lineOf(t, src, "- id: offensive-launched")
	yaml := editLine(src, n, "  - enabled: false\n    id: offensive-launched")
	fields := map[string]string{"action": "try", "file": "ground.yaml", "base": FileHash(src), "yaml": yaml}
	_, body, _ := f.postMultipart(t, "/playground", fields)
	if !strings.Contains(body, `id="lint-ok"`) || !strings.Contains(body, `id="preview"`) {
		t.Fatalf("clean edit: no lint-ok or preview")
	}
	m := regexp.MustCompile(`On the last (\d+) stored reports, this edit would have added (\d+) alerts? and removed (\d+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("preview summary missing: %s", regexp.MustCompile(`(?s)<p class="summary">.*?</p>`).FindString(body))
	}
	if m[1] != strconv.Itoa(len(seedReports(t))) || !strings.Contains(body, "changed the severity or place of 1") {
		t.Errorf("preview = %v; want every seed compared and the Aleppo story changed", m)
	}
	if !strings.Contains(body, `<tr class="chg-changed">`) {
		t.Errorf("the changed report is not listed")
	}
	// Saving needs the admin token; a lint error is never saved.
	if code, _, _ := f.postMultipart(t, "/rules/save", fields); code != http.StatusUnauthorized {
		t.Errorf("anonymous save = %d, want 401", code)
	}
	admin := f.login(t, adminTok)
	bad := map[string]string{"file": "ground.yaml", "base": FileHash(src), "yaml": editLine(src, lineOf(t, src, "severity:"), "    severity: catastrophic")}
	if code, body, _ := f.postMultipart(t, "/rules/save", bad, withCookie(admin)); code != http.StatusUnprocessableEntity || !strings.Contains(body, `class="bad"`) {
		t.Errorf("save of a bad edit = %d", code)
	}
	if code, _, h := f.postMultipart(t, "/rules/save", fields, withCookie(admin)); code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "saved=1") {
		t.Fatalf("save = %d %s", code, h.Get("Location"))
	}
	if len(f.editor.saved) != 1 || string(f.editor.files["ground.yaml"]) != yaml {
		t.Fatalf("saved = %v", f.editor.saved)
	}
	// The same base again: the file changed since, so nothing is written.
	if code, body, _ := f.postMultipart(t, "/rules/save", fields, withCookie(admin)); code != http.StatusConflict || !strings.Contains(body, "changed since") {
		t.Errorf("stale save = %d", code)
	}
}

func TestIncidentFilterReportsBadValues(t *testing.T) {
	f := newFixture(t, "", "")
	f.inc.list = []alerts.Incident{aleppo()}
	_, body, _ := f.do(t, http.MethodGet, "/?severity=apocalyptic&category=air+strikes&state=gone&rows=0", nil)
	for _, want := range []string{"severity:", "did you mean airstrike", "state:", "rows:"} {
		if !strings.Contains(body, want) {
			t.Errorf("filter problem %q not reported", want)
		}
	}
	if !strings.Contains(body, "Rebels enter Aleppo") {
		t.Errorf("bad filter values should be ignored, not empty the list")
	}
}

func TestMapFit(t *testing.T) {
	loc := fakeLocator{"Aleppo, Syria": {36.2, 37.16}, "Idlib, Syria": {35.93, 36.63}, "Kyiv, Ukraine": {50.45, 30.52}}
	incs := []alerts.Incident{
		{ID: "a", Location: "Aleppo, Syria", Severity: rules.SevCritical},
		{ID: "b", Location: "Aleppo, Syria", Severity: rules.SevHigh},
		{ID: "c", Location: "Idlib, Syria", Severity: rules.SevLow},
		{ID: "d", Location: "Atlantis", Severity: rules.SevLow},
	}
	mv := buildMap(incs, loc, true, 160)
	if len(mv.Markers) != 3 || len(mv.Unplaced) != 1 || !mv.Fitted {
		t.Fatalf("map = %+v", mv)
	}
	if mv.Markers[2].ID != "a" {
		t.Errorf("most severe marker is not drawn last: %+v", mv.Markers)
	}
	// Two incidents at Aleppo are set apart so both are clickable.
	if mv.Markers[1].X == mv.Markers[2].X && mv.Markers[1].Y == mv.Markers[2].Y {
		t.Errorf("markers at one place overlap exactly")
	}
	var x0, y0, w, h float64
	if _, err := fmtSscan(mv.ViewBox, &x0, &y0, &w, &h); err != nil {
		t.Fatal(err)
	}
	if w != minSpanX || w/h < 2.49 || w/h > 2.51 || x0 > 366 || x0+w < 372 || y0 > -362 || y0+h < -359 {
		t.Errorf("fitted view %s does not frame Aleppo and Idlib at the minimum span", mv.ViewBox)
	}
	world := buildMap(append(incs, alerts.Incident{ID: "e", Location: "Kyiv, Ukraine"}), loc, false, 160)
	if world.ViewBox != "-1800.0 -840.0 3600.0 1440.0" || world.Fitted {
		t.Errorf("world view = %s", world.ViewBox)
	}
}

func fmtSscan(s string, v ...any) (int, error) { return fmt.Sscan(s, v...) }

// TestSilenceAuthorOnlyForTokenHolders: the silences page lists every
// silence in force to whoever may see the console, but who added it and
// why only to a viewer who signed in with a token: an open console (no
// read token) is read by anyone who reaches it, like GET /status.
func TestSilenceAuthorOnlyForTokenHolders(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		read, admin string
	}{{"open console", "", ""}, {"open console with writes", "", adminTok}, {"closed console", readTok, adminTok}} {
		f := newFixture(t, tc.read, tc.admin)
		sl := alerts.NewSilence([]alerts.Matcher{{Kind: alerts.SilencePlace, Value: "Aleppo, Syria"}, {Kind: alerts.SilenceCategory, Value: "offensive"}},
			f.clock().Add(4*time.Hour), "ana@desk", "covered by the live desk", f.clock())
		if _, err := f.web.o.Silences.AddSilence(ctx, sl); err != nil {
			t.Fatal(err)
		}
		if tc.read == "" {
			_, body, _ := f.do(t, http.MethodGet, "/silences", nil)
			if !strings.Contains(body, "Aleppo, Syria") || !strings.Contains(body, "offensive") {
				t.Errorf("%s: anonymous silences page lacks the silence's matchers", tc.name)
			}
			if strings.Contains(body, "ana@desk") || strings.Contains(body, "covered by the live desk") {
				t.Errorf("%s: anonymous silences page shows who and why", tc.name)
			}
			wantHint := "sign in"
			if tc.admin == "" {
				wantHint = "web.read_token"
			}
			if !strings.Contains(body, wantHint) {
				t.Errorf("%s: the hidden columns are not explained (want %q)", tc.name, wantHint)
			}
		}
		tok := tc.read
		if tok == "" {
			tok = tc.admin
		}
		if tok == "" {
			continue
		}
		_, body, _ := f.do(t, http.MethodGet, "/silences", nil, withCookie(f.login(t, tok)))
		if !strings.Contains(body, "ana@desk") || !strings.Contains(body, "covered by the live desk") {
			t.Errorf("%s: signed-in silences page lacks who and why", tc.name)
		}
		for _, secret := range []string{readTok, adminTok} {
			if strings.Contains(body, secret) {
				t.Errorf("%s: a token appears in the page", tc.name)
			}
		}
	}
}

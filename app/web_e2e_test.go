package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/seeds"
)

const (
	webAdminToken = "admin-e2e-0123456789abcdef"
	webPushToken  = "push-e2e-0123456789abcdef"
)

// hostileReport is pushed like any report: markup in every field, a link
// that tries to break out of its attribute, and a real escalation so that
// it becomes an alert. (The push endpoint refuses javascript: links; the
// web tests check that such a link from elsewhere is not rendered.)
const hostileReport = `{"guid":"hostile-1","outlet":"<b onmouseover=\"window.__pwned='outlet'\">Evil</b>",
 "url":"https://example.org/odesa\" onmouseover=\"window.__pwned='url'",
 "title":"<img src=x onerror=\"window.__pwned='img'\"><script>window.__pwned='title'</script> Missiles hit Odesa port",
 "text":"Russian missiles struck the port of Odesa on Tuesday, killing 9 people and wounding 20, officials said. <script>window.__pwned='text'</script>"}`

// consoleApp is tocsin serving the console, with the hostile report's
// incident id and the rules directory.
type consoleApp struct {
	*app.App
	base, hostileID, rulesDir string
}

// startConsole runs tocsin on a loopback port with the seeds, a rules
// directory (so a rule edit can be saved) and an admin token, and waits
// until the seed alerts and the hostile report are in.
func startConsole(t *testing.T) consoleApp {
	t.Helper()
	rulesDir := t.TempDir()
	writeDefaultRules(t, rulesDir)
	cfg := config.Default()
	cfg.Store.DSN = filepath.Join(t.TempDir(), "tocsin.db")
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.HTTP.PushToken = webPushToken
	// With a push token the demo seeds are off (they run only when nothing
	// but the console is configured): name them as a source, whose backlog
	// (the files there at the first poll) alerts.
	cfg.Sources = []config.Source{{ID: "seeds", Kind: "folder", Path: "../seeds", AlertBacklog: true}}
	cfg.Rules.Dir = rulesDir
	cfg.Web.AdminToken = webAdminToken
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, app.Deps{Stdout: &syncBuffer{}, Logger: discard(), Version: "e2e"})
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
			t.Error("Run did not return after cancel")
		}
	})
	base := "http://" + a.Addr()
	push := func() error {
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/reports", strings.NewReader(hostileReport))
		req.Header.Set("Authorization", "Bearer "+webPushToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b, _ := io.ReadAll(resp.Body)
			return fmt.Errorf("push = %d %s", resp.StatusCode, b)
		}
		return nil
	}
	var hostileID string
	deadline := time.Now().Add(30 * time.Second) // failure guard while the first poll runs
	pushed := false
	var pushErr error
	for {
		if !pushed {
			pushErr = push()
			pushed = pushErr == nil
		}
		open, err := a.Store.OpenIncidents(context.Background())
		if err == nil && len(open) >= 3 {
			for _, inc := range open {
				if strings.Contains(inc.Title, "Odesa") {
					hostileID = inc.ID
				}
			}
			if hostileID != "" {
				return consoleApp{App: a, base: base, hostileID: hostileID, rulesDir: rulesDir}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("seed and hostile incidents not in after 30s: %d open, push %v, err %v", len(open), pushErr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func incidentAt(t *testing.T, a consoleApp, place string) alerts.Incident {
	t.Helper()
	open, err := a.Store.OpenIncidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, inc := range open {
		if inc.Location == place {
			return inc
		}
	}
	t.Fatalf("no open incident at %s", place)
	return alerts.Incident{}
}

// TestWebConsoleInBrowser walks the console as a user would, in Chromium,
// against the real service: the scenarios of issue 11, in order (the last
// ones sign in as admin and change the rules).
func TestWebConsoleInBrowser(t *testing.T) {
	a := startConsole(t)
	base, hostileID := a.base, a.hostileID
	ctx := newBrowser(t)
	aleppo := incidentAt(t, a, "Aleppo, Syria")
	type css = chromedp.CSS

	t.Run("list and map show the seed alerts", func(t *testing.T) {
		step(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(`table.incidents`)))
		rows := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("table.incidents tbody tr")].map(r => r.innerText)`))
		markers := get(t, ctx, chromedp.Evaluate[[]map[string]string](`[...document.querySelectorAll("svg.map a.marker")].map(a => ({
			id: a.dataset.id, cx: a.querySelector("circle").getAttribute("cx"), cy: a.querySelector("circle").getAttribute("cy")}))`))
		worldStatus := get(t, ctx, chromedp.Evaluate[int](`fetch(document.querySelector("svg.map image").getAttribute("href")).then(r => r.status)`,
			chromedp.EvalAwaitPromise))
		screenshot(t, ctx, "incidents")
		all := strings.Join(rows, "\n")
		for _, want := range []string{"Aleppo, Syria", "Kharkiv, Ukraine", "CRITICAL", "HIGH"} {
			if !strings.Contains(all, want) {
				t.Errorf("incident list lacks %q:\n%s", want, all)
			}
		}
		if len(markers) < 3 || worldStatus != http.StatusOK {
			t.Fatalf("map: %d markers, world outline %d; want the 3 open incidents over the map", len(markers), worldStatus)
		}
		found := false
		for _, m := range markers {
			// Aleppo is at 36.2 N, 37.16 E: x = 10·lon, y = -10·lat.
			if m["id"] == aleppo.ID {
				found = true
				if !strings.HasPrefix(m["cx"], "371.") || !strings.HasPrefix(m["cy"], "-362.") {
					t.Errorf("Aleppo marker at %s,%s; want about 371.6,-362.0", m["cx"], m["cy"])
				}
			}
		}
		if !found {
			t.Errorf("no marker for the Aleppo incident %s: %v", aleppo.ID, markers)
		}
	})

	t.Run("a click opens the timeline", func(t *testing.T) {
		step(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(`svg.map a.marker`)),
			chromedp.Click(css(`svg.map a.marker[data-id="`+aleppo.ID+`"] circle`)),
			chromedp.WaitVisible(css(`ol.timeline`)))
		path := get(t, ctx, chromedp.Evaluate[string](`location.pathname`))
		h1 := get(t, ctx, chromedp.Text(css(`h1`)))
		timeline := get(t, ctx, chromedp.Text(css(`ol.timeline`)))
		screenshot(t, ctx, "timeline")
		if path != "/incidents/"+aleppo.ID || !strings.Contains(h1, "CRITICAL") {
			t.Errorf("after the click: %s, h1 %q", path, h1)
		}
		if !strings.Contains(timeline, "OPENED") || !strings.Contains(timeline, "new incident") {
			t.Errorf("timeline lacks the opening: %q", timeline)
		}
	})

	t.Run("sources show their health", func(t *testing.T) {
		step(t, ctx, chromedp.Navigate(base+"/sources"), chromedp.WaitVisible(css(`table.sources-table`)))
		rows := get(t, ctx, chromedp.Text(css(`table.sources-table tbody`)))
		screenshot(t, ctx, "sources")
		if !strings.Contains(rows, "seeds") || !strings.Contains(rows, "folder") || !strings.Contains(rows, "just now") {
			t.Errorf("the seeds source and its last success are not shown: %q", rows)
		}
	})

	t.Run("the playground highlights the Aleppo story", func(t *testing.T) {
		story, err := seeds.FS.ReadFile("aleppo-offensive.txt")
		if err != nil {
			t.Fatal(err)
		}
		step(t, ctx, chromedp.Navigate(base+"/playground"), chromedp.WaitVisible(css(`textarea[name=report]`)),
			chromedp.SetValue(css(`textarea[name=report]`), string(story)),
			chromedp.Click(css(`button[name=action][value=score]`)),
			chromedp.WaitVisible(css(`#verdict`)))
		// The marked text, without the evidence numbers.
		const marked = `[...document.querySelectorAll("#verdict .rtext mark.%s")].map(m =>
			[...m.childNodes].filter(n => n.nodeName != "SUP").map(n => n.textContent).join("")).join("")`
		evidence := get(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(marked, "ev")))
		suppressed := get(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(marked, "sup")))
		bg := get(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#verdict .rtext mark.ev")).backgroundColor`))
		suppressedList := get(t, ctx, chromedp.Text(css(`#verdict ul.suppressed`)))
		verdict := get(t, ctx, chromedp.Text(css(`#verdict .verdict`)))
		prior := get(t, ctx, chromedp.Text(css(`#prior`)))
		screenshot(t, ctx, "playground")
		if !strings.Contains(prior, "Learned prior") || !strings.Contains(prior, "%") {
			t.Errorf("the model's part is not shown: %q", prior)
		}
		if !strings.Contains(verdict, "ALERT") || !strings.Contains(verdict, "Aleppo, Syria") {
			t.Errorf("verdict = %q", verdict)
		}
		for _, want := range []string{"closed Aleppo airport", "rebels have occupied", "aircraft targeted insurgents"} {
			if !strings.Contains(evidence, want) {
				t.Errorf("evidence highlight lacks %q: %q", want, evidence)
			}
		}
		if bg == "" || bg == "rgba(0, 0, 0, 0)" {
			t.Errorf("evidence is not visibly highlighted (background %q)", bg)
		}
		const denial = "On Friday, Syrian state television refuted claims that rebels had entered the city"
		if !strings.Contains(suppressed, denial) || !strings.Contains(suppressedList, "refuted") {
			t.Errorf("the state-TV denial is not shown as suppressed: marks %q, list %q", suppressed, suppressedList)
		}
	})

	t.Run("a rule edit with an error shows the lint line", func(t *testing.T) {
		step(t, ctx, chromedp.Navigate(base+"/playground?file=strikes.yaml"), chromedp.WaitVisible(css(`#yaml`)))
		yaml := get(t, ctx, chromedp.Value(css(`#yaml`)))
		lines := strings.Split(yaml, "\n")
		n := 0
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "severity:") {
				lines[i], n = "    severity: catastrophic", i+1
				break
			}
		}
		if n == 0 {
			t.Fatal("no severity line in strikes.yaml")
		}
		sel := css(fmt.Sprintf(`#L%d.bad ul.probs`, n))
		step(t, ctx, chromedp.SetValue(css(`#yaml`), strings.Join(lines, "\n")),
			chromedp.Click(css(`button[name=action][value=try]`)),
			chromedp.WaitVisible(css(`#lint`)), chromedp.ScrollIntoView(sel))
		problem := get(t, ctx, chromedp.Text(sel))
		lintList := get(t, ctx, chromedp.Text(css(`#lint`)))
		screenshot(t, ctx, "lint")
		if !strings.Contains(problem, "catastrophic") || !strings.Contains(lintList, fmt.Sprintf("line %d", n)) {
			t.Errorf("line %d: problem %q, list %q", n, problem, lintList)
		}
	})

	t.Run("a hostile report renders as text", func(t *testing.T) {
		for _, path := range []string{"/", "/incidents/" + hostileID} {
			step(t, ctx, chromedp.Navigate(base+path), chromedp.WaitVisible(css(`main`)))
			pwned := get(t, ctx, chromedp.Evaluate[*string](`window.__pwned ?? null`))
			injected := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('img[src="x"], main script, [onmouseover], a[href^="javascript"]').length`))
			text := get(t, ctx, chromedp.Text(css(`main`)))
			name := "hostile-list"
			if path != "/" {
				name = "hostile-incident"
			}
			screenshot(t, ctx, name)
			if pwned != nil || injected != 0 {
				t.Errorf("%s: report markup became live: __pwned=%v, %d injected elements", path, *pwned, injected)
			}
			if !strings.Contains(text, `<script>window.__pwned='title'</script>`) {
				t.Errorf("%s: the hostile title is not shown as text", path)
			}
		}
	})

	t.Run("a cross-origin form cannot write", func(t *testing.T) {
		signIn(t, ctx, base)
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<form id=f method=post action="%s/silences"><input name=kind value=place>`+
				`<input name=value value="Syria"><input name=duration value=720h></form><script>f.submit()</script>`, base)
		}))
		defer evil.Close()
		step(t, ctx, chromedp.Navigate(evil.URL))
		waitPage(t, ctx, `location.href.startsWith(`+jsString(base)+`) && document.readyState == "complete"`)
		screenshot(t, ctx, "cross-origin")
		body := get(t, ctx, chromedp.Text(css(`body`)))
		if act, _ := a.Store.ActiveSilences(context.Background(), time.Now()); len(act) != 0 {
			t.Fatalf("a cross-origin form created silences: %+v (page: %q)", act, body)
		}
		if !strings.Contains(body, "Cross-origin request refused") {
			t.Errorf("the refusal is not explained: %q", body)
		}
	})

	t.Run("silences are added and expired", func(t *testing.T) {
		signIn(t, ctx, base)
		step(t, ctx, chromedp.Navigate(base+"/silences"), chromedp.WaitVisible(css(`input[name=value]`)),
			chromedp.SetValue(css(`input[name=value]`), "Kharkiv, Ukraine"),
			chromedp.SetValue(css(`input[name=reason]`), "drill"),
			chromedp.Click(css(`form.row button`)),
			chromedp.WaitVisible(css(`table.silences`)))
		listed := get(t, ctx, chromedp.Text(css(`table.silences`)))
		screenshot(t, ctx, "silences")
		act, err := a.Store.ActiveSilences(context.Background(), time.Now())
		if err != nil || len(act) != 1 || act[0].Value != "Kharkiv, Ukraine" || act[0].Author != "web console" {
			t.Fatalf("store silences = %+v, %v", act, err)
		}
		if !strings.Contains(listed, "Kharkiv, Ukraine") {
			t.Errorf("silence not listed: %q", listed)
		}
		step(t, ctx, chromedp.Click(css(`table.silences button`)))
		waitPage(t, ctx, `location.search == "?done=expired" && document.readyState == "complete"`)
		after := get(t, ctx, chromedp.Text(css(`main`)))
		if act, _ := a.Store.ActiveSilences(context.Background(), time.Now()); len(act) != 0 || !strings.Contains(after, "Nothing is silenced") {
			t.Errorf("after expire: %+v, page %q", act, after)
		}
	})

	t.Run("a clean rule edit is previewed and saved", func(t *testing.T) {
		v1 := a.Rules.Version()
		step(t, ctx, chromedp.Navigate(base+"/playground?file=ground.yaml"), chromedp.WaitVisible(css(`#yaml`)))
		yaml := get(t, ctx, chromedp.Value(css(`#yaml`)))
		edited := strings.Replace(yaml, "  - id: offensive-launched", "  - enabled: false\n    id: offensive-launched", 1)
		if edited == yaml {
			t.Fatal("offensive-launched not found in ground.yaml")
		}
		step(t, ctx, chromedp.SetValue(css(`#yaml`), edited),
			chromedp.Click(css(`button[name=action][value=try]`)),
			chromedp.WaitVisible(css(`#preview`)))
		summary := get(t, ctx, chromedp.Text(css(`#preview .summary`)))
		screenshot(t, ctx, "preview")
		if !strings.Contains(summary, "this edit would have added 0 alerts and removed 0") || !strings.Contains(summary, "changed the severity or place of 1") {
			t.Errorf("preview summary = %q", summary)
		}
		step(t, ctx, chromedp.Click(css(`button.save`)))
		waitPage(t, ctx, `location.search.includes("saved=1") && document.readyState == "complete"`)
		msg := get(t, ctx, chromedp.Text(css(`#editor p.ok`)))
		b, err := os.ReadFile(filepath.Join(a.rulesDir, "ground.yaml"))
		if err != nil || string(b) != edited {
			t.Fatalf("ground.yaml on disk is not the edit (%v)", err)
		}
		if !strings.Contains(msg, "Saved ground.yaml") || a.Rules.Version() == v1 {
			t.Errorf("after save: %q, rules version %s (was %s)", msg, a.Rules.Version(), v1)
		}
	})
}

// signIn signs the browser in with the admin token through the login form.
func signIn(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	step(t, ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(`input[name=token]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=token]`), webAdminToken),
		chromedp.Submit(chromedp.CSS(`input[name=token]`)))
	waitPage(t, ctx, `location.pathname != "/login" && document.readyState == "complete"`)
	if role := get(t, ctx, chromedp.Text(chromedp.CSS(`header .role`))); role != "admin" {
		t.Fatalf("signed in as %q", role)
	}
}

// waitPage waits until a JavaScript condition holds on the page (after a
// form post: the new page, not the one that posted). The condition is
// asked again and again, since a question asked during the navigation dies
// with the old page.
func waitPage(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second) // failure guard
	for {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", cond, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

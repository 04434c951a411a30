package app

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/bot"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

var d0 = time.Date(2025, 3, 2, 5, 0, 0, 0, time.UTC)

// fixedNow is an injected clock tests move by hand.
type fixedNow struct{ t time.Time }

func (f *fixedNow) now() time.Time { return f.t }

func testRules(t *testing.T, dir string, s *store.Store) *Rules {
	t.Helper()
	r, err := NewRules(dir, s, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func incident(id, loc string, sev rules.Severity, alerted bool, cats []string, ruleIDs ...string) alerts.Incident {
	inc := alerts.Incident{ID: id, Title: "t " + id, Location: loc, Categories: cats, Severity: sev, Alerted: alerted,
		Corroboration: 1, FirstSeen: d0, LastSeen: d0, Seq: 1}
	for _, r := range ruleIDs {
		inc.Evidence = append(inc.Evidence, rules.Evidence{Rule: r})
	}
	return inc
}

func TestDiscordSilencerMuteUnmute(t *testing.T) {
	s, _ := storetest.SQLite(t)
	ctx := context.Background()
	clk := &fixedNow{t: d0}
	sil := &discordSilences{s: s, now: clk.now}
	id, err := sil.Mute(ctx, alerts.Silence{Kind: alerts.SilenceIncident, Value: "inc-1", ExpiresAt: d0.Add(time.Hour), Author: "u1", Reason: "noise"})
	if err != nil || !strings.HasPrefix(id, "sil-") {
		t.Fatalf("Mute = %q, %v", id, err)
	}
	id2, err := sil.Mute(ctx, alerts.Silence{Kind: alerts.SilencePlace, Value: "Kharkiv", ExpiresAt: d0.Add(time.Hour), Reason: "drill"})
	if err != nil || id2 == id {
		t.Fatalf("second Mute = %q, %v (first %q): ids must differ", id2, err, id)
	}
	active, _ := s.ActiveSilences(ctx, d0)
	if len(active) != 2 || !active[0].CreatedAt.Equal(d0) {
		t.Fatalf("active = %+v", active)
	}
	// The poller applies what was stored: the muted incident is silenced.
	if _, ok := alerts.Silenced(active, alerts.Alert{Incident: alerts.Incident{ID: "inc-1"}}, d0); !ok {
		t.Error("a muted incident is not silenced")
	}
	if n, err := sil.Unmute(ctx, alerts.SilenceRule, "inc-1"); err != nil || n != 0 {
		t.Errorf("Unmute of another kind = %d, %v; want 0", n, err)
	}
	if n, err := sil.Unmute(ctx, alerts.SilenceIncident, " INC-1 "); err != nil || n != 1 {
		t.Errorf("Unmute = %d, %v; want 1", n, err)
	}
	active, _ = s.ActiveSilences(ctx, d0)
	if len(active) != 1 || active[0].ID != id2 {
		t.Errorf("after unmute active = %+v; want only the place silence", active)
	}
	if _, err := sil.Mute(ctx, alerts.Silence{Kind: alerts.SilenceRule, Value: " ", ExpiresAt: d0.Add(time.Hour)}); err == nil {
		t.Error("an empty mute was accepted")
	}
}

func TestDiscordIncidentsFilterAndTimeline(t *testing.T) {
	s, _ := storetest.SQLite(t)
	ctx := context.Background()
	kh := incident("kh", "Kharkiv, Kharkiv Oblast, Ukraine", rules.SevHigh, true, []string{"airstrike"}, "air-strike")
	al := incident("al", "Aleppo, Syria", rules.SevCritical, true, []string{"armed_clash"}, "offensive")
	al.LastSeen = d0.Add(time.Minute) // newest
	quiet := incident("q", "Odesa, Ukraine", rules.SevHigh, false, []string{"airstrike"})
	esc := kh
	esc.Seq, esc.Severity = 2, rules.SevCritical
	evs := []alerts.Alert{
		{ID: "kh/1-opened", Kind: alerts.Opened, Incident: kh, Reason: "new incident", At: d0},
		{ID: "kh/2-escalated", Kind: alerts.Escalated, Incident: esc, Reason: "high → critical", At: d0.Add(time.Minute)},
	}
	if err := s.Apply(ctx, store.Batch{Incidents: []alerts.Incident{kh, al, quiet}, Alerts: evs, Notifiers: []string{"console", "discord"}}); err != nil {
		t.Fatal(err)
	}
	inc := &discordIncidents{s: s}
	ids := func(f bot.IncidentFilter) []string {
		t.Helper()
		got, err := inc.RecentIncidents(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, i := range got {
			out = append(out, i.ID)
		}
		return out
	}
	for _, c := range []struct {
		name string
		in   bot.IncidentFilter
		want []string
	}{
		{name: "all announced, newest first (the unannounced one is not an alert)", want: []string{"al", "kh"}},
		{name: "country", in: bot.IncidentFilter{Place: "ukraine"}, want: []string{"kh"}},
		{name: "severity", in: bot.IncidentFilter{MinSeverity: rules.SevCritical}, want: []string{"al"}},
		{name: "category", in: bot.IncidentFilter{Category: "airstrike"}, want: []string{"kh"}},
		{name: "since", in: bot.IncidentFilter{Since: d0.Add(30 * time.Second)}, want: []string{"al"}},
		{name: "limit", in: bot.IncidentFilter{Limit: 1}, want: []string{"al"}},
	} {
		if got := ids(c.in); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	det, ok, err := inc.IncidentDetail(ctx, "kh")
	if err != nil || !ok {
		t.Fatalf("IncidentDetail = %v, %v", ok, err)
	}
	if len(det.Timeline) != 2 || det.Timeline[0].Kind != alerts.Opened || det.Timeline[1].Kind != alerts.Escalated ||
		det.Timeline[1].Severity != rules.SevCritical || det.Timeline[1].Reason != "high → critical" {
		t.Errorf("timeline = %+v", det.Timeline)
	}
	if _, ok, err := inc.IncidentDetail(ctx, "nope"); ok || err != nil {
		t.Errorf("IncidentDetail(nope) = %v, %v; want not found", ok, err)
	}
}

func TestDiscordRuleCatalogPrecision(t *testing.T) {
	s, _ := storetest.SQLite(t)
	ctx := context.Background()
	r := testRules(t, "", s)
	list := r.Set().Rules()
	if len(list) < 2 {
		t.Fatalf("default rules: %d", len(list))
	}
	a, b := list[0].ID, list[1].ID
	if err := s.Apply(ctx, store.Batch{Incidents: []alerts.Incident{
		incident("i1", "Aleppo, Syria", rules.SevHigh, true, nil, a, b),
		incident("i2", "Kharkiv, Ukraine", rules.SevHigh, true, nil, a),
	}}); err != nil {
		t.Fatal(err)
	}
	fb := &discordFeedback{s: s}
	if err := fb.RecordFeedback(ctx, bot.Feedback{IncidentID: "i1", Rules: []string{a, b}, Verdict: "not_relevant", UserID: "u1", At: d0}); err != nil {
		t.Fatal(err)
	}
	clk := &fixedNow{t: d0}
	cat := &discordRuleCatalog{s: s, r: r, now: clk.now}
	ra, ok, err := cat.Rule(ctx, strings.ToUpper(a))
	if err != nil || !ok {
		t.Fatalf("Rule(%s) = %v, %v", a, ok, err)
	}
	if ra.Fired != 2 || ra.NotRelevant != 1 || ra.Precision() != 0.5 || ra.Category != list[0].Category {
		t.Errorf("rule %s = %+v; want fired 2, not relevant 1, precision 0.5", a, ra)
	}
	// Counts are cached briefly (autocomplete asks on every keystroke)...
	if err := fb.RecordFeedback(ctx, bot.Feedback{IncidentID: "i2", Rules: []string{a}, Verdict: "not_relevant", UserID: "u1", At: d0}); err != nil {
		t.Fatal(err)
	}
	if ra, _, _ := cat.Rule(ctx, a); ra.NotRelevant != 1 {
		t.Errorf("within the cache window NotRelevant = %d; want the cached 1", ra.NotRelevant)
	}
	// ...and refreshed after.
	clk.t = d0.Add(ruleCountsTTL)
	if ra, _, _ := cat.Rule(ctx, a); ra.NotRelevant != 2 || ra.Precision() != 0 {
		t.Errorf("after the cache window = %+v; want not relevant 2, precision 0", ra)
	}
	all, err := cat.Rules(ctx)
	if err != nil || len(all) != len(list) {
		t.Errorf("Rules = %d, %v; want %d", len(all), err, len(list))
	}
	if _, ok, _ := cat.Rule(ctx, "no-such-rule"); ok {
		t.Error("unknown rule found")
	}
}

func TestDiscordReloaderReportsProblems(t *testing.T) {
	s, _ := storetest.SQLite(t)
	dir := t.TempDir()
	files, err := rules.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := testRules(t, dir, s)
	v1 := r.Version()
	rl := &discordReloader{r: r}
	bad := filepath.Join(dir, "zz-bad.yaml")
	os.WriteFile(bad, []byte("rules:\n  - id: [unclosed\n"), 0o644)
	res, err := rl.ReloadRules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied || res.Version != v1 || len(res.Problems) == 0 || !strings.Contains(strings.Join(res.Problems, "\n"), "zz-bad.yaml") {
		t.Errorf("bad reload = %+v; want refused, old version, problems naming the file", res)
	}
	os.Remove(bad)
	if res, err := rl.ReloadRules(context.Background()); err != nil || !res.Applied || len(res.Problems) != 0 {
		t.Errorf("good reload = %+v, %v", res, err)
	}
	// A guard's refusal (a route names a category the rules no longer
	// declare) is listed one problem a line, with the route's field.
	r.Guard(func(*rules.Set) error {
		var errs config.Errors
		errs.Add("slack.channels[0].categories[0]", "unknown category")
		errs.Add("webhook.endpoints[1].categories[0]", "unknown category")
		return errs
	})
	res, err = rl.ReloadRules(context.Background())
	if err != nil || res.Applied || len(res.Problems) != 2 || !strings.Contains(res.Problems[0], "slack.channels[0].categories[0]") {
		t.Errorf("reload refused by a route = %+v, %v; want one problem per route", res, err)
	}
}

func TestDiscordSubscriptionsAcksAndPlaces(t *testing.T) {
	s, _ := storetest.SQLite(t)
	ctx := context.Background()
	clk := &fixedNow{t: d0}
	subs := &discordSubscriptions{s: s, now: clk.now}
	route := bot.Route{ChannelID: "100000000000000009", Places: []string{"Ukraine"}, MinSeverity: rules.SevHigh,
		MentionRoles: map[rules.Severity][]string{rules.SevCritical: {"200000000000000001"}}}
	if err := subs.Subscribe(ctx, route); err != nil {
		t.Fatal(err)
	}
	routes, err := subs.Routes(ctx)
	if err != nil || len(routes) != 1 {
		t.Fatalf("Routes = %+v, %v", routes, err)
	}
	// The stored route routes as the original does.
	kh := incident("kh", "Kharkiv, Ukraine", rules.SevCritical, true, nil)
	if !routes[0].Matches(kh) || !slices.Equal(routes[0].RolesFor(rules.SevCritical), []string{"200000000000000001"}) {
		t.Errorf("stored route = %+v", routes[0])
	}
	if ok, err := subs.Unsubscribe(ctx, route.ChannelID); !ok || err != nil {
		t.Errorf("Unsubscribe = %v, %v", ok, err)
	}
	acks := &discordAcks{s: s}
	if err := acks.Acknowledge(ctx, bot.Ack{IncidentID: "kh", UserID: "u1", UserName: "ann", At: d0}); err != nil {
		t.Fatal(err)
	}
	if got, err := acks.Acks(ctx, "kh"); err != nil || len(got) != 1 || got[0].UserName != "ann" || !got[0].At.Equal(d0) {
		t.Errorf("Acks = %+v, %v", got, err)
	}
	r := testRules(t, "", s)
	got := (&discordPlaces{g: r.Gazetteer()}).Complete("Khark", 5)
	if len(got) == 0 || !strings.HasPrefix(got[0], "Kharkiv") {
		t.Errorf("Complete(Khark) = %v", got)
	}
}

// TestDiscordStatusIsThePublicView: Discord's /status is posted in the
// channel for every member, so its silences are the public /status's:
// matchers and end, not who added them or why (/silences, answered to the
// asker alone, has those).
func TestDiscordStatusIsThePublicView(t *testing.T) {
	s, _ := storetest.SQLite(t)
	ctx := context.Background()
	now := time.Now()
	if _, err := s.AddSilence(ctx, alerts.NewSilence([]alerts.Matcher{{Kind: alerts.SilencePlace, Value: "Kharkiv"},
		{Kind: alerts.SilenceCategory, Value: "airstrike"}}, now.Add(time.Hour), "123456789012345678", "covered by the live desk", now)); err != nil {
		t.Fatal(err)
	}
	st, err := (&discordStatus{s: s}).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Silences) != 1 || !strings.Contains(st.Silences[0].Describe(), "Kharkiv") || !strings.Contains(st.Silences[0].Describe(), "airstrike") ||
		st.Silences[0].Author != "" || st.Silences[0].Reason != "" || !strings.HasPrefix(st.Silences[0].ID, "sil-") {
		t.Errorf("Discord /status silences = %+v; want id and both matchers, without who and why", st.Silences)
	}
}

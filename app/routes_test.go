package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/notify/notifyconfig"
	"github.com/tocsin-alerts/tocsin/route"
	"github.com/tocsin-alerts/tocsin/webhook"
)

// routedCategory maps each kind of route to the category it names in
// TestEveryRouteUsesTheRuleVocabulary, by the route's field path.
var routedCategory = map[string]string{
	"discord.channels[0]":            "shelling",
	"slack.channels[0]":              "curfew",
	"telegram.chats[0]":              "blockade",
	"matrix.rooms[0]":                "evacuation", // a label route: it also filters by source label
	"webhook.endpoints[0]":           "cyberattack",
	"alerts.inhibit_rules[0].source": "siege",
	"alerts.inhibit_rules[0].target": "raid",
}

// TestEveryRouteUsesTheRuleVocabulary: every route's categories are the
// live rule set's, whichever notifier or inhibition rule holds it. A start
// with misspelt categories fails naming each route's field; a rules edit
// that drops a category one route names is refused naming that route (and
// no other), and the old rules stay live — as issue 13 made it for Discord.
func TestEveryRouteUsesTheRuleVocabulary(t *testing.T) {
	dir := t.TempDir()
	ruleFile := func(drop string) {
		t.Helper()
		var b strings.Builder
		b.WriteString("categories:\n  airstrike: Air strikes\n  threat: A threat of force\n  de_escalation: A ceasefire\n" +
			"  mass_casualty: Ten or more people killed\n")
		for _, c := range routedCategory {
			if c != drop {
				b.WriteString("  " + c + ": Routed in the test\n")
			}
		}
		b.WriteString("rules:\n  - id: air-strike\n    title: Air strike\n    description: An air strike is reported.\n" +
			"    category: airstrike\n    severity: high\n    match:\n      any:\n        - [airstrike, air strike]\n")
		if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ruleFile("")
	build := func(typo string) (*app.App, error) {
		cat := func(path string) []string { return []string{routedCategory[path] + typo} }
		spec := func(path string) route.Spec { return route.Spec{Categories: cat(path)} }
		cfg := testConfig(t)
		cfg.Rules.Dir = dir
		cfg.Discord = config.Discord{Token: config.Secret(e2eToken), ApplicationID: "900000000000000001",
			APIURL: "http://127.0.0.1:1/api/v9", Channels: []config.DiscordChannel{{ChannelID: e2eChannel, Categories: cat("discord.channels[0]")}}}
		cfg.Slack.Token, cfg.Slack.APIURL = "xoxb-test", "http://127.0.0.1:1/api/"
		cfg.Slack.Channels = []notifyconfig.RouteSpec{{Channel: "C0ALERTS", Spec: spec("slack.channels[0]")}}
		cfg.Telegram.Token, cfg.Telegram.APIURL = "1:test", "http://127.0.0.1:1"
		cfg.Telegram.Chats = []notifyconfig.RouteSpec{{Channel: "-1001", Spec: spec("telegram.chats[0]")}}
		cfg.Matrix.Homeserver, cfg.Matrix.AccessToken = "http://127.0.0.1:1", "syt_test"
		labelRoute := spec("matrix.rooms[0]")
		labelRoute.Labels = map[string]string{"region": "sahel"}
		cfg.Matrix.Rooms = []notifyconfig.RouteSpec{{Channel: "!alerts:example.org", Spec: labelRoute}}
		cfg.Webhook.Endpoints = []webhook.Endpoint{{URL: "http://127.0.0.1:1/hook", Spec: spec("webhook.endpoints[0]")}}
		src, tgt := spec("alerts.inhibit_rules[0].source"), spec("alerts.inhibit_rules[0].target")
		src.MinSeverity = "critical"
		cfg.Alerts.InhibitRules = []route.Inhibit{{Source: src, Target: tgt, Equal: []string{"place"}}}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		return app.New(context.Background(), cfg, app.Deps{Logger: discard()})
	}

	_, err := build("z") // "shellingz", "curfewz", ...
	if err == nil {
		t.Fatal("a start with a misspelt category in every route succeeded")
	}
	for path, c := range routedCategory {
		if !strings.Contains(err.Error(), path+".categories[0]") || !strings.Contains(err.Error(), "did you mean "+c) {
			t.Errorf("start error does not name %s.categories[0] and %q:\n%v", path, c, err)
		}
	}

	a, err := build("")
	if err != nil {
		t.Fatalf("every route names a declared category: %v", err)
	}
	defer a.Stop()
	live := a.Rules.Version()
	for path, c := range routedCategory {
		ruleFile(c) // valid rules on their own, without the category this route names
		err := a.Rules.Reload(context.Background())
		if err == nil || !strings.Contains(err.Error(), path+".categories[0]") || a.Rules.Version() != live {
			t.Errorf("reload dropping %q (%s) = %v, version %s (was %s); want refused naming the route, old rules live",
				c, path, err, a.Rules.Version(), live)
			continue
		}
		if n := strings.Count(err.Error(), ".categories["); n != 1 {
			t.Errorf("reload dropping %q names %d routes, want only %s:\n%v", c, n, path, err)
		}
		if st := a.Rules.Last(); st.OK || !strings.Contains(st.Err, path) {
			t.Errorf("reload status after dropping %q = %+v; want the refusal recorded", c, st)
		}
	}
	ruleFile("")
	if err := a.Rules.Reload(context.Background()); err != nil {
		t.Errorf("reload with every routed category again: %v", err)
	}
}

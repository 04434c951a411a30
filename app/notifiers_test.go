package app_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/matrix/matrixtest"
	"github.com/tocsin-alerts/tocsin/notify/notifyconfig"
	"github.com/tocsin-alerts/tocsin/route"
	"github.com/tocsin-alerts/tocsin/slack/slacktest"
	"github.com/tocsin-alerts/tocsin/telegram/telegramtest"
	"github.com/tocsin-alerts/tocsin/webhook"
	"github.com/tocsin-alerts/tocsin/webhook/webhooktest"
)

// TestEveryChatNotifierFromConfig: a config with a webhook, Slack,
// Telegram and Matrix (each a loopback platform) delivers the Aleppo seed
// story to each of them once, routed by place; a Ukraine-only Slack
// channel gets nothing.
func TestEveryChatNotifierFromConfig(t *testing.T) {
	hook := webhooktest.New("0123456789abcdef0123")
	sl := slacktest.New("xoxb-test", "C0SYRIA", "C0UKRAINE")
	tg := telegramtest.New("1:test", "-1001")
	mx := matrixtest.New("syt_test", "!alerts:example.org")
	for _, c := range []interface{ Close() }{hook, sl, tg, mx} {
		t.Cleanup(c.Close)
	}
	cfg := testConfig(t)
	cfg.Console.Enabled = false
	cfg.Sources = []config.Source{{ID: "seeds", Kind: "folder", Path: "../seeds", AlertBacklog: true}}
	cfg.Webhook.Endpoints = []webhook.Endpoint{{URL: hook.URL, Secret: "0123456789abcdef0123"}}
	cfg.Slack.Token, cfg.Slack.APIURL = "xoxb-test", sl.APIURL()
	cfg.Slack.Channels = []notifyconfig.RouteSpec{{Channel: "C0SYRIA", Spec: route.Spec{Places: []string{"Syria"}}},
		{Channel: "C0UKRAINE", Spec: route.Spec{Places: []string{"Ukraine"}, Categories: []string{"Mass casualty"}}}}
	cfg.Telegram.Token, cfg.Telegram.APIURL = "1:test", tg.URL
	cfg.Telegram.Chats = []notifyconfig.RouteSpec{{Channel: "-1001", Spec: route.Spec{Places: []string{"Syria"}}}}
	cfg.Matrix.Homeserver, cfg.Matrix.AccessToken = mx.URL, "syt_test"
	cfg.Matrix.Rooms = []notifyconfig.RouteSpec{{Channel: "!alerts:example.org", Spec: route.Spec{Places: []string{"Syria"}}}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Demo() {
		t.Fatal("a config with chat notifiers is a demo")
	}
	a, err := app.New(context.Background(), cfg, app.Deps{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	if _, _, err := a.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	aleppo := func(text string) bool { return strings.Contains(text, "Aleppo") }
	count := func(texts []string) (n int) {
		for _, s := range texts {
			if aleppo(s) {
				n++
			}
		}
		return n
	}
	var hooks, slacks, syria, tgs, mxs []string
	for _, d := range hook.Deliveries() {
		hooks = append(hooks, string(d.Body))
	}
	for _, m := range sl.Messages() {
		slacks = append(slacks, m.Text)
		if m.Channel == "C0SYRIA" {
			syria = append(syria, m.Text)
		}
	}
	for _, m := range tg.Messages() {
		tgs = append(tgs, m.Text)
	}
	for _, m := range mx.Messages() {
		mxs = append(mxs, m.Body)
	}
	for name, got := range map[string][]string{"webhook": hooks, "slack #syria": syria, "telegram": tgs, "matrix": mxs} {
		if count(got) != 1 {
			t.Errorf("%s: %d Aleppo alerts in %d messages, want 1", name, count(got), len(got))
		}
	}
	for _, m := range sl.Messages() {
		if m.Channel == "C0UKRAINE" && aleppo(m.Text) {
			t.Errorf("the Ukraine channel got the Aleppo alert")
		}
	}
	// A category typo in a route is refused at start, with the closest name
	// (on a store of its own: the first app still holds its SQLite file).
	cfg.Slack.Channels[1].Categories = []string{"airstrik"}
	cfg.Store.DSN = filepath.Join(t.TempDir(), "typo.db")
	if _, err := app.New(context.Background(), cfg, app.Deps{Logger: discard()}); err == nil || !strings.Contains(err.Error(), "did you mean airstrike") ||
		!strings.Contains(err.Error(), "slack.channels[1]") {
		t.Errorf("typo in a route: %v", err)
	}
}

package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/notify/notifyconfig"
	"github.com/tocsin-alerts/tocsin/webhook"
)

// everySecret sets every secret the config has, each a distinct value the
// test looks for in every answer.
func everySecret(cfg *config.Config) []string {
	cfg.HTTP.PushToken = "push-token-secret-0123456789"
	cfg.Web.ReadToken, cfg.Web.AdminToken = "web-read-secret-0123456789", "web-admin-secret-0123456789"
	cfg.Discord = config.Discord{Token: "discord-token-secret-0123456789", ApplicationID: "900000000000000001",
		APIURL: "http://127.0.0.1:1/api/v9", Channels: []config.DiscordChannel{{ChannelID: "900000000000000002"}}}
	cfg.Summary.BaseURL, cfg.Summary.Model, cfg.Summary.APIKey = "http://127.0.0.1:1/v1", "m", "summary-key-secret-0123456789"
	cfg.Slack.Token, cfg.Slack.APIURL = "xoxb-slack-secret-0123456789", "http://127.0.0.1:1/api/"
	cfg.Slack.Channels = []notifyconfig.RouteSpec{{Channel: "C0ALERTS"}}
	cfg.Telegram.Token, cfg.Telegram.APIURL = "1:telegram-secret-0123456789", "http://127.0.0.1:1"
	cfg.Telegram.Chats = []notifyconfig.RouteSpec{{Channel: "-1001"}}
	cfg.Matrix.Homeserver, cfg.Matrix.AccessToken = "http://127.0.0.1:1", "syt_matrix-secret-0123456789"
	cfg.Matrix.Rooms = []notifyconfig.RouteSpec{{Channel: "!alerts:example.org"}}
	cfg.Webhook.Endpoints = []webhook.Endpoint{{URL: "http://127.0.0.1:1/hook", Secret: "webhook-secret-0123456789"}}
	return []string{apiToken, readToken, cfg.HTTP.PushToken.Reveal(), cfg.Web.ReadToken.Reveal(), cfg.Web.AdminToken.Reveal(),
		cfg.Discord.Token.Reveal(), cfg.Summary.APIKey.Reveal(), cfg.Slack.Token.Reveal(), cfg.Telegram.Token.Reveal(),
		cfg.Matrix.AccessToken.Reveal(), cfg.Webhook.Endpoints[0].Secret.Reveal(), "secret-0123456789"}
}

// TestStatusPublicAndAuthenticated: GET /status, which needs no token,
// lists each silence in force by id, matchers and end, without who added
// it and why; with the API's read token or its full one it shows those
// too; a wrong token is refused. No answer shows a secret, with every
// secret of the config set.
func TestStatusPublicAndAuthenticated(t *testing.T) {
	var secrets []string
	r := startAPIRig(t, func(cfg *config.Config) { secrets = everySecret(cfg) })
	code, body := r.call("POST", "/v1/silences", apiToken, `{"matchers":[{"kind":"place","value":"Kharkiv"},`+
		`{"kind":"category","value":"airstrike"}],"duration":"4h","author":"ana@desk","comment":"covered by the live desk"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/silences = %d %s", code, body)
	}
	status := func(token string) (int, string, app.Status) {
		t.Helper()
		code, body := r.call("GET", "/status", token, "")
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("GET /status with %q shows a secret: %s", token, body)
			}
		}
		var st app.Status
		if code == http.StatusOK {
			if err := json.Unmarshal([]byte(body), &st); err != nil {
				t.Fatalf("GET /status: %v\n%s", err, body)
			}
		}
		return code, body, st
	}

	code, body, st := status("")
	if code != http.StatusOK || len(st.Silences) != 1 {
		t.Fatalf("public /status = %d %s; want the silence", code, body)
	}
	sl := st.Silences[0]
	if !strings.HasPrefix(sl.ID, "sil-") || len(sl.Matchers) != 2 || sl.Matchers[0].String() != "place=Kharkiv" ||
		sl.Matchers[1].String() != "category=airstrike" || sl.ExpiresAt.IsZero() {
		t.Errorf("public silence = %+v; want its id, both matchers and its end", sl)
	}
	if sl.Author != "" || sl.Comment != "" || strings.Contains(body, "ana@desk") || strings.Contains(body, "live desk") ||
		strings.Contains(body, `"author"`) {
		t.Errorf("public /status shows who silenced and why: %s", body)
	}
	for _, tok := range []string{readToken, apiToken} {
		code, body, st := status(tok)
		if code != http.StatusOK || len(st.Silences) != 1 || st.Silences[0].Author != "ana@desk" ||
			st.Silences[0].Comment != "covered by the live desk" || st.Silences[0].ID != sl.ID {
			t.Errorf("/status with an API token = %d %s; want who and why", code, body)
		}
	}
	if code, body, _ := status("wrong-token-0123456789"); code != http.StatusUnauthorized || strings.Contains(body, "ana@desk") {
		t.Errorf("/status with a wrong token = %d %s; want 401", code, body)
	} else {
		errorsOf(t, body)
	}
}

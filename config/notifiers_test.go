package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNotifierSections: each notifier's section reads its secret from a
// file, counts as configured for Demo, and reports its problems at their
// field paths with the rest of the config, never echoing a secret.
func TestNotifierSections(t *testing.T) {
	dir := t.TempDir()
	write := func(name, v string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	yaml := "webhook: {endpoints: [{url: https://hooks.example.org/x, secret_file: " + write("wh", "0123456789abcdef-webhook") + "}]}\n" +
		"slack: {token_file: " + write("slack", "xoxb-1-2-3") + ", channels: [{channel: C01, min_severity: high}]}\n" +
		"telegram: {token_file: " + write("tg", "123:abc") + ", chats: [{channel: \"-1001\"}]}\n" +
		"matrix: {homeserver: https://matrix.example.org, access_token_file: " + write("mx", "syt_abc") + ", rooms: [{channel: \"!r:example.org\"}]}\n"
	c, err := Parse([]byte(yaml), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Webhook.Endpoints[0].Secret.Reveal() != "0123456789abcdef-webhook" || c.Slack.Token.Reveal() != "xoxb-1-2-3" ||
		c.Telegram.Token.Reveal() != "123:abc" || c.Matrix.AccessToken.Reveal() != "syt_abc" {
		t.Errorf("secrets not read from their files")
	}
	for name, y := range map[string]string{"webhook": "webhook: {endpoints: [{url: https://h.example.org}]}",
		"slack": "slack: {token: xoxb-1}", "telegram": "telegram: {token: \"1:a\"}",
		"matrix": "matrix: {homeserver: https://m.example.org, access_token: t}"} {
		c, err := Parse([]byte(y), env(nil))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Demo() {
			t.Errorf("%s configured, yet Demo() is true: made-up stories would reach it", name)
		}
	}
	if c, _ := Parse(nil, env(nil)); !c.Demo() {
		t.Error("the empty config is not the demo")
	}
	bad := "webhook: {endpoints: [{url: ftp://x, secret: short, min_severity: urgent}]}\n" +
		"slack: {token: not-a-slack-token-SECRET, channels: [{channel: \"\", mention: {extreme: [S1]}}], retry_budget: 99}\n" +
		"telegram: {chats: [{channel: \"-1\"}]}\n" +
		"matrix: {access_token: t, rooms: [{channel: \"#alias:example.org\"}]}\n"
	_, err = Parse([]byte(bad), env(nil))
	if err == nil {
		t.Fatal("bad notifier sections accepted")
	}
	msg := err.Error()
	for _, path := range []string{"webhook.endpoints[0].url", "webhook.endpoints[0].secret", "webhook.endpoints[0].min_severity",
		"slack.token", "slack.channels[0].channel", "slack.channels[0].mention.extreme", "slack.retry_budget",
		"telegram.token", "matrix.homeserver", "matrix.rooms[0].channel"} {
		if !strings.Contains(msg, path+":") {
			t.Errorf("no problem reported at %s:\n%s", path, msg)
		}
	}
	if strings.Contains(msg, "SECRET") || strings.Contains(msg, "short") {
		t.Errorf("a secret is echoed:\n%s", msg)
	}
}

package discordtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const token = "tok"

func do(t *testing.T, s *Server, method, path, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL()+"/api/v9"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bot "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestValidationAnswersLikeDiscord(t *testing.T) {
	s := New(Options{Token: token})
	defer s.Close()
	s.AddChannel("111111111111111111")
	long := func(n int) string { return strings.Repeat("é", n) }
	field := func(name, value string) map[string]any { return map[string]any{"name": name, "value": value} }
	many := make([]map[string]any, 26)
	for i := range many {
		many[i] = field("n", "v")
	}
	cases := []struct {
		name string
		body map[string]any
		path string // the error path expected in the answer
	}{
		{"content", map[string]any{"content": long(2001)}, `"content"`},
		{"title", map[string]any{"embeds": []any{map[string]any{"title": long(257)}}}, `"title"`},
		{"description", map[string]any{"embeds": []any{map[string]any{"description": long(4097)}}}, `"description"`},
		{"fields", map[string]any{"embeds": []any{map[string]any{"fields": many}}}, `"fields"`},
		{"field value", map[string]any{"embeds": []any{map[string]any{"fields": []any{field("n", long(1025))}}}}, `"value"`},
		{"empty field", map[string]any{"embeds": []any{map[string]any{"fields": []any{field("n", " ")}}}}, `BASE_TYPE_REQUIRED`},
		{"footer", map[string]any{"embeds": []any{map[string]any{"description": "x", "footer": map[string]any{"text": long(2049)}}}}, `"footer"`},
		{"total", map[string]any{"embeds": []any{map[string]any{"description": long(4000)}, map[string]any{"description": long(2001)}}}, `MAX_EMBED_SIZE_EXCEEDED`},
		{"mentions exclusive", map[string]any{"content": "x", "allowed_mentions": map[string]any{"parse": []string{"roles"}, "roles": []string{"1"}}}, `MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE`},
		{"mentions enum", map[string]any{"content": "x", "allowed_mentions": map[string]any{"parse": []string{"all"}}}, `ENUM_TYPE_COERCE`},
		{"component row", map[string]any{"content": "x", "components": []any{map[string]any{"type": 2, "custom_id": "a", "style": 1}}}, `"components"`},
		{"button id", map[string]any{"content": "x", "components": []any{map[string]any{"type": 1, "components": []any{map[string]any{"type": 2, "style": 1, "label": "a"}}}}}, `"custom_id"`},
		{"empty", map[string]any{"content": ""}, `Cannot send an empty message`},
		{"nonce", map[string]any{"content": "x", "nonce": strings.Repeat("n", 26)}, `"nonce"`},
	}
	for _, c := range cases {
		b, _ := json.Marshal(c.body)
		code, _, ans := do(t, s, "POST", "/channels/111111111111111111/messages", string(b))
		if code != 400 || !strings.Contains(ans, `"code":50035`) || !strings.Contains(ans, c.path) {
			t.Errorf("%s: %d %s, want 400 Invalid Form Body naming %s", c.name, code, ans, c.path)
		}
	}
	if code, _, ans := do(t, s, "POST", "/channels/111111111111111111/messages", "{\"content\":\"caf\xe9\"}"); code != 400 {
		t.Errorf("broken UTF-8 accepted: %d %s", code, ans)
	}
	if n := len(s.Messages("111111111111111111")); n != 0 {
		t.Errorf("%d invalid messages stored", n)
	}
	if got := len(s.Rejections()); got != len(cases)+1 {
		t.Errorf("rejections recorded = %d, want %d", got, len(cases)+1)
	}
}

func TestNonceAndPings(t *testing.T) {
	s := New(Options{Token: token})
	defer s.Close()
	s.AddChannel("111111111111111111")
	body := `{"content":"@everyone <@&42> <@7>","nonce":"n1","enforce_nonce":true,"allowed_mentions":{"parse":[],"roles":["42"]}}`
	_, _, a := do(t, s, "POST", "/channels/111111111111111111/messages", body)
	_, _, b := do(t, s, "POST", "/channels/111111111111111111/messages", body)
	var ma, mb struct{ ID string }
	_ = json.Unmarshal([]byte(a), &ma)
	_ = json.Unmarshal([]byte(b), &mb)
	if ma.ID == "" || ma.ID != mb.ID || len(s.Messages("111111111111111111")) != 1 {
		t.Errorf("enforce_nonce did not dedup: %s / %s", a, b)
	}
	m := s.Messages("111111111111111111")[0]
	if strings.Join(m.Pings, ",") != "role:42" {
		t.Errorf("pings = %v, want only the allowed role", m.Pings)
	}
	// Without allowed_mentions Discord parses everything.
	do(t, s, "POST", "/channels/111111111111111111/messages", `{"content":"@everyone <@7>"}`)
	if got := s.Messages("111111111111111111")[1].Pings; strings.Join(got, ",") != "everyone,user:7" {
		t.Errorf("default pings = %v", got)
	}
	if code, _, _ := do(t, s, "POST", "/channels/999999999999999999/messages", `{"content":"x"}`); code != 404 {
		t.Errorf("unknown channel: %d", code)
	}
}

func TestFaults(t *testing.T) {
	s := New(Options{Token: token})
	defer s.Close()
	s.AddChannel("111111111111111111")
	s.Inject(Fault{Method: "POST", Path: "/channels/", Status: 429, RetryAfter: 1500 * time.Millisecond, Global: true})
	code, h, body := do(t, s, "POST", "/channels/111111111111111111/messages", `{"content":"x"}`)
	if code != 429 || h.Get("X-RateLimit-Reset-After") != "1.500" || h.Get("X-RateLimit-Global") != "true" || !strings.Contains(body, `"retry_after":1.500`) {
		t.Errorf("429: %d %v %s", code, h, body)
	}
	if code, _, _ := do(t, s, "POST", "/channels/111111111111111111/messages", `{"content":"x"}`); code != 200 {
		t.Errorf("the 429 was not once: %d", code)
	}
	s.Inject(Fault{Path: "/channels/", Status: 503, Times: 2})
	for i := 0; i < 2; i++ {
		if code, _, _ := do(t, s, "GET", "/channels/111111111111111111/messages", ""); code != 503 {
			t.Errorf("503 #%d: %d", i, code)
		}
	}
	req, _ := http.NewRequest("GET", s.URL()+"/api/v9/users/@me", bytes.NewReader(nil))
	req.Header.Set("Authorization", "Bot wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
}

func TestStandaloneInspection(t *testing.T) {
	s, err := Start(Options{Token: token, Addr: "127.0.0.1:0", Channels: []string{"111111111111111111"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	do(t, s, "POST", "/channels/111111111111111111/messages", `{"content":"hello <@&5>","allowed_mentions":{"parse":[]}}`)
	resp, err := http.Get(s.URL() + "/_emulator/channels/111111111111111111/messages")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []struct {
		Content string   `json:"content"`
		Pings   []string `json:"pings"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || len(got) != 1 || got[0].Content != "hello <@&5>" || len(got[0].Pings) != 0 {
		t.Errorf("inspection = %+v, %v", got, err)
	}
}

// TestCommandOptionsValidatedLikeDiscord: a bulk overwrite whose options
// break Discord's rules (an optional option before a required one, a
// description over 100 characters, a bad name) is refused, the problem
// at its path as Discord nests it.
func TestCommandOptionsValidatedLikeDiscord(t *testing.T) {
	s := New(Options{Token: token, AppID: "900000000000000001"})
	defer s.Close()
	opt := func(name, desc string, required bool) map[string]any {
		return map[string]any{"type": 3, "name": name, "description": desc, "required": required}
	}
	for _, c := range []struct {
		name string
		opts []any
		path string
	}{
		{"optional first", []any{opt("also", "x", false), opt("value", "x", true)}, `"1":{"required":{"_errors":[{"code":"APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"`},
		{"long description", []any{opt("value", strings.Repeat("d", 101), true)}, `"0":{"description":{"_errors":[{"code":"BASE_TYPE_BAD_LENGTH"`},
		{"bad name", []any{opt("Value", "x", true)}, `"0":{"name":{"_errors":[{"code":"APPLICATION_COMMAND_INVALID_NAME"`},
	} {
		b, _ := json.Marshal([]any{map[string]any{"name": "mute", "description": "Mute", "options": c.opts}})
		code, _, ans := do(t, s, "PUT", "/applications/900000000000000001/commands", string(b))
		if code != 400 || !strings.Contains(ans, c.path) {
			t.Errorf("%s: %d %s, want 400 naming %s", c.name, code, ans, c.path)
		}
	}
	b, _ := json.Marshal([]any{map[string]any{"name": "mute", "description": "Mute", "options": []any{opt("value", "x", true), opt("also", "y", false)}}})
	if code, _, ans := do(t, s, "PUT", "/applications/900000000000000001/commands", string(b)); code != 200 {
		t.Errorf("valid options refused: %d %s", code, ans)
	}
}

package bot

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestAPIURLReachesAProxyUnderAnyPrefix checks discord.api_url with a REST
// proxy mounted under its own path.
func TestAPIURLReachesAProxyUnderAnyPrefix(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"555555555555555555","username":"tocsin"}`))
	}))
	defer proxy.Close()
	c, err := NewClient(ClientOptions{Token: testToken, APIURL: proxy.URL + "/discord-proxy/api/v9/"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.BotID(ctxT(t))
	if err != nil || id != "555555555555555555" {
		t.Fatalf("BotID through the proxy = %q, %v", id, err)
	}
	if _, err := c.rest.do(ctxT(t), "GET", "https://discord.com/api/v9/channels/1/messages?limit=5", "b", nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"GET /discord-proxy/api/v9/users/@me?", "GET /discord-proxy/api/v9/channels/1/messages?limit=5"}
	if len(paths) != 2 || paths[0] != want[0] || paths[1] != want[1] {
		t.Errorf("proxy saw %v, want %v", paths, want)
	}
	if _, err := NewClient(ClientOptions{Token: testToken, APIURL: "ftp://x"}); err == nil {
		t.Error("a non-http api_url was accepted")
	}
	if _, err := NewClient(ClientOptions{}); err == nil {
		t.Error("an empty token was accepted")
	}
}

func TestRouteRedaction(t *testing.T) {
	got := route("https://discord.com/api/v9/interactions/123/secret-itoken/callback")
	if got != "/interactions/123/<token>/callback" {
		t.Errorf("route = %q", got)
	}
	got = route("https://discord.com/api/v9/webhooks/77/secret-itoken/messages/@original")
	if got != "/webhooks/77/<token>/messages/@original" {
		t.Errorf("route = %q", got)
	}
}

func BenchmarkIncidentMessage(b *testing.B) {
	a := sampleAlert()
	for b.Loop() {
		_ = incidentMessage(a, []string{roleHigh}, nil)
	}
}

func BenchmarkIncidentMessageHostile(b *testing.B) {
	a := hostileAlert()
	for b.Loop() {
		_ = incidentMessage(a, []string{roleHigh}, nil)
	}
}

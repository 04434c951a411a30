package bot

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tocsin-alerts/tocsin/bot/discordtest"
)

func TestGatewayResumesAfterDroppedConnection(t *testing.T) {
	// The deadline is generous here: this test is about resuming, and
	// discordgo waits a second before reconnecting.
	b := startBot(t, discordtest.Options{InteractionDeadline: time.Minute})
	b.srv.DropGateway()
	// Sent while the connection is down: Discord keeps it for the resume.
	id, err := b.srv.Interact(discordtest.Spec{Type: discordtest.TypeCommand, GuildID: guildID, ChannelID: testChannel, Member: member, Command: "status"})
	if err != nil {
		t.Fatal(err)
	}
	a := b.await(t, id)
	if !strings.Contains(a.text, "Broken Feed") {
		t.Errorf("replayed command answered %q", a.text)
	}
	// The session was resumed, never identified anew. Connected is awaited,
	// not sampled: the client may still be settling its connection when
	// the replayed command's answer arrives (seen under -race: a snapshot
	// read connected=false after a successful resume).
	if err := b.srv.WaitConnected(ctxT(t)); err != nil {
		t.Fatalf("not connected again: %v", err)
	}
	identifies, resumes, _ := b.srv.GatewayStats()
	if identifies != 1 || resumes < 1 {
		t.Errorf("identifies=%d resumes=%d, want one identify and a resume", identifies, resumes)
	}
	if resumes > 1 {
		t.Logf("resumed %d times", resumes)
	}
}

func TestGatewayReidentifiesWhenResumeRefused(t *testing.T) {
	b := startBot(t, discordtest.Options{InteractionDeadline: time.Minute})
	b.srv.InvalidateNextResume()
	b.srv.DropGateway()
	ctx := ctxT(t)
	if err := discordtest.WaitFor(ctx, func() bool { n, _, ok := b.srv.GatewayStats(); return n == 2 && ok }); err != nil {
		t.Fatalf("no new session after INVALID_SESSION: %v", err)
	}
	a := b.run(t, cmd(member, "status"))
	if !strings.Contains(a.text, "Broken Feed") {
		t.Errorf("after re-identify: %q", a.text)
	}
}

func TestOpenIsBoundedWhenGatewayStaysSilent(t *testing.T) {
	up := websocket.Upgrader{}
	hold := make(chan struct{})
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/api/v9/gateway", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"url":"ws` + strings.TrimPrefix(srv.URL, "http") + `/ws"}`))
	})
	mux.HandleFunc("/ws/", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		select { // never send HELLO
		case <-hold:
		case <-r.Context().Done():
		}
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	defer close(hold)
	c, err := NewClient(ClientOptions{Token: testToken, APIURL: srv.URL + "/api/v9", OpenTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = c.Open(ctx)
	if err == nil {
		t.Fatal("Open succeeded against a silent gateway")
	}
	if ctx.Err() != nil {
		t.Fatalf("Open was not bounded by the open timeout: %v", err)
	}
	if strings.Contains(err.Error(), "secret-token-value") {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestTokenNeverAppearsInLogsOrErrors(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	// Wrong token: Discord answers 401 and the error must not echo ours.
	c, err := NewClient(ClientOptions{Token: "wrong-secret-token-value", APIURL: e.srv.URL() + "/api/v9", Logger: e.log})
	if err != nil {
		t.Fatal(err)
	}
	n, err := NewNotifier(c, NotifierOptions{Routes: []Route{{ChannelID: testChannel}}, Refs: newMemRefs(), Logger: e.log})
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.Notify(ctxT(t), sampleAlert())
	if err == nil || strings.Contains(err.Error(), "secret-token-value") {
		t.Fatalf("want a 401 error without the token, got %v", err)
	}
	opts := ClientOptions{Token: testToken}
	for _, s := range []string{Token(testToken).String(), strings.TrimSpace(strings.ReplaceAll(fmtAll(opts), "\n", ""))} {
		if strings.Contains(s, "secret-token-value") {
			t.Errorf("token printed: %s", s)
		}
	}
	e.log.Info("options", "client", opts)
	// env's cleanup checks the log buffer.
	var sawAuth bool
	for _, r := range e.srv.Requests() {
		sawAuth = sawAuth || r.Authorization == "Bot "+testToken || r.Authorization == "Bot wrong-secret-token-value"
	}
	if !sawAuth {
		t.Error("the token was not sent in the Authorization header at all")
	}
}

// fmtAll prints a value every way a careless log line might.
func fmtAll(v any) string {
	return fmt.Sprintf("%v %+v %#v %s", v, v, v, v)
}

package bot

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/tocsin-alerts/tocsin/bot/discordtest"
)

// httpBot starts a bot answering /status over an HTTP interactions
// endpoint, and returns the endpoint and the key that signs for Discord.
func httpBot(t *testing.T, e *env) (*httptest.Server, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	st := newFakeStore()
	h := NewHandler(HandlerOptions{Deps: Deps{Status: st, Rules: st}, Logger: e.log})
	b := NewBot(e.client(), h, BotOptions{AppID: e.srv.AppID(), SkipRegister: true, Logger: e.log})
	if err := b.Start(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Stop(context.Background()) })
	key, err := ParsePublicKey(hex.EncodeToString(pub))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(b.InteractionsHandler(key))
	t.Cleanup(ts.Close)
	return ts, priv
}

func TestHTTPInteractionsEndpoint(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	ts, priv := httpBot(t, e)

	post := func(body []byte, sign func(ts string, body []byte) string, stamp string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL, bytes.NewReader(body))
		req.Header.Set("X-Signature-Timestamp", stamp)
		req.Header.Set("X-Signature-Ed25519", sign(stamp, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	good := func(stamp string, body []byte) string {
		return hex.EncodeToString(ed25519.Sign(priv, append([]byte(stamp), body...)))
	}
	now := strconv.FormatInt(time.Now().Unix(), 10)
	ping := []byte(`{"id":"1","application_id":"` + e.srv.AppID() + `","type":1,"token":"t","version":1}`)

	if code, body := post(ping, good, now); code != 200 || strings.TrimSpace(body) != `{"type":1}` {
		t.Errorf("PING: %d %s, want 200 {\"type\":1}", code, body)
	}
	tampered := bytes.Replace(ping, []byte(`"type":1`), []byte(`"type":2`), 1)
	if code, _ := post(tampered, func(stamp string, _ []byte) string { return good(stamp, ping) }, now); code != http.StatusUnauthorized {
		t.Errorf("tampered body: %d, want 401", code)
	}
	if code, _ := post(ping, func(string, []byte) string { return strings.Repeat("00", 64) }, now); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d, want 401", code)
	}
	old := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	if code, _ := post(ping, good, old); code != http.StatusUnauthorized {
		t.Errorf("replayed old request: %d, want 401", code)
	}

	// A command over HTTP: deferred in the HTTP answer, then edited in
	// through the REST API, like over the gateway.
	id, code, err := e.srv.DeliverHTTP(ctxT(t), ts.URL, priv, discordtest.Spec{Type: discordtest.TypeCommand, GuildID: guildID, ChannelID: testChannel, Member: member, Command: "status"})
	if err != nil || code != 200 {
		t.Fatalf("DeliverHTTP: %d %v", code, err)
	}
	rec, err := e.srv.WaitInteraction(ctxT(t), id, func(r discordtest.Interaction) bool { return r.OriginalEdits > 0 })
	if err != nil {
		t.Fatalf("deferred answer never edited: %v", err)
	}
	if rec.Callbacks[0].Type != 5 || !strings.Contains(rec.Original.Content+string(rec.Original.Embeds), "Broken Feed") {
		t.Errorf("status over HTTP: callback %d, answer %s %s", rec.Callbacks[0].Type, rec.Original.Content, rec.Original.Embeds)
	}
	noRejections(t, e)
}

func TestMalformedInteractionGetsAnAnswerNotACrash(t *testing.T) {
	h := NewHandler(HandlerOptions{})
	for _, raw := range []string{
		`{"id":"1","type":2,"token":"t"}`,             // command without data
		`{"id":"1","type":3,"token":"t","data":null}`, // component without data
		`{"id":"1","type":4,"token":"t","data":{}}`,   // autocomplete without options
		`{"id":"1","type":99,"token":"t"}`,            // unknown type
	} {
		var i discordgo.Interaction
		if err := json.Unmarshal([]byte(raw), &i); err != nil {
			continue // discordgo refuses it before us: also fine
		}
		r := h.handle(context.Background(), &i)
		ok := r.resp != nil && r.resp.Data != nil &&
			(r.resp.Type == discordgo.InteractionApplicationCommandAutocompleteResult || r.resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0)
		if !ok {
			t.Errorf("%s: answer %+v", raw, r.resp)
		}
	}
}

// TestDeferredAnswersSurviveDiscordsLag: Discord takes a moment to process
// an HTTP endpoint's deferred answer, and an edit of @original that arrives
// first gets 10008 Unknown Message. 45 back-to-back commands must all get
// their answer (29 of 45 used to be lost: the edit gave up at once).
func TestDeferredAnswersSurviveDiscordsLag(t *testing.T) {
	e := newEnv(t, discordtest.Options{AnswerLag: 150 * time.Millisecond})
	ts, priv := httpBot(t, e)
	member := discordtest.Member{UserID: "600000000000000001", Username: "reader"}
	var ids []string
	for range 45 {
		id, code, err := e.srv.DeliverHTTP(ctxT(t), ts.URL, priv, discordtest.Spec{Type: discordtest.TypeCommand,
			GuildID: guildID, ChannelID: testChannel, Member: member, Command: "status"})
		if err != nil || code != 200 {
			t.Fatalf("DeliverHTTP: %d %v", code, err)
		}
		ids = append(ids, id)
	}
	lost := 0
	wctx := ctxT(t) // one failure guard for all of them
	for _, id := range ids {
		if _, err := e.srv.WaitInteraction(wctx, id, func(r discordtest.Interaction) bool { return r.OriginalEdits > 0 }); err != nil {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d deferred answers never reached their message", lost, len(ids))
	}
	noRejections(t, e)
}

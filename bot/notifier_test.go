package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/bot/discordtest"
	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
	"github.com/tocsin-alerts/tocsin/vocab"
)

func mustNotify(t *testing.T, n *Notifier, a alerts.Alert) {
	t.Helper()
	retry, err := n.Notify(ctxT(t), a)
	if err != nil {
		t.Fatalf("Notify(%s): retry=%v err=%v", a.ID, retry, err)
	}
}

func noRejections(t *testing.T, e *env) {
	t.Helper()
	for _, r := range e.srv.Rejections() {
		t.Errorf("Discord refused %s %s: %d %s", r.Method, r.Path, r.Status, r.Body)
	}
}

func embedOf(t *testing.T, m discordtest.Message) map[string]any {
	t.Helper()
	var embeds []map[string]any
	if err := json.Unmarshal(m.Embeds, &embeds); err != nil || len(embeds) != 1 {
		t.Fatalf("want one embed, got %s (%v)", m.Embeds, err)
	}
	return embeds[0]
}

func TestOpenedAlertIsOneMessageWithThread(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	n := e.notifier(newMemRefs())
	a := sampleAlert()
	mustNotify(t, n, a)
	// The outbox may hand the same alert again (a retry after a timeout).
	mustNotify(t, n, a)

	msgs := e.srv.Messages(testChannel)
	if len(msgs) != 1 {
		t.Fatalf("want exactly 1 message, got %d", len(msgs))
	}
	m := msgs[0]
	emb := embedOf(t, m)
	if title := emb["title"].(string); !strings.Contains(title, "Missile strike on port infrastructure — Odesa, Ukraine") {
		t.Errorf("title %q lacks what and where", title)
	}
	if got := emb["footer"].(map[string]any)["text"]; got != "tocsin · incident inc-odesa-1" {
		t.Errorf("footer = %q", got)
	}
	if !strings.Contains(m.Content, "<@&"+roleHigh+">") {
		t.Errorf("content %q does not mention the high-severity role", m.Content)
	}
	if len(m.Pings) != 1 || m.Pings[0] != "role:"+roleHigh {
		t.Errorf("pings = %v, want only the configured role", m.Pings)
	}
	if th, ok := e.srv.Thread(m.ID); !ok || th != m.ID {
		t.Errorf("no timeline thread under the message (thread %q, %v)", th, ok)
	}
	raw, _ := json.Marshal(emb)
	for _, want := range []string{"Example Wire", "https://news.example/odesa-port", "strike.missile", "missiles struck the port", "2 sources", "t:1772366400:R"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("embed lacks %q: %s", want, raw)
		}
	}
	noRejections(t, e)
}

func TestUpdateEditsInPlaceAndAddsTimelineLine(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	n := e.notifier(newMemRefs())
	a := sampleAlert()
	mustNotify(t, n, a)
	u := updated(a, "alert-2", alerts.Updated)
	mustNotify(t, n, u)
	mustNotify(t, n, u) // again: no second timeline line

	msgs := e.srv.Messages(testChannel)
	if len(msgs) != 1 {
		t.Fatalf("an update must edit, not post: %d messages", len(msgs))
	}
	if msgs[0].Edits != 1 {
		t.Errorf("edits = %d, want 1", msgs[0].Edits)
	}
	raw, _ := json.Marshal(embedOf(t, msgs[0]))
	if !strings.Contains(string(raw), "3 sources") || !strings.Contains(string(raw), "Example TV") {
		t.Errorf("edited embed lacks the new source: %s", raw)
	}
	lines := e.srv.Messages(msgs[0].ID)
	if len(lines) != 1 || !strings.Contains(lines[0].Content, "**Updated**") {
		t.Fatalf("want one timeline line in the thread, got %+v", lines)
	}
	if len(lines[0].Pings) != 0 {
		t.Errorf("timeline line pings %v", lines[0].Pings)
	}
	noRejections(t, e)
}

func TestEscalationEditsAndAnnounces(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	n := e.notifier(newMemRefs())
	a := sampleAlert()
	mustNotify(t, n, a)
	esc := updated(a, "alert-3", alerts.Escalated)
	mustNotify(t, n, esc)
	mustNotify(t, n, esc)

	msgs := e.srv.Messages(testChannel)
	if len(msgs) != 2 {
		t.Fatalf("want the incident message and one announcement, got %d", len(msgs))
	}
	inc, ann := msgs[0], msgs[1]
	if inc.Edits != 1 {
		t.Errorf("incident message edits = %d", inc.Edits)
	}
	if ann.ReferenceID != inc.ID {
		t.Errorf("announcement replies to %q, want %q", ann.ReferenceID, inc.ID)
	}
	if !strings.Contains(ann.Content, "Escalated high → critical") {
		t.Errorf("announcement = %q", ann.Content)
	}
	if len(ann.Pings) != 1 || ann.Pings[0] != "role:"+roleCrit {
		t.Errorf("announcement pings %v, want the critical role only", ann.Pings)
	}
	emb := embedOf(t, inc)
	if emb["color"].(float64) != float64(severityColour[esc.Incident.Severity]) {
		t.Errorf("colour not updated to critical: %v", emb["color"])
	}
	if lines := e.srv.Messages(inc.ID); len(lines) != 1 || !strings.Contains(lines[0].Content, "**Escalated** high → critical") {
		t.Errorf("timeline = %+v", lines)
	}
	res := updated(esc, "alert-4", alerts.Resolved)
	mustNotify(t, n, res)
	inc, _ = e.srv.Message(inc.ID)
	if !strings.Contains(embedOf(t, inc)["title"].(string), "Resolved") {
		t.Errorf("resolved incident title = %v", embedOf(t, inc)["title"])
	}
	noRejections(t, e)
}

func TestCrashAfterDiscordAcceptedDoesNotDoublePost(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	refs := newMemRefs()
	a := sampleAlert()

	// Process 1: Discord accepts the message, then the process dies before
	// the message id is recorded.
	refs.set("discord/post/", false)
	retry, err := e.notifier(refs).Notify(ctxT(t), a)
	if err == nil || !retry {
		t.Fatalf("crashed delivery should ask for a retry, got retry=%v err=%v", retry, err)
	}
	if n := len(e.srv.Messages(testChannel)); n != 1 {
		t.Fatalf("Discord should hold the one message: %d", n)
	}

	// Process 2: a new bot, the same refs, the outbox hands the alert again.
	refs.set("", false)
	mustNotify(t, e.notifier(refs), a)
	if n := len(e.srv.Messages(testChannel)); n != 1 {
		t.Fatalf("re-delivery after a crash posted twice: %d messages", n)
	}
	// And the adopted message is the incident's from now on.
	mustNotify(t, e.notifier(refs), updated(a, "alert-2", alerts.Updated))
	msgs := e.srv.Messages(testChannel)
	if len(msgs) != 1 || msgs[0].Edits != 1 {
		t.Fatalf("update after adoption: %d messages, %d edits", len(msgs), msgs[0].Edits)
	}
	noRejections(t, e)
}

// TestOpeningCutAnywhereIsFinishedNotTimelined: an opening whose attempt
// is cut is handed again by the outbox, maybe to another replica. Wherever
// the cut falls — a SIGKILL before any of the attempt's writes to the
// store, or the thread's creation failing beyond the retry budget as a
// send timeout cuts it — the retry must end where an uncut opening ends:
// one message, its thread, and after the next update one timeline line.
// A retry that found the message it had posted itself took the opening for
// an update and added an "Opened" line (seen in TestReplicasKilledAtRandom
// as 3 timeline lines for 2 updates).
func TestOpeningCutAnywhereIsFinishedNotTimelined(t *testing.T) {
	// How many writes an uncut opening makes: a kill may land before any.
	probe := &deliverytest.CutRefs{Refs: newMemRefs()}
	mustNotify(t, newEnv(t, discordtest.Options{}).notifier(probe), sampleAlert())
	if probe.Puts == 0 {
		t.Fatal("the opening recorded nothing")
	}
	type cut struct {
		name string
		arm  func(e *env, refs *deliverytest.CutRefs)
	}
	var cuts []cut
	for k := 1; k <= probe.Puts; k++ {
		cuts = append(cuts, cut{fmt.Sprintf("killed before write %d of %d", k, probe.Puts), func(_ *env, refs *deliverytest.CutRefs) {
			refs.CutAt = k
		}})
	}
	cuts = append(cuts, cut{"thread creation cut", func(e *env, _ *deliverytest.CutRefs) {
		e.srv.Inject(discordtest.Fault{Method: "POST", Path: "/channels/" + testChannel + "/messages/", Status: 503, Times: 100})
	}})
	for _, tc := range cuts {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, discordtest.Options{})
			refs := &deliverytest.CutRefs{Refs: newMemRefs()}
			a := sampleAlert()
			tc.arm(e, refs)
			if _, err := e.notifier(refs).Notify(ctxT(t), a); err == nil {
				t.Fatal("the cut attempt reported success")
			}
			refs.CutAt = 0
			e.srv.ClearFaults()
			// The retry, by a new notifier (another replica, or a restart).
			mustNotify(t, e.notifier(refs), a)
			mustNotify(t, e.notifier(refs), updated(a, "alert-2", alerts.Updated))

			msgs := e.srv.Messages(testChannel)
			if len(msgs) != 1 {
				t.Fatalf("want the incident's one message, got %d", len(msgs))
			}
			th, ok := e.srv.Thread(msgs[0].ID)
			if !ok {
				t.Fatal("the retried opening left no thread under the message")
			}
			var texts []string
			for _, l := range e.srv.Messages(th) {
				texts = append(texts, l.Content)
			}
			if len(texts) != 1 || !strings.Contains(texts[0], "**Updated**") {
				t.Fatalf("want one timeline line (the update), got %d: %q", len(texts), texts)
			}
		})
	}
}

func TestNonceDedupsWhenNothingWasRecorded(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	refs := newMemRefs()
	a := sampleAlert()
	// A store that lost every write: no pending marker, no message id.
	// Only Discord's nonce stands between us and a double post.
	refs.set("", true)
	mustNotify(t, e.notifier(refs), a)
	mustNotify(t, e.notifier(refs), a)
	if n := len(e.srv.Messages(testChannel)); n != 1 {
		t.Fatalf("the nonce did not dedup: %d messages", n)
	}
}

func TestRateLimitOnceThenSuccess(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	e.srv.Inject(discordtest.Fault{Method: "POST", Path: "/channels/" + testChannel + "/messages", Status: 429, RetryAfter: 20 * time.Millisecond})
	mustNotify(t, e.notifier(newMemRefs()), sampleAlert())
	if n := len(e.srv.Messages(testChannel)); n != 1 {
		t.Fatalf("messages = %d", n)
	}
	var posts []int
	for _, r := range e.srv.Requests() {
		if r.Method == "POST" && r.Path == "/channels/"+testChannel+"/messages" {
			posts = append(posts, r.Status)
		}
	}
	if len(posts) != 2 || posts[0] != 429 || posts[1] != 200 {
		t.Errorf("POST statuses = %v, want [429 200]", posts)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	for _, status := range []int{500, 502, 503} {
		e := newEnv(t, discordtest.Options{})
		e.srv.Inject(discordtest.Fault{Method: "POST", Path: "/channels/", Status: status, Times: 2})
		mustNotify(t, e.notifier(newMemRefs()), sampleAlert())
		if n := len(e.srv.Messages(testChannel)); n != 1 {
			t.Fatalf("%d: messages = %d", status, n)
		}
	}
}

func TestOutageBeyondBudgetAsksOutboxToRetry(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	e.srv.Inject(discordtest.Fault{Path: "/channels/", Status: 503, Times: 100})
	retry, err := e.notifier(newMemRefs()).Notify(ctxT(t), sampleAlert())
	if err == nil || !retry {
		t.Fatalf("want a retryable error, got retry=%v err=%v", retry, err)
	}
	if strings.Contains(err.Error(), "secret-token-value") {
		t.Errorf("error leaks the token: %v", err)
	}
	if !strings.Contains(err.Error(), "503") {
		t.Errorf("error does not say what failed: %v", err)
	}
}

func TestRateLimitLongerThanCapIsHandedBack(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	e.srv.Inject(discordtest.Fault{Method: "POST", Path: "/channels/", Status: 429, RetryAfter: time.Hour})
	n, err := NewNotifier(e.client(), NotifierOptions{Routes: []Route{{ChannelID: testChannel}}, Refs: newMemRefs(), MaxRetryWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	retry, err := n.Notify(ctxT(t), sampleAlert())
	if err == nil || !retry || !strings.Contains(err.Error(), "rate limited") {
		t.Fatalf("want retry after an hour-long limit, got retry=%v err=%v", retry, err)
	}
}

func TestBadPayloadIsFinal(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	// An unknown channel is a 404 that no retry will fix.
	n := e.notifier(newMemRefs(), Route{ChannelID: "123456789012345678"})
	retry, err := n.Notify(ctxT(t), sampleAlert())
	if err == nil || retry {
		t.Fatalf("want a final error, got retry=%v err=%v", retry, err)
	}
}

func TestRoutingPostsOnlyWhereWanted(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	n := e.notifier(newMemRefs(),
		Route{ChannelID: testChannel, Places: []string{"Ukraine"}},
		Route{ChannelID: otherChan, Categories: []vocab.Category{"territory_seized"}},
	)
	mustNotify(t, n, sampleAlert())
	if got := len(e.srv.Messages(testChannel)); got != 1 {
		t.Errorf("Ukraine channel got %d messages", got)
	}
	if got := len(e.srv.Messages(otherChan)); got != 0 {
		t.Errorf("coup channel got %d messages", got)
	}
}

func TestConcurrentAlertsOfOneIncidentMakeOneMessage(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	// Slow sends widen the window in which an update could race the open.
	e.srv.Inject(discordtest.Fault{Method: "POST", Path: "/channels/", Delay: 50 * time.Millisecond, Times: 3})
	n := e.notifier(newMemRefs())
	a := sampleAlert()
	errs := make(chan error, 3)
	for i, al := range []alerts.Alert{a, updated(a, "alert-2", alerts.Updated), updated(a, "alert-3", alerts.Updated)} {
		go func() {
			_, err := n.Notify(ctxT(t), al)
			if err != nil {
				err = fmt.Errorf("alert %d: %w", i, err)
			}
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := len(e.srv.Messages(testChannel)); got != 1 {
		t.Fatalf("concurrent alerts of one incident made %d messages", got)
	}
}

// TestLongBucketResetDoesNotBlock: after a 429 whose reset is far away,
// discordgo would sleep out the reset on the next request, ignoring ctx.
// The notifier must hand the alert back to the outbox instead.
func TestLongBucketResetDoesNotBlock(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	e.srv.Inject(discordtest.Fault{Method: "POST", Path: "/channels/", Status: 429, RetryAfter: time.Hour})
	c := e.client()
	n, err := NewNotifier(c, NotifierOptions{Routes: []Route{{ChannelID: testChannel}}, Refs: newMemRefs(), MaxRetryWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // the second attempt meets discordgo's hour-long bucket reset
		retry, err := n.Notify(ctxT(t), sampleAlert())
		if err == nil || !retry || !strings.Contains(err.Error(), "rate limited") {
			t.Fatalf("attempt %d: want a retryable rate-limit error, got retry=%v err=%v", i, retry, err)
		}
	}
}

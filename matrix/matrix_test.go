package matrix

import (
	"context"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
	"github.com/tocsin-alerts/tocsin/matrix/matrixconfig"
	"github.com/tocsin-alerts/tocsin/matrix/matrixtest"
	"github.com/tocsin-alerts/tocsin/notify"
	"github.com/tocsin-alerts/tocsin/rules"
)

const token = "syt_dG9jc2lu_test"

func rig(t *testing.T, routes []notify.Route) (*matrixtest.Server, *deliverytest.MemRefs, func() alerts.Notifier) {
	srv := matrixtest.New(token, "!alerts:example.org", "!other:example.org")
	t.Cleanup(srv.Close)
	refs := &deliverytest.MemRefs{}
	c := matrixconfig.Default()
	c.Homeserver, c.UserID, c.AccessToken = srv.URL, "@tocsin:example.org", token
	return srv, refs, func() alerts.Notifier {
		n, err := New(c, routes, refs, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

func readBack(srv *matrixtest.Server) deliverytest.ReadBack {
	return func(*testing.T) []deliverytest.Message {
		var out []deliverytest.Message
		for _, m := range srv.Messages() {
			out = append(out, deliverytest.Message{Text: m.Body, Pings: m.Pings})
		}
		return out
	}
}

// TestConformance runs the suite, and its fault cases, against the real
// mautrix client and the loopback homeserver.
func TestConformance(t *testing.T) {
	deliverytest.Run(t, func(t *testing.T) (alerts.Notifier, deliverytest.ReadBack) {
		srv, _, mk := rig(t, []notify.Route{{Channel: "!alerts:example.org"}})
		return mk(), readBack(srv)
	})
	deliverytest.RunFaults(t, func(t *testing.T) deliverytest.Platform {
		srv, _, mk := rig(t, []notify.Route{{Channel: "!alerts:example.org"}})
		return deliverytest.Platform{New: mk, Read: readBack(srv), Fail: srv.Fail}
	})
}

// TestEditsThreadsAndMentions: the card is replaced by m.replace edits, the
// timeline is an m.thread under it, the escalation replies in the main
// timeline and notifies the configured on-call user only.
func TestEditsThreadsAndMentions(t *testing.T) {
	srv, _, mk := rig(t, []notify.Route{{Channel: "!alerts:example.org",
		Mentions: map[rules.Severity][]string{rules.SevCritical: {"@oncall:example.org"}}}})
	n := mk()
	for _, a := range deliverytest.Lifecycle() {
		if _, err := n.Notify(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want the card and 3 timeline events: %+v", len(msgs), msgs)
	}
	card := msgs[0]
	if card.Edits != 3 || !strings.Contains(card.Body, "resolved") || len(card.Pings) != 0 || strings.HasPrefix(card.Body, "* ") {
		t.Errorf("card = %+v", card)
	}
	for i, m := range msgs[1:] {
		esc := strings.Contains(m.Body, "escalated")
		switch {
		case esc && (m.ReplyTo != card.EventID || len(m.Pings) != 1 || m.Pings[0] != "@oncall:example.org"):
			t.Errorf("escalation %d: %+v", i, m)
		case !esc && (m.Thread != card.EventID || len(m.Pings) != 0):
			t.Errorf("thread line %d: %+v", i, m)
		}
	}
}

// TestCrashAfterSendIsNotSentTwice: the send reached the homeserver but the
// refs were lost; the retry reuses the transaction id and Matrix answers
// with the same event.
func TestCrashAfterSendIsNotSentTwice(t *testing.T) {
	srv, refs, mk := rig(t, []notify.Route{{Channel: "!alerts:example.org"}})
	a := deliverytest.Lifecycle()[0]
	if _, err := mk().Notify(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	refs.Forget("posted:")
	refs.Forget("done:")
	refs.Forget("msg:")
	if _, err := mk().Notify(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages(); len(msgs) != 1 {
		t.Fatalf("%d messages after the crash, want 1", len(msgs))
	}
}

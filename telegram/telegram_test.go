package telegram

import (
	"context"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
	"github.com/tocsin-alerts/tocsin/notify"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/telegram/telegramconfig"
	"github.com/tocsin-alerts/tocsin/telegram/telegramtest"
)

const token = "123456:ABC-test_token"

func rig(t *testing.T, routes []notify.Route) (*telegramtest.Server, func() alerts.Notifier) {
	srv := telegramtest.New(token, "-1001", "-1002")
	t.Cleanup(srv.Close)
	refs := &deliverytest.MemRefs{}
	c := telegramconfig.Default()
	c.Token, c.APIURL = token, srv.URL
	return srv, func() alerts.Notifier {
		n, err := New(c, routes, refs, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

func readBack(srv *telegramtest.Server) deliverytest.ReadBack {
	return func(*testing.T) []deliverytest.Message {
		var out []deliverytest.Message
		for _, m := range srv.Messages() {
			out = append(out, deliverytest.Message{Text: m.Text, Pings: m.Mentioned})
		}
		return out
	}
}

// TestConformance runs the suite, and its fault cases, against the real
// go-telegram/bot client and the loopback Bot API.
func TestConformance(t *testing.T) {
	deliverytest.Run(t, func(t *testing.T) (alerts.Notifier, deliverytest.ReadBack) {
		srv, mk := rig(t, []notify.Route{{Channel: "-1001"}})
		return mk(), readBack(srv)
	})
	deliverytest.RunFaults(t, func(t *testing.T) deliverytest.Platform {
		srv, mk := rig(t, []notify.Route{{Channel: "-1001"}})
		return deliverytest.Platform{New: mk, Read: readBack(srv), Fail: srv.Fail}
	})
}

// TestLivingMessageAndReplies: the card is edited in place, the timeline
// is replies to it, silent but for the escalation, which mentions the
// configured on-call username; a chat routed to another place gets
// nothing.
func TestLivingMessageAndReplies(t *testing.T) {
	srv, mk := rig(t, []notify.Route{{Channel: "-1001", Mentions: map[rules.Severity][]string{rules.SevCritical: {"@oncall_desk"}}},
		{Channel: "-1002", Select: alerts.Selector{Places: []string{"Mali"}}}})
	n := mk()
	for _, a := range deliverytest.Lifecycle() {
		if _, err := n.Notify(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want the card and 3 replies: %+v", len(msgs), msgs)
	}
	if c := msgs[0]; c.Chat != "-1001" || c.Edits != 3 || !strings.Contains(c.Text, "resolved") || c.ReplyTo != 0 {
		t.Errorf("card = %+v", c)
	}
	for i, m := range msgs[1:] {
		esc := strings.Contains(m.Text, "escalated")
		if m.ReplyTo != msgs[0].ID || m.Silent == esc {
			t.Errorf("reply %d: %+v", i, m)
		}
		if esc && (len(m.Mentioned) != 1 || m.Mentioned[0] != "oncall_desk") {
			t.Errorf("escalation mentioned %v", m.Mentioned)
		}
	}
}

func TestRefusalsAreFinalAndHideTheToken(t *testing.T) {
	srv := telegramtest.New(token, "-1001")
	defer srv.Close()
	c := telegramconfig.Default()
	c.Token, c.APIURL = "999:wrong", srv.URL
	n, err := New(c, []notify.Route{{Channel: "-1001"}}, &deliverytest.MemRefs{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	retry, err := n.Notify(context.Background(), deliverytest.Lifecycle()[0])
	if err == nil || retry || strings.Contains(err.Error(), "999:wrong") {
		t.Errorf("wrong token: retry %v, %v; want a final error without the token", retry, err)
	}
}

package slack

import (
	"context"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
	"github.com/tocsin-alerts/tocsin/notify"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/slack/slackconfig"
	"github.com/tocsin-alerts/tocsin/slack/slacktest"
)

const token = "xoxb-test-0123456789"

func rig(t *testing.T, routes []notify.Route) (*slacktest.Server, *deliverytest.MemRefs, func() alerts.Notifier) {
	srv := slacktest.New(token, "C0ALERTS", "C0OTHER")
	t.Cleanup(srv.Close)
	refs := &deliverytest.MemRefs{}
	c := slackconfig.Default()
	c.Token, c.APIURL = token, srv.APIURL()
	return srv, refs, func() alerts.Notifier {
		n, err := New(c, routes, refs, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// TestConformance runs the notifier conformance suite, and its fault
// cases, against the real slack-go client and the loopback Slack.
func TestConformance(t *testing.T) {
	read := func(srv *slacktest.Server) deliverytest.ReadBack {
		return func(*testing.T) []deliverytest.Message {
			var out []deliverytest.Message
			for _, m := range srv.Messages() {
				out = append(out, deliverytest.Message{Text: m.Text, Pings: slacktest.Pings(m.Text)})
			}
			return out
		}
	}
	deliverytest.Run(t, func(t *testing.T) (alerts.Notifier, deliverytest.ReadBack) {
		srv, _, mk := rig(t, []notify.Route{{Channel: "C0ALERTS"}})
		return mk(), read(srv)
	})
	deliverytest.RunFaults(t, func(t *testing.T) deliverytest.Platform {
		srv, _, mk := rig(t, []notify.Route{{Channel: "C0ALERTS"}})
		return deliverytest.Platform{New: mk, Read: read(srv), Fail: srv.Fail}
	})
}

// TestLivingMessageAndThread: updates edit the channel message and add
// thread lines; the escalation's line is broadcast and notifies the user
// group configured for critical; a channel routed elsewhere gets nothing.
func TestLivingMessageAndThread(t *testing.T) {
	routes := []notify.Route{{Channel: "C0ALERTS", Mentions: map[rules.Severity][]string{rules.SevCritical: {"S0ONCALL"}}},
		{Channel: "C0OTHER", Select: alerts.Selector{Places: []string{"Mali"}}}}
	srv, _, mk := rig(t, routes)
	n := mk()
	for _, a := range deliverytest.Lifecycle() {
		if _, err := n.Notify(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want the card and 3 thread lines: %+v", len(msgs), msgs)
	}
	card := msgs[0]
	if card.Channel != "C0ALERTS" || card.ThreadTS != "" || card.Edits != 3 || !strings.Contains(card.Text, "resolved") || card.Markdown {
		t.Errorf("card = %+v", card)
	}
	for i, m := range msgs[1:] {
		if m.ThreadTS != card.TS {
			t.Errorf("line %d not in the card's thread: %+v", i, m)
		}
		if m.Broadcast != strings.Contains(m.Text, "escalated") {
			t.Errorf("line %d broadcast=%v: %q", i, m.Broadcast, m.Text)
		}
	}
	if p := slacktest.Pings(msgs[2].Text); len(p) != 1 || p[0] != "!subteam^S0ONCALL" {
		t.Errorf("escalation pinged %v, want the on-call group", p)
	}
}

// TestCrashAfterPostIsNotPostedTwice: the post reached Slack but the
// process died before recording it; the next attempt finds the message by
// its metadata in the channel history and adopts it.
func TestCrashAfterPostIsNotPostedTwice(t *testing.T) {
	srv, refs, mk := rig(t, []notify.Route{{Channel: "C0ALERTS"}})
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
		t.Fatalf("%d messages after the crash; want the one posted before it", len(msgs))
	}
	// The adopted message is the living one: the update edits it.
	if _, err := mk().Notify(context.Background(), deliverytest.Lifecycle()[1]); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages(); len(msgs) != 2 || msgs[0].Edits != 1 {
		t.Errorf("after the update: %+v", msgs)
	}
}

func TestWrongTokenIsFinal(t *testing.T) {
	srv := slacktest.New(token, "C0ALERTS")
	defer srv.Close()
	c := slackconfig.Default()
	c.Token, c.APIURL = "xoxb-wrong", srv.APIURL()
	n, err := New(c, []notify.Route{{Channel: "C0ALERTS"}}, &deliverytest.MemRefs{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	retry, err := n.Notify(context.Background(), deliverytest.Lifecycle()[0])
	if err == nil || retry || !strings.Contains(err.Error(), "invalid_auth") || strings.Contains(err.Error(), "xoxb-wrong") {
		t.Errorf("Notify with a wrong token = %v, %v; want a final invalid_auth that does not show the token", retry, err)
	}
}

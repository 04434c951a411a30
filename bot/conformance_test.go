package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/bot/discordtest"
	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
	"github.com/tocsin-alerts/tocsin/rules"
)

// TestConformance runs the notifier conformance suite against the real
// discordgo client and the loopback Discord: one channel routed at every
// severity, no roles (so any ping is report text getting through).
func TestConformance(t *testing.T) {
	deliverytest.Run(t, func(t *testing.T) (alerts.Notifier, deliverytest.ReadBack) {
		e := newEnv(t, discordtest.Options{})
		n := e.notifier(newMemRefs(), Route{ChannelID: testChannel, MinSeverity: rules.SevLow})
		return n, func(t *testing.T) []deliverytest.Message { return channelView(t, e.srv, testChannel) }
	})
}

// channelView is what members see in a channel and the threads under its
// messages: each message's content and embeds in their latest version,
// with whom each one pinged.
func channelView(t *testing.T, srv *discordtest.Server, channelID string) []deliverytest.Message {
	t.Helper()
	var out []deliverytest.Message
	for _, m := range srv.Messages(channelID) {
		out = append(out, viewOf(t, m))
		if th, ok := srv.Thread(m.ID); ok {
			for _, line := range srv.Messages(th) {
				out = append(out, viewOf(t, line))
			}
		}
	}
	return out
}

func viewOf(t *testing.T, m discordtest.Message) deliverytest.Message {
	t.Helper()
	parts := []string{m.Content}
	var embeds []struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Fields      []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"fields"`
		Footer *struct {
			Text string `json:"text"`
		} `json:"footer"`
	}
	if len(m.Embeds) > 0 {
		if err := json.Unmarshal(m.Embeds, &embeds); err != nil {
			t.Fatalf("message %s embeds: %v", m.ID, err)
		}
	}
	for _, e := range embeds {
		parts = append(parts, e.Title, e.Description)
		for _, f := range e.Fields {
			parts = append(parts, f.Name, f.Value)
		}
		if e.Footer != nil {
			parts = append(parts, e.Footer.Text)
		}
	}
	return deliverytest.Message{Text: strings.Join(parts, "\n"), Pings: m.Pings}
}

// TestQuietUpdateRefreshesTheLivingMessage: a second source within the
// repeat interval arrives as a quiet update. The message must show it (it
// used to keep saying "1 source" for good) while the thread gets no line
// and nobody is pinged.
func TestQuietUpdateRefreshesTheLivingMessage(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	n := e.notifier(newMemRefs())
	a := sampleAlert()
	mustNotify(t, n, a)
	q := updated(a, "alert-2", alerts.Updated)
	q.Quiet = true
	mustNotify(t, n, q)
	msgs := e.srv.Messages(testChannel)
	if len(msgs) != 1 || msgs[0].Edits != 1 {
		t.Fatalf("quiet update: %d messages, %d edits; want the one message edited once", len(msgs), msgs[0].Edits)
	}
	raw, _ := json.Marshal(embedOf(t, msgs[0]))
	if !strings.Contains(string(raw), "3 sources") || !strings.Contains(string(raw), "Example TV") {
		t.Errorf("the living message does not show the new source: %s", raw)
	}
	if lines := e.srv.Messages(msgs[0].ID); len(lines) != 0 {
		t.Errorf("a quiet update posted %d thread lines; want none", len(lines))
	}
	// A summary that follows edits the message too, and posts nothing.
	s := q
	s.ID, s.Kind, s.Incident.Summary = "alert-3", alerts.Summarized, "A model's summary of the strikes on the port."
	mustNotify(t, n, s)
	m, _ := e.srv.Message(msgs[0].ID)
	if !strings.Contains(string(m.Embeds), "A model's summary") || m.Edits != 2 {
		t.Errorf("after the summary: edits %d, embeds %s", m.Edits, m.Embeds)
	}
	if lines := e.srv.Messages(msgs[0].ID); len(lines) != 0 || len(e.srv.Messages(testChannel)) != 1 {
		t.Errorf("a summary posted something")
	}
	noRejections(t, e)
}

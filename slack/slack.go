// Package slack is tocsin's Slack notifier, on github.com/slack-go/slack:
// one living message per incident and channel (chat.postMessage, kept
// current with chat.update), a thread under it for the timeline
// (thread_ts; an escalation's line is broadcast to the channel too), and
// mentions made safe: report text is sent with Slack's escaping (&, <, >),
// so it can never form <!everyone>, <!here>, <@U…> or a link, and
// markdown is off; only the user groups configured per severity are
// notified. Each message carries its idempotency key in Slack message
// metadata, so a message a crash left unrecorded is found again in the
// channel's history instead of posted twice. slacktest is a loopback Slack
// Web API for tests.
package slack

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/tocsin-alerts/tocsin/notify"
	"github.com/tocsin-alerts/tocsin/slack/slackconfig"
)

// Name keys the Slack notifier's outbox rows and refs.
const Name = "slack"

// Config is the `slack:` section (package slackconfig).
type Config = slackconfig.Config

// New builds the notifier.
func New(c Config, routes []notify.Route, refs notify.Refs, hc *http.Client, logger *slog.Logger) (*notify.Living, error) {
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	api := slackapi.New(c.Token.Reveal(), slackapi.OptionAPIURL(strings.TrimSuffix(c.APIURL, "/")+"/"), slackapi.OptionHTTPClient(hc))
	return notify.NewLiving(notify.LivingOptions{Name: Name, Platform: &platform{api: api}, Routes: routes, Refs: refs,
		Limiter: notify.LimiterOf(c.Retry), Logger: logger})
}

// platform drives the Slack Web API.
type platform struct{ api *slackapi.Client }

var (
	_ notify.Platform = (*platform)(nil)
	_ notify.Finder   = (*platform)(nil)
)

// metadataType marks tocsin's messages; the payload carries the key.
const metadataType = "tocsin_alert"

func (p *platform) Send(ctx context.Context, ch string, part notify.Part, key string) (string, error) {
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(render(part), false), slackapi.MsgOptionDisableMarkdown(),
		slackapi.MsgOptionDisableLinkUnfurl(), slackapi.MsgOptionDisableMediaUnfurl(),
		slackapi.MsgOptionMetadata(slackapi.SlackMetadata{EventType: metadataType, EventPayload: map[string]any{"key": key}})}
	if part.Kind == notify.PartLine {
		opts = append(opts, slackapi.MsgOptionTS(part.Parent))
		if part.Broadcast {
			opts = append(opts, slackapi.MsgOptionBroadcast())
		}
	}
	_, ts, err := p.api.PostMessageContext(ctx, ch, opts...)
	if err != nil {
		return "", classify(err)
	}
	return ts, nil
}

func (p *platform) Edit(ctx context.Context, ch, ts string, part notify.Part) error {
	_, _, _, err := p.api.UpdateMessageContext(ctx, ch, ts, slackapi.MsgOptionText(render(part), false),
		slackapi.MsgOptionDisableMarkdown())
	if err != nil {
		if err.Error() == "message_not_found" {
			return notify.Gone
		}
		return classify(err)
	}
	return nil
}

// Find looks through the channel's and its threads' recent messages for
// one carrying key in its metadata.
func (p *platform) Find(ctx context.Context, ch, key string) (string, bool, error) {
	h, err := p.api.GetConversationHistoryContext(ctx, &slackapi.GetConversationHistoryParameters{ChannelID: ch,
		Limit: 200, IncludeAllMetadata: true})
	if err != nil {
		return "", false, classify(err)
	}
	for _, m := range h.Messages {
		if m.Metadata.EventType == metadataType && m.Metadata.EventPayload["key"] == key {
			return m.Timestamp, true, nil
		}
	}
	return "", false, nil
}

// classify maps slack-go's errors onto notify's: a 429 is a rate limit, a
// 5xx and Slack's own transient errors are temporary, the rest final.
func classify(err error) error {
	var rl *slackapi.RateLimitedError
	var sc slackapi.StatusCodeError
	switch {
	case errors.As(err, &rl):
		return &notify.RateLimited{After: rl.RetryAfter, Err: err}
	case errors.As(err, &sc) && sc.Code >= 500:
		return &notify.Temporary{Err: err}
	case err.Error() == "ratelimited":
		return &notify.RateLimited{After: time.Second, Err: err}
	case err.Error() == "internal_error" || err.Error() == "fatal_error" || err.Error() == "service_unavailable":
		return &notify.Temporary{Err: err}
	}
	return err
}

// escape is Slack's escaping of message text: &, < and > are the only
// characters that form control sequences (<!everyone>, <@U…>, <url|text>).
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// render writes a part as Slack text.
func render(p notify.Part) string {
	var b strings.Builder
	if p.Kind == notify.PartLine {
		b.WriteString(notify.SeverityMark(p.Alert.Incident.Severity) + " " + escape(notify.LineOf(p.Alert)))
		mentions(&b, p.Mentions)
		return b.String()
	}
	c := notify.CardOf(p.Alert)
	b.WriteString(escape(c.Head) + "\n" + escape(c.Title) + "\n📍 " + escape(c.Place) + "\n\n" + escape(c.Summary) + "\n")
	for _, f := range c.Facts {
		b.WriteString("\n" + f.Name + ": " + escape(f.Value))
	}
	for _, s := range c.Sources {
		b.WriteString("\n• " + escape(s.Name))
		if s.URL != "" {
			b.WriteString(" " + escape(s.URL))
		}
	}
	b.WriteString("\n" + escape(c.Footer))
	mentions(&b, p.Mentions)
	return b.String()
}

// mentions notifies the configured user groups (S…) or users (U…).
func mentions(b *strings.Builder, ids []string) {
	for _, id := range ids {
		if strings.HasPrefix(id, "S") {
			b.WriteString(" <!subteam^" + id + ">")
		} else {
			b.WriteString(" <@" + id + ">")
		}
	}
}

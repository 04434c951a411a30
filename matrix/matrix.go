// Package matrix is tocsin's Matrix notifier, on maunium.net/go/mautrix:
// one living message per incident and room (an m.notice, kept current with
// m.replace edits), the timeline as an m.thread under it (an escalation is
// posted in the room's main timeline, replying to the card), and mentions
// made safe with intentional mentions: every event carries m.mentions,
// empty unless the users configured per severity are to be notified, so
// "@room" or a user id in report text never notifies anyone (and the
// HTML is escaped). Each send uses a transaction id derived from the alert,
// so Matrix itself drops a send repeated after a crash. matrixtest is a
// loopback homeserver.
package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/tocsin-alerts/tocsin/matrix/matrixconfig"
	"github.com/tocsin-alerts/tocsin/notify"
)

// Name keys the Matrix notifier's outbox rows and refs.
const Name = "matrix"

// Config is the `matrix:` section (package matrixconfig).
type Config = matrixconfig.Config

// New builds the notifier. mautrix's own retries are off: rate limits are
// waited out by notify.Limiter within the budget, and anything longer goes
// back to the outbox.
func New(c Config, routes []notify.Route, refs notify.Refs, hc *http.Client, logger *slog.Logger) (*notify.Living, error) {
	cli, err := mautrix.NewClient(c.Homeserver, id.UserID(c.UserID), c.AccessToken.Reveal())
	if err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	cli.Client, cli.DefaultHTTPRetries, cli.IgnoreRateLimit = hc, 0, true
	return notify.NewLiving(notify.LivingOptions{Name: Name, Platform: &platform{cli: cli}, Routes: routes, Refs: refs,
		Limiter: notify.LimiterOf(c.Retry), Logger: logger})
}

type platform struct{ cli *mautrix.Client }

var _ notify.Platform = (*platform)(nil)

// maxEvent keeps an event under Matrix's 65,536-byte limit with room for
// the envelope.
const maxEvent = 60000

func (p *platform) Send(ctx context.Context, room string, part notify.Part, key string) (string, error) {
	content := render(part)
	if part.Kind == notify.PartLine {
		parent := id.EventID(part.Parent)
		if part.Broadcast {
			content.RelatesTo = (&event.RelatesTo{}).SetReplyTo(parent)
		} else {
			content.RelatesTo = (&event.RelatesTo{}).SetThread(parent, parent)
		}
	}
	resp, err := p.cli.SendMessageEvent(ctx, id.RoomID(room), event.EventMessage, content, mautrix.ReqSendEvent{TransactionID: key})
	if err != nil {
		return "", classify(err)
	}
	return string(resp.EventID), nil
}

func (p *platform) Edit(ctx context.Context, room, ref string, part notify.Part) error {
	content := render(part)
	content.SetEdit(id.EventID(ref))
	// An edit notifies no one: the outer m.mentions is empty (SetEdit).
	_, err := p.cli.SendMessageEvent(ctx, id.RoomID(room), event.EventMessage, content)
	if err != nil {
		return classify(err)
	}
	return nil
}

// classify maps mautrix's errors: 429 / M_LIMIT_EXCEEDED is a rate limit
// (Retry-After or retry_after_ms), a 5xx or no answer temporary, the rest
// (M_FORBIDDEN: not in the room, M_UNKNOWN_TOKEN...) final.
func classify(err error) error {
	var he mautrix.HTTPError
	if !errors.As(err, &he) {
		var hp *mautrix.HTTPError
		if !errors.As(err, &hp) {
			return &notify.Temporary{Err: err}
		}
		he = *hp
	}
	if he.Response == nil {
		return &notify.Temporary{Err: err}
	}
	switch code := he.Response.StatusCode; {
	case code == http.StatusTooManyRequests:
		after := time.Second
		if s, err := strconv.Atoi(he.Response.Header.Get("Retry-After")); err == nil {
			after = time.Duration(s) * time.Second
		} else if he.RespError != nil {
			if ms, ok := he.RespError.ExtraData["retry_after_ms"].(float64); ok {
				after = time.Duration(ms) * time.Millisecond
			}
		}
		return &notify.RateLimited{After: after, Err: err}
	case code >= 500:
		return &notify.Temporary{Err: err}
	}
	return err
}

// render writes a part as an m.notice with plain and HTML bodies and
// explicit m.mentions.
func render(p notify.Part) *event.MessageEventContent {
	c := notify.CardOf(p.Alert)
	content := build(p, c)
	if b, _ := json.Marshal(content); len(b) > maxEvent/2 { // an edit carries it twice
		content = build(p, c.Shorter())
	}
	return content
}

func build(p notify.Part, c notify.Card) *event.MessageEventContent {
	var plain, rich strings.Builder
	if p.Kind == notify.PartLine {
		line := notify.SeverityMark(p.Alert.Incident.Severity) + " " + notify.LineOf(p.Alert)
		plain.WriteString(line)
		rich.WriteString(html.EscapeString(line))
	} else {
		plain.WriteString(c.Head + "\n" + c.Title + "\n📍 " + c.Place + "\n\n" + c.Summary + "\n")
		rich.WriteString("<p><strong>" + html.EscapeString(c.Head) + "</strong><br/><strong>" + html.EscapeString(c.Title) +
			"</strong><br/>📍 " + html.EscapeString(c.Place) + "</p><p>" + html.EscapeString(c.Summary) + "</p><ul>")
		for _, f := range c.Facts {
			plain.WriteString("\n" + f.Name + ": " + f.Value)
			rich.WriteString("<li><em>" + f.Name + ":</em> " + html.EscapeString(f.Value) + "</li>")
		}
		rich.WriteString("</ul><ul>")
		for _, s := range c.Sources {
			plain.WriteString("\n• " + s.Name + " " + s.URL)
			if s.URL != "" {
				rich.WriteString("<li><a href=\"" + html.EscapeString(s.URL) + "\">" + html.EscapeString(s.Name) + "</a></li>")
			} else {
				rich.WriteString("<li>" + html.EscapeString(s.Name) + "</li>")
			}
		}
		plain.WriteString("\n" + c.Footer)
		rich.WriteString("</ul><p><code>" + html.EscapeString(c.Footer) + "</code></p>")
	}
	m := &event.Mentions{}
	for _, u := range p.Mentions {
		m.UserIDs = append(m.UserIDs, id.UserID(u))
		plain.WriteString(" " + u)
		rich.WriteString(" <a href=\"https://matrix.to/#/" + html.EscapeString(u) + "\">" + html.EscapeString(u) + "</a>")
	}
	return &event.MessageEventContent{MsgType: event.MsgNotice, Body: plain.String(), Format: event.FormatHTML,
		FormattedBody: rich.String(), Mentions: m}
}

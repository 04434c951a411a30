// Package telegram is tocsin's Telegram notifier, on
// github.com/go-telegram/bot (a maintained, dependency-free client of the
// Bot API with context on every call, a configurable server URL and typed
// rate-limit errors; the go-telegram-bot-api module is not an approved
// release here). One living message per incident and chat (sendMessage,
// kept current with editMessageText; edits notify no one), the timeline as
// replies to it (silent, except an escalation's), and mentions made safe:
// report text is HTML-escaped and every "@" is followed by a zero-width
// space, so it never forms a @username mention; only the usernames
// configured per severity are mentioned. telegramtest is a loopback Bot API.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/tocsin-alerts/tocsin/notify"
	"github.com/tocsin-alerts/tocsin/telegram/telegramconfig"
)

// Name keys the Telegram notifier's outbox rows and refs.
const Name = "telegram"

// Config is the `telegram:` section (package telegramconfig).
type Config = telegramconfig.Config

// New builds the notifier. It makes no request (no getMe at start).
func New(c Config, routes []notify.Route, refs notify.Refs, hc *http.Client, logger *slog.Logger) (*notify.Living, error) {
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	b, err := tgbot.New(c.Token.Reveal(), tgbot.WithServerURL(strings.TrimSuffix(c.APIURL, "/")), tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(0, hc))
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err) // go-telegram/bot never puts the token in it
	}
	return notify.NewLiving(notify.LivingOptions{Name: Name, Platform: &platform{b: b}, Routes: routes, Refs: refs,
		Limiter: notify.LimiterOf(c.Retry), Logger: logger})
}

type platform struct{ b *tgbot.Bot }

var _ notify.Platform = (*platform)(nil)

func (p *platform) Send(ctx context.Context, chat string, part notify.Part, _ string) (string, error) {
	params := &tgbot.SendMessageParams{ChatID: chat, Text: render(part), ParseMode: models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
	if part.Kind == notify.PartLine {
		id, err := strconv.Atoi(part.Parent)
		if err != nil {
			return "", fmt.Errorf("telegram: bad message ref %q", part.Parent)
		}
		params.ReplyParameters = &models.ReplyParameters{MessageID: id, AllowSendingWithoutReply: true}
		params.DisableNotification = !part.Broadcast
	}
	m, err := p.b.SendMessage(ctx, params)
	if err != nil {
		return "", classify(err)
	}
	return strconv.Itoa(m.ID), nil
}

func (p *platform) Edit(ctx context.Context, chat, ref string, part notify.Part) error {
	id, err := strconv.Atoi(ref)
	if err != nil {
		return fmt.Errorf("telegram: bad message ref %q", ref)
	}
	_, err = p.b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: id, Text: render(part),
		ParseMode: models.ParseModeHTML, LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}})
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "message is not modified"):
		return nil // a retried edit: the message already says it
	case strings.Contains(err.Error(), "message to edit not found"):
		return notify.Gone
	}
	return classify(err)
}

// classify maps go-telegram/bot's errors: 429 with retry_after is a rate
// limit; a refusal (400, 401, 403, 404, 409) is final; anything else (a
// 5xx, an unreadable answer, the network) is temporary.
func classify(err error) error {
	var tm *tgbot.TooManyRequestsError
	switch {
	case errors.As(err, &tm):
		return &notify.RateLimited{After: time.Duration(max(tm.RetryAfter, 1)) * time.Second, Err: err}
	case errors.Is(err, tgbot.ErrorBadRequest), errors.Is(err, tgbot.ErrorUnauthorized), errors.Is(err, tgbot.ErrorForbidden),
		errors.Is(err, tgbot.ErrorNotFound), errors.Is(err, tgbot.ErrorConflict):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return &notify.Temporary{Err: err}
}

// zwsp after "@" stops Telegram from reading a @username mention.
const zwsp = "\u200b"

// escape makes untrusted text safe in a parse_mode=HTML message.
func escape(s string) string {
	return strings.ReplaceAll(html.EscapeString(s), "@", "@"+zwsp)
}

// maxText is Telegram's message limit, in characters after parsing.
const maxText = 4096

func render(p notify.Part) string {
	var b strings.Builder
	if p.Kind == notify.PartLine {
		b.WriteString(notify.SeverityMark(p.Alert.Incident.Severity) + " " + escape(notify.LineOf(p.Alert)))
		mentions(&b, p.Mentions)
		return b.String()
	}
	c := notify.CardOf(p.Alert)
	if out := card(c, p.Mentions); visible(out) <= maxText {
		return out
	}
	return card(c.Shorter(), p.Mentions)
}

// card writes a card as Telegram HTML.
func card(c notify.Card, ms []string) string {
	var b strings.Builder
	b.WriteString("<b>" + escape(c.Head) + "</b>\n<b>" + escape(c.Title) + "</b>\n📍 " + escape(c.Place) + "\n\n" + escape(c.Summary) + "\n")
	for _, f := range c.Facts {
		b.WriteString("\n<i>" + f.Name + ":</i> " + escape(f.Value))
	}
	for _, s := range c.Sources {
		if s.URL != "" {
			b.WriteString("\n• <a href=\"" + html.EscapeString(s.URL) + "\">" + escape(s.Name) + "</a>")
		} else {
			b.WriteString("\n• " + escape(s.Name))
		}
	}
	b.WriteString("\n<code>" + escape(c.Footer) + "</code>")
	mentions(&b, ms)
	return b.String()
}

// visible counts the characters Telegram counts: the text without tags,
// entities decoded.
func visible(s string) int {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return utf8.RuneCountInString(html.UnescapeString(b.String()))
}

// mentions adds the configured usernames ("@oncall"): the only mentions.
func mentions(b *strings.Builder, names []string) {
	for _, n := range names {
		b.WriteString(" " + html.EscapeString("@"+strings.TrimPrefix(n, "@")))
	}
}

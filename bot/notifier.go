package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/notify"
)

// AckLister lists who acknowledged an incident, so an edit keeps showing it.
type AckLister interface {
	Acks(ctx context.Context, incidentID string) ([]Ack, error)
}

// NotifierOptions configure the Discord notifier.
type NotifierOptions struct {
	// Routes are the configured channel routes.
	Routes []Route
	// Subscriptions adds the routes made with /subscribe; optional.
	Subscriptions RouteSource
	// Refs persists message ids; required.
	Refs Refs
	// Acks shows acknowledgements on edited messages; optional.
	Acks AckLister
	// RetryBudget is the number of attempts per request; default 4.
	RetryBudget int
	// MaxRetryWait caps one rate-limit wait; longer limits end the attempt
	// with retry=true. Default 30s.
	MaxRetryWait time.Duration
	Logger       *slog.Logger
}

// Notifier delivers incident alerts to Discord channels: one living message
// per incident and channel. See the package doc for how it stays exactly
// once.
type Notifier struct {
	c    *Client
	opts NotifierOptions
	log  *slog.Logger
	// stripes serialise deliveries per incident, as every living-message
	// notifier's do (notify.Stripes).
	stripes notify.Stripes
}

var _ alerts.Notifier = (*Notifier)(nil)

// NewNotifier builds the notifier on a Client.
func NewNotifier(c *Client, opts NotifierOptions) (*Notifier, error) {
	if c == nil {
		return nil, errors.New("discord notifier: no client")
	}
	if opts.Refs == nil {
		return nil, errors.New("discord notifier: Refs is required to deliver exactly once")
	}
	if opts.RetryBudget > 0 {
		c.rest.budget = opts.RetryBudget
	}
	if opts.MaxRetryWait > 0 {
		c.rest.maxWait = opts.MaxRetryWait
	}
	log := opts.Logger
	if log == nil {
		log = c.log
	}
	return &Notifier{c: c, opts: opts, log: log.With("component", "discord_notifier")}, nil
}

// Name implements alerts.Notifier.
func (n *Notifier) Name() string { return "discord" }

// Notify implements alerts.Notifier. It is safe to call again with the
// same alert: what was already done is skipped.
func (n *Notifier) Notify(ctx context.Context, a alerts.Alert) (bool, error) {
	if a.ID == "" || a.Incident.ID == "" {
		return false, errors.New("discord: alert without id or incident id")
	}
	unlock, err := n.stripes.Lock(ctx, a.Incident.ID)
	if err != nil {
		return true, fmt.Errorf("discord: alert %s: waiting for the incident's earlier alert: %w", a.ID, err)
	}
	defer unlock()
	routes := append([]Route(nil), n.opts.Routes...)
	if n.opts.Subscriptions != nil {
		more, err := n.opts.Subscriptions.Routes(ctx)
		if err != nil {
			return true, fmt.Errorf("discord: alert %s: load subscriptions: %w", a.ID, err)
		}
		routes = append(routes, more...)
	}
	var errs []error
	retry := false
	for _, p := range plan(routes, a.Incident, a.Incident.Severity) {
		err := n.deliver(ctx, a, p)
		if err == nil {
			continue
		}
		errs = append(errs, fmt.Errorf("channel %s: %w", p.channelID, err))
		if retryable(err) {
			retry = true
			continue
		}
		// A final failure (Discord refuses this payload or channel) must
		// not make the other channels' retries post twice, nor be retried
		// itself: record it as done.
		n.log.Error("discord refused an alert", "alert_id", a.ID, "channel_id", p.channelID, "err", err.Error())
		if perr := n.opts.Refs.PutRef(ctx, keyDone(p.channelID, a.ID), "failed"); perr != nil {
			retry = true
		}
	}
	if len(errs) > 0 {
		return retry, fmt.Errorf("discord: alert %s: %w", a.ID, errors.Join(errs...))
	}
	return false, nil
}

// deliver does one alert's work in one channel.
func (n *Notifier) deliver(ctx context.Context, a alerts.Alert, p channelPlan) error {
	refs := n.opts.Refs
	ch, inc := p.channelID, a.Incident
	if _, done, err := refs.GetRef(ctx, keyDone(ch, a.ID)); err != nil {
		return fmt.Errorf("read ref: %w", err)
	} else if done {
		return nil
	}
	msgID, has, err := refs.GetRef(ctx, keyMessage(ch, inc.ID))
	if err != nil {
		return fmt.Errorf("read ref: %w", err)
	}
	msg := incidentMessage(a, p.roles, n.acks(ctx, inc.ID))
	if has {
		// This alert may have posted the message itself in an attempt cut
		// before it was recorded done (a SIGKILL, the send timeout, a lease
		// handed to another replica): finish that opening. Taken for an
		// update of the message, it added a timeline line no event stood
		// for.
		if own, ok, err := refs.GetRef(ctx, keyPosted(ch, a.ID, "open")); err != nil {
			return fmt.Errorf("read ref: %w", err)
		} else if ok && own == msgID {
			n.log.Info("resuming an opening cut after its message was posted", "alert_id", a.ID, "incident_id", inc.ID, "channel_id", ch, "message_id", msgID)
			return n.finishOpening(ctx, a, ch, msgID)
		}
		err := n.c.rest.json(ctx, "PATCH", discordgo.EndpointChannelMessage(ch, msgID), discordgo.EndpointChannelMessage(ch, ""), msg, nil)
		switch {
		case hasCode(err, codeUnknownMessage):
			// A moderator deleted it: start over with a new message.
			n.log.Warn("incident message gone, posting anew", "incident_id", inc.ID, "channel_id", ch, "message_id", msgID)
			has = false
		case err != nil:
			return err
		}
	}
	if !has {
		// A quiet event only edits what was posted; a resolution of an
		// incident this channel never showed is nobody's news here.
		if !p.matches || a.Kind == alerts.Resolved || a.Quiet {
			return refs.PutRef(ctx, keyDone(ch, a.ID), "skipped")
		}
		id, err := n.postOnce(ctx, ch, a.ID, "open", msg, matchFooter(footerText(inc.ID)))
		if err != nil {
			return err
		}
		if err := refs.PutRef(ctx, keyMessage(ch, inc.ID), id); err != nil {
			return fmt.Errorf("write ref: %w", err)
		}
		return n.finishOpening(ctx, a, ch, id)
	}
	if a.Quiet {
		// The edit above brought the living message up to date; an edit
		// notifies no one, so nothing else is posted (the repeat interval
		// throttles thread lines, never the message).
		n.log.Info("incident message refreshed", "alert_id", a.ID, "kind", string(a.Kind), "incident_id", inc.ID, "channel_id", ch, "message_id", msgID)
		return refs.PutRef(ctx, keyDone(ch, a.ID), "ok")
	}
	return n.addToTimeline(ctx, a, p, msgID)
}

// addToTimeline posts what an update adds to the edited message: its line
// in the thread and, for an escalation, the announcement in the channel.
func (n *Notifier) addToTimeline(ctx context.Context, a alerts.Alert, p channelPlan, msgID string) error {
	ch, inc := p.channelID, a.Incident
	thread, err := n.ensureThread(ctx, ch, inc, msgID)
	if err != nil {
		return err
	}
	line := timelineLine(a)
	if _, err := n.postOnce(ctx, thread, a.ID, "line", line, matchContent(line.Content)); err != nil {
		return err
	}
	if a.Kind == alerts.Escalated {
		ann := escalationAnnouncement(a, p.roles, ch, msgID)
		if _, err := n.postOnce(ctx, ch, a.ID, "announce", ann, matchContent(ann.Content)); err != nil {
			return err
		}
	}
	n.log.Info("incident updated", "alert_id", a.ID, "kind", string(a.Kind), "incident_id", inc.ID, "channel_id", ch, "message_id", msgID)
	return n.opts.Refs.PutRef(ctx, keyDone(ch, a.ID), "ok")
}

// finishOpening is what follows the incident's message, posted by this
// alert: the timeline thread under it, then the alert recorded done. A
// retried opening resumes here, so it never posts a line.
func (n *Notifier) finishOpening(ctx context.Context, a alerts.Alert, ch, msgID string) error {
	if _, err := n.ensureThread(ctx, ch, a.Incident, msgID); err != nil {
		return err
	}
	n.log.Info("incident posted", "alert_id", a.ID, "incident_id", a.Incident.ID, "channel_id", ch, "message_id", msgID)
	return n.opts.Refs.PutRef(ctx, keyDone(ch, a.ID), "ok")
}

func (n *Notifier) acks(ctx context.Context, incidentID string) []Ack {
	if n.opts.Acks == nil {
		return nil
	}
	acks, err := n.opts.Acks.Acks(ctx, incidentID)
	if err != nil {
		n.log.Warn("cannot list acknowledgements", "incident_id", incidentID, "err", err.Error())
		return nil
	}
	return acks
}

// postOnce creates a message at most once per (channel, alert, purpose);
// see the package doc for the three layers that make it so.
func (n *Notifier) postOnce(ctx context.Context, channelID, alertID, purpose string, msg message, match func(*discordgo.Message) bool) (string, error) {
	refs := n.opts.Refs
	if id, ok, err := refs.GetRef(ctx, keyPosted(channelID, alertID, purpose)); err != nil {
		return "", fmt.Errorf("read ref: %w", err)
	} else if ok {
		return id, nil
	}
	_, pending, err := refs.GetRef(ctx, keyPending(channelID, alertID, purpose))
	if err != nil {
		return "", fmt.Errorf("read ref: %w", err)
	}
	if pending {
		// An earlier attempt may have reached Discord: look before posting.
		id, found, err := n.findOwn(ctx, channelID, match)
		if err != nil {
			return "", err
		}
		if found {
			n.log.Info("adopted a message posted before a crash", "channel_id", channelID, "alert_id", alertID, "purpose", purpose, "message_id", id)
			if err := refs.PutRef(ctx, keyPosted(channelID, alertID, purpose), id); err != nil {
				return "", fmt.Errorf("write ref: %w", err)
			}
			return id, nil
		}
	} else if err := refs.PutRef(ctx, keyPending(channelID, alertID, purpose), "1"); err != nil {
		return "", fmt.Errorf("write ref: %w", err)
	}
	msg.Nonce = nonce(alertID, channelID, purpose)
	msg.EnforceNonce = true
	var m discordgo.Message
	ep := discordgo.EndpointChannelMessages(channelID)
	if err := n.c.rest.json(ctx, "POST", ep, ep, msg, &m); err != nil {
		return "", err
	}
	if m.ID == "" {
		return "", errors.New("discord answered a message without id")
	}
	if err := refs.PutRef(ctx, keyPosted(channelID, alertID, purpose), m.ID); err != nil {
		return "", fmt.Errorf("write ref: %w", err)
	}
	return m.ID, nil
}

// findOwn looks through the channel's recent messages for one of ours that
// match accepts.
func (n *Notifier) findOwn(ctx context.Context, channelID string, match func(*discordgo.Message) bool) (string, bool, error) {
	me, err := n.c.BotID(ctx)
	if err != nil {
		return "", false, err
	}
	var msgs []*discordgo.Message
	ep := discordgo.EndpointChannelMessages(channelID)
	if err := n.c.rest.json(ctx, "GET", ep+"?limit=100", ep, nil, &msgs); err != nil {
		return "", false, err
	}
	for _, m := range msgs {
		if m != nil && m.Author != nil && m.Author.ID == me && match(m) {
			return m.ID, true, nil
		}
	}
	return "", false, nil
}

func matchFooter(text string) func(*discordgo.Message) bool {
	return func(m *discordgo.Message) bool {
		for _, e := range m.Embeds {
			if e != nil && e.Footer != nil && e.Footer.Text == text {
				return true
			}
		}
		return false
	}
}

func matchContent(content string) func(*discordgo.Message) bool {
	return func(m *discordgo.Message) bool { return m.Content == content }
}

// ensureThread returns the incident's timeline thread, starting it under
// the message when needed. A thread started from a message has the
// message's id, so "already exists" is as good as created.
func (n *Notifier) ensureThread(ctx context.Context, channelID string, inc alerts.Incident, messageID string) (string, error) {
	refs := n.opts.Refs
	if id, ok, err := refs.GetRef(ctx, keyThread(channelID, inc.ID)); err != nil {
		return "", fmt.Errorf("read ref: %w", err)
	} else if ok {
		return id, nil
	}
	ep := discordgo.EndpointChannelMessageThread(channelID, messageID)
	var ch discordgo.Channel
	body := map[string]any{"name": threadName(inc), "auto_archive_duration": 10080}
	err := n.c.rest.json(ctx, "POST", ep, discordgo.EndpointChannelMessageThread(channelID, ""), body, &ch)
	id := ch.ID
	switch {
	case hasCode(err, codeThreadExists):
		id = messageID
	case err != nil:
		return "", err
	case id == "":
		id = messageID
	}
	if err := refs.PutRef(ctx, keyThread(channelID, inc.ID), id); err != nil {
		return "", fmt.Errorf("write ref: %w", err)
	}
	return id, nil
}

package notify

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"

	"github.com/tocsin-alerts/tocsin/alerts"
)

// Part is one thing to post or edit.
type Part struct {
	// Kind is PartCard (the living message) or PartLine (a timeline line
	// in its thread).
	Kind  PartKind
	Alert alerts.Alert
	// Mentions are the configured ids to notify (Slack user groups, Matrix
	// users); never anything from report text.
	Mentions []string
	// Broadcast shows a thread line in the channel too (escalations).
	Broadcast bool
	// Parent is the living message's ref, for a line.
	Parent string
}

// PartKind says what a Part is.
type PartKind uint8

// Part kinds.
const (
	PartCard PartKind = iota
	PartLine
)

// Platform is one chat platform's client, as a Living notifier drives it.
type Platform interface {
	// Send posts a part to a channel and returns its ref (a message id).
	// key is unique per (channel, alert, purpose) and stable across
	// retries: adapters use it where the platform deduplicates.
	Send(ctx context.Context, channel string, p Part, key string) (ref string, err error)
	// Edit replaces the living message ref with p.
	Edit(ctx context.Context, channel, ref string, p Part) error
}

// Finder is implemented by platforms that can look for a message posted
// with a key before a crash (Slack: its metadata in the channel history).
type Finder interface {
	Find(ctx context.Context, channel, key string) (ref string, ok bool, err error)
}

// Refs persists what a notifier did (the store's notifier_refs, keyed by
// the notifier's name).
type Refs interface {
	GetRef(ctx context.Context, key string) (string, bool, error)
	PutRef(ctx context.Context, key, value string) error
}

// Gone is returned by Edit when the living message no longer exists (a
// moderator deleted it): the notifier posts a new one.
var Gone = errors.New("message gone")

// Living is an alerts.Notifier over a Platform.
type Living struct {
	name     string
	platform Platform
	routes   []Route
	refs     Refs
	limit    Limiter
	log      *slog.Logger
	stripes  Stripes
}

var _ alerts.Notifier = (*Living)(nil)

// LivingOptions configure a Living notifier.
type LivingOptions struct {
	// Name keys the outbox rows and refs ("slack", "telegram", "matrix").
	Name     string
	Platform Platform
	Routes   []Route
	Refs     Refs
	Limiter  Limiter
	Logger   *slog.Logger
}

// NewLiving checks o and returns the notifier.
func NewLiving(o LivingOptions) (*Living, error) {
	if o.Name == "" || o.Platform == nil || o.Refs == nil {
		return nil, errors.New("notify: Name, Platform and Refs are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	n := &Living{name: o.Name, platform: o.Platform, routes: o.Routes, refs: o.Refs, limit: o.Limiter,
		log: o.Logger.With("component", o.Name+"_notifier")}
	return n, nil
}

// Name implements alerts.Notifier.
func (n *Living) Name() string { return n.name }

// Notify implements alerts.Notifier: it is safe to call again with the same
// alert, what was done is skipped.
func (n *Living) Notify(ctx context.Context, a alerts.Alert) (bool, error) {
	if a.ID == "" || a.Incident.ID == "" {
		return false, fmt.Errorf("%s: alert without id or incident id", n.name)
	}
	unlock, err := n.stripes.Lock(ctx, a.Incident.ID)
	if err != nil {
		return true, fmt.Errorf("%s: alert %s: %w", n.name, a.ID, err)
	}
	defer unlock()
	var errs []error
	retry := false
	for _, p := range Plan(n.routes, a.Incident) {
		err := n.deliver(ctx, a, p)
		if err == nil {
			continue
		}
		errs = append(errs, fmt.Errorf("channel %s: %w", p.Channel, err))
		if Retryable(err) || ctx.Err() != nil {
			retry = true
			continue
		}
		// A final refusal for one channel must not be retried nor make
		// the other channels' retries post twice: record it as done.
		n.log.Error("platform refused an alert", "alert_id", a.ID, "channel", p.Channel, "error", err)
		if perr := n.refs.PutRef(ctx, keyDone(p.Channel, a.ID), "failed"); perr != nil {
			retry = true
		}
	}
	if len(errs) > 0 {
		return retry, fmt.Errorf("%s: alert %s: %w", n.name, a.ID, errors.Join(errs...))
	}
	return false, nil
}

func (n *Living) deliver(ctx context.Context, a alerts.Alert, p ChannelPlan) error {
	ch := p.Channel
	if _, done, err := n.refs.GetRef(ctx, keyDone(ch, a.ID)); err != nil || done {
		return err
	}
	parent, has, err := n.refs.GetRef(ctx, keyMessage(ch, a.Incident.ID))
	if err != nil {
		return err
	}
	card := Part{Kind: PartCard, Alert: a, Mentions: p.Mentions}
	if has {
		// This alert may have sent the card itself in an attempt cut
		// before it was recorded done (a SIGKILL, the send timeout, a lease
		// handed to another replica): the opening is complete. Taken for
		// an update of its own card, it added a timeline line no event
		// stood for.
		if own, ok, err := n.refs.GetRef(ctx, keyPosted(ch, a.ID, "card")); err != nil {
			return err
		} else if ok && own == parent {
			return n.refs.PutRef(ctx, keyDone(ch, a.ID), "ok")
		}
		err := n.call(ctx, func(ctx context.Context) error { return n.platform.Edit(ctx, ch, parent, card) })
		switch {
		case errors.Is(err, Gone):
			n.log.Warn("living message gone, posting anew", "incident_id", a.Incident.ID, "channel", ch)
			has = false
		case err != nil:
			return err
		}
	}
	if !has {
		// A quiet event only edits what was posted; a resolution of an
		// incident this channel never showed is nobody's news here.
		if !p.Matches || a.Kind == alerts.Resolved || a.Quiet {
			return n.refs.PutRef(ctx, keyDone(ch, a.ID), "skipped")
		}
		ref, err := n.sendOnce(ctx, ch, a.ID, "card", card)
		if err != nil {
			return err
		}
		if err := n.refs.PutRef(ctx, keyMessage(ch, a.Incident.ID), ref); err != nil {
			return err
		}
		n.log.Info("incident posted", "alert_id", a.ID, "incident_id", a.Incident.ID, "channel", ch, "ref", ref)
		return n.refs.PutRef(ctx, keyDone(ch, a.ID), "ok")
	}
	if a.Quiet {
		// The edit brought the living message up to date; an edit
		// notifies no one, so nothing else is posted.
		return n.refs.PutRef(ctx, keyDone(ch, a.ID), "ok")
	}
	line := Part{Kind: PartLine, Alert: a, Parent: parent, Broadcast: a.Kind == alerts.Escalated}
	if a.Kind == alerts.Escalated {
		line.Mentions = p.Mentions
	}
	if _, err := n.sendOnce(ctx, ch, a.ID, "line", line); err != nil {
		return err
	}
	n.log.Info("incident updated", "alert_id", a.ID, "kind", string(a.Kind), "incident_id", a.Incident.ID, "channel", ch)
	return n.refs.PutRef(ctx, keyDone(ch, a.ID), "ok")
}

// sendOnce sends a part at most once per (channel, alert, purpose): the
// posted ref is recorded; a pending mark before the call lets a platform
// that can look (Finder) adopt a message a crash left unrecorded.
func (n *Living) sendOnce(ctx context.Context, ch, alertID, purpose string, p Part) (string, error) {
	key := ch + "/" + alertID + "/" + purpose
	if ref, ok, err := n.refs.GetRef(ctx, keyPosted(ch, alertID, purpose)); err != nil || ok {
		return ref, err
	}
	_, pending, err := n.refs.GetRef(ctx, "pending:"+key)
	if err != nil {
		return "", err
	}
	idem := IdempotencyKey(key)
	if f, ok := n.platform.(Finder); ok && pending {
		ref, found, err := f.Find(ctx, ch, idem)
		if err != nil {
			return "", err
		}
		if found {
			n.log.Info("adopted a message posted before a crash", "channel", ch, "alert_id", alertID, "purpose", purpose)
			return ref, n.refs.PutRef(ctx, keyPosted(ch, alertID, purpose), ref)
		}
	}
	if !pending {
		if err := n.refs.PutRef(ctx, "pending:"+key, "1"); err != nil {
			return "", err
		}
	}
	var ref string
	err = n.call(ctx, func(ctx context.Context) error {
		var err error
		ref, err = n.platform.Send(ctx, ch, p, idem)
		return err
	})
	if err != nil {
		return "", err
	}
	return ref, n.refs.PutRef(ctx, keyPosted(ch, alertID, purpose), ref)
}

// call runs one platform request under the limiter: a rate limit
// (RateLimited) is waited out when short enough, within the budget.
func (n *Living) call(ctx context.Context, fn func(ctx context.Context) error) error {
	return n.limit.Do(ctx, fn)
}

func keyDone(ch, alertID string) string       { return "done:" + ch + "/" + alertID }
func keyMessage(ch, incidentID string) string { return "msg:" + ch + "/" + incidentID }
func keyPosted(ch, alertID, purpose string) string {
	return "posted:" + ch + "/" + alertID + "/" + purpose
}

// IdempotencyKey is a short stable token for a (channel, alert, purpose).
func IdempotencyKey(key string) string {
	h := fnv.New64a()
	h.Write([]byte(key))
	return fmt.Sprintf("tocsin-%016x", h.Sum64())
}

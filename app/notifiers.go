package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/matrix"
	"github.com/tocsin-alerts/tocsin/notify"
	"github.com/tocsin-alerts/tocsin/notify/notifyconfig"
	"github.com/tocsin-alerts/tocsin/slack"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/telegram"
	"github.com/tocsin-alerts/tocsin/vocab"
	"github.com/tocsin-alerts/tocsin/webhook"
)

// storeRefs keeps a notifier's references (message ids, what was done) in
// the store's notifier_refs, under the notifier's name.
type storeRefs struct {
	s    *store.Store
	name string
}

var _ notify.Refs = (*storeRefs)(nil)

func (r *storeRefs) GetRef(ctx context.Context, key string) (string, bool, error) {
	return r.s.GetRef(ctx, r.name, key)
}

func (r *storeRefs) PutRef(ctx context.Context, key, value string) error {
	return r.s.PutRef(ctx, r.name, key, value)
}

// chatNotifiers builds the configured webhook, Slack, Telegram and Matrix
// notifiers; routes are checked with the rule set's categories. None does
// I/O until it delivers.
func chatNotifiers(cfg *config.Config, s *store.Store, cats vocab.Categories, logger *slog.Logger) ([]alerts.Notifier, error) {
	var out []alerts.Notifier
	if cfg.Webhook.Enabled() {
		n, err := webhook.New(cfg.Webhook, cats, &storeRefs{s, webhook.Name}, nil, logger)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		out = append(out, n)
	}
	type living struct {
		on    bool
		name  string
		specs []notifyconfig.RouteSpec
		build func(routes []notify.Route, refs notify.Refs) (*notify.Living, error)
	}
	for _, l := range []living{
		{cfg.Slack.Enabled(), slack.Name, cfg.Slack.Channels, func(r []notify.Route, refs notify.Refs) (*notify.Living, error) {
			return slack.New(cfg.Slack, r, refs, nil, logger)
		}},
		{cfg.Telegram.Enabled(), telegram.Name, cfg.Telegram.Chats, func(r []notify.Route, refs notify.Refs) (*notify.Living, error) {
			return telegram.New(cfg.Telegram, r, refs, nil, logger)
		}},
		{cfg.Matrix.Enabled(), matrix.Name, cfg.Matrix.Rooms, func(r []notify.Route, refs notify.Refs) (*notify.Living, error) {
			return matrix.New(cfg.Matrix, r, refs, nil, logger)
		}},
	} {
		if !l.on {
			continue
		}
		routes, err := notify.Routes(l.specs, cats)
		if err != nil {
			return nil, fmt.Errorf("config: %s.%w", l.name, err)
		}
		if len(routes) == 0 {
			logger.Warn("notifier configured without channels: it delivers nothing", "notifier", l.name)
		}
		n, err := l.build(routes, &storeRefs{s, l.name})
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// BotOptions configure the interactive side of tocsin on Discord.
type BotOptions struct {
	// AppID is the application id, needed to register commands and to
	// edit deferred answers.
	AppID string
	// GuildID registers commands in one guild (instant) instead of
	// globally.
	GuildID string
	// Gateway opens the gateway to receive interactions; off when only the
	// HTTP interactions endpoint is used.
	Gateway bool
	// SkipRegister leaves the registered commands alone.
	SkipRegister bool
	Logger       *slog.Logger
}

// Bot owns the gateway connection and the goroutines that answer
// interactions; Stop ends them within a bounded time.
type Bot struct {
	c    *Client
	h    *Handler
	opts BotOptions
	log  *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc

	mu         sync.Mutex
	stopped    bool
	started    bool
	registered bool
	wg         sync.WaitGroup
	unsubscr   func()
}

// NewBot wires a handler to a client.
func NewBot(c *Client, h *Handler, opts BotOptions) *Bot {
	log := opts.Logger
	if log == nil {
		log = c.log
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Bot{c: c, h: h, opts: opts, log: log.With("component", "discord_bot"), ctx: ctx, cancel: cancel}
}

// Start registers the commands with one bulk overwrite and, if configured,
// opens the gateway. ctx bounds the start only. A start that failed (Discord
// unreachable) may be tried again; what succeeded is not redone.
func (b *Bot) Start(ctx context.Context) error {
	b.mu.Lock()
	if b.started || b.stopped {
		b.mu.Unlock()
		return errors.New("discord bot: already started or stopped")
	}
	b.mu.Unlock()
	if !b.opts.SkipRegister && !b.registered {
		if b.opts.AppID == "" {
			return errors.New("discord bot: application_id is needed to register commands")
		}
		if err := b.c.RegisterCommands(ctx, b.opts.AppID, b.opts.GuildID); err != nil {
			return err
		}
		b.registered = true
		b.log.Info("commands registered", "guild_id", b.opts.GuildID, "count", len(Commands()))
	}
	if b.opts.Gateway {
		b.mu.Lock()
		if b.unsubscr == nil {
			b.unsubscr = b.c.s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
				b.serve(ic.Interaction, true)
			})
		}
		b.mu.Unlock()
		if err := b.c.Open(ctx); err != nil {
			return err
		}
		b.log.Info("gateway connected")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		// Stop ran while the gateway opened: close what we opened.
		if b.opts.Gateway {
			_ = b.c.Close()
		}
		return errors.New("discord bot: stopped while starting")
	}
	b.started = true
	return nil
}

// IsAuthError reports whether err means Discord refused the credentials
// (401) or the application's rights (403): retrying will not help.
func IsAuthError(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && (ae.status == http.StatusUnauthorized || ae.status == http.StatusForbidden)
}

// Stop closes the gateway and waits for in-flight answers, at most until
// ctx ends. It is idempotent.
func (b *Bot) Stop(ctx context.Context) error {
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		return nil
	}
	b.stopped = true
	started, unsubscr := b.started, b.unsubscr
	b.mu.Unlock()
	b.cancel()
	if unsubscr != nil {
		unsubscr()
	}
	var err error
	if b.opts.Gateway && started {
		err = b.c.Close()
	}
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("discord bot: stop: %w", ctx.Err())
	}
	return err
}

// track registers a goroutine with the bot unless it is stopping.
func (b *Bot) track() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return false
	}
	b.wg.Add(1)
	return true
}

// interactionTTL is how long an interaction token can edit its answer.
const interactionTTL = 15 * time.Minute

// serve answers an interaction received over the gateway (respond=true:
// the first answer goes through the callback endpoint).
func (b *Bot) serve(i *discordgo.Interaction, respond bool) {
	if i == nil || !b.track() {
		return
	}
	defer b.wg.Done()
	ctx, cancel := context.WithTimeout(b.ctx, interactionTTL)
	defer cancel()
	r := b.h.handle(ctx, i)
	if respond {
		ep := discordgo.EndpointInteractionResponse(i.ID, i.Token)
		if err := b.c.rest.json(ctx, "POST", ep, "interactions/callback", r.resp, nil); err != nil {
			b.log.Error("answering interaction failed", "interaction_id", i.ID, "err", err.Error())
			return
		}
	}
	b.finish(ctx, i, r)
}

// finish runs a deferred continuation and edits the original answer.
func (b *Bot) finish(ctx context.Context, i *discordgo.Interaction, r reply) {
	if r.later == nil {
		return
	}
	msg := r.later(ctx)
	app := i.AppID
	if app == "" {
		app = b.opts.AppID
	}
	ep := discordgo.EndpointInteractionResponseActions(app, i.Token)
	if err := b.editOriginal(ctx, ep, msg); err != nil {
		b.log.Error("editing deferred answer failed", "interaction_id", i.ID, "err", err.Error())
	}
}

// Retries of an @original edit that Discord does not know yet.
const (
	originalRetryFirst = 100 * time.Millisecond
	originalRetries    = 6 // 100ms … 3.2s, about 6s in all
)

// editOriginal edits the deferred answer. Discord processes an HTTP
// endpoint's answer after the bot sent it, so an edit made at once can get
// 10008 Unknown Message for a message that exists a moment later: it is
// retried briefly instead of losing the answer.
func (b *Bot) editOriginal(ctx context.Context, ep string, msg message) error {
	wait := originalRetryFirst
	for attempt := 0; ; attempt++ {
		err := b.c.rest.json(ctx, "PATCH", ep, "webhooks/original", msg, nil)
		if err == nil || !hasCode(err, codeUnknownMessage) || attempt == originalRetries {
			return err
		}
		b.log.Debug("deferred answer not known to Discord yet; retrying", "attempt", attempt+1, "wait", wait.String())
		if err := sleepCtx(ctx, wait); err != nil {
			return err
		}
		wait *= 2
	}
}

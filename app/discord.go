package app

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"time"

	"github.com/tocsin-alerts/tocsin/bot"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// discordStartTimeout bounds registering the commands and the gateway
// handshake at start; the client bounds each request and the handshake
// itself, this bounds the sum.
const discordStartTimeout = 60 * time.Second

// discord is tocsin on Discord: the notifier (delivering from the outbox,
// REST only, on every replica), the HTTP interactions endpoint (every
// replica: Discord posts to whichever the load balancer picks), and, on the
// leader only, command registration and the gateway session (lead). It
// exists only when discord.token is configured.
type discord struct {
	cfg      config.Discord
	client   *bot.Client
	notifier *bot.Notifier
	handler  *bot.Handler
	// http answers the HTTP interactions endpoint; it is never started
	// (no gateway, no registration), only stopped at shutdown.
	http *bot.Bot
	// key verifies the HTTP interactions endpoint; nil: not served.
	key ed25519.PublicKey
	log *slog.Logger
}

// newDiscord builds the Discord parts; it does no I/O. The notifier's
// routes are the configured channels plus the /subscribe ones in the store.
func newDiscord(cfg config.Discord, s *store.Store, r *Rules, now func() time.Time, logger *slog.Logger) (*discord, error) {
	log := logger.With("component", "discord_app")
	client, err := bot.NewClient(bot.ClientOptions{Token: bot.Token(cfg.Token.Reveal()), APIURL: cfg.APIURL, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	routes, err := discordRoutes(cfg.Channels, r.Categories())
	if err != nil {
		return nil, err
	}
	subs := &discordSubscriptions{s: s, now: now}
	acks := &discordAcks{s: s}
	n, err := bot.NewNotifier(client, bot.NotifierOptions{Routes: routes, Subscriptions: subs, Refs: &discordRefs{s: s},
		Acks: acks, RetryBudget: cfg.RetryBudget, MaxRetryWait: cfg.MaxRetryWait.D(), Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	if n.Name() != discordNotifier {
		return nil, fmt.Errorf("discord: notifier is named %q, its refs are stored under %q", n.Name(), discordNotifier)
	}
	incidents := &discordIncidents{s: s}
	h := bot.NewHandler(bot.HandlerOptions{
		Deps: bot.Deps{
			Incidents: incidents, Incident: incidents, Scorer: &discordScorer{r: r},
			Rules:  &discordRuleCatalog{s: s, r: r, now: now},
			Status: &discordStatus{s: s}, Subscriptions: subs, Silences: &discordSilences{s: s, now: now},
			Acks: acks, Feedback: &discordFeedback{s: s}, Reloader: &discordReloader{r: r},
			Places: &discordPlaces{g: r.Gazetteer()}, Vocabulary: r,
			SilenceList: s,
		},
		AdminRoleIDs: cfg.AdminRoleIDs, Now: now, Logger: logger,
	})
	d := &discord{cfg: cfg, client: client, notifier: n, handler: h, log: log,
		http: bot.NewBot(client, h, bot.BotOptions{AppID: cfg.ApplicationID, SkipRegister: true, Logger: logger})}
	if cfg.PublicKey != "" {
		if d.key, err = bot.ParsePublicKey(cfg.PublicKey); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// discordRoutes turns the configured channels into routes. Categories are
// the live rule set's vocabulary: one the rules do not declare is an error
// naming the field and the category meant, every one at once (the config
// cannot check them itself: the rule set declares its categories).
func discordRoutes(chs []config.DiscordChannel, cats vocab.Categories) ([]bot.Route, error) {
	var out []bot.Route
	var errs config.Errors
	for i, ch := range chs {
		path := fmt.Sprintf("discord.channels[%d]", i)
		r := bot.Route{ChannelID: ch.ChannelID, Places: ch.Places, Labels: ch.Labels, MinSeverity: rules.SevLow,
			MentionRoles: map[rules.Severity][]string{}}
		for j, c := range ch.Categories {
			cat, err := cats.Parse(c)
			if err != nil {
				errs.Add(fmt.Sprintf("%s.categories[%d]", path, j), "%v", err)
				continue
			}
			r.Categories = append(r.Categories, cat)
		}
		if ch.MinSeverity != "" {
			sev, err := vocab.ParseSeverity(ch.MinSeverity)
			if err != nil {
				errs.Add(path+".min_severity", "%v", err)
			}
			r.MinSeverity = sev
		}
		for name, roles := range ch.MentionRoles {
			sev, err := vocab.ParseSeverity(name)
			if err != nil {
				errs.Add(path+".mention_roles."+name, "%v", err)
				continue
			}
			r.MentionRoles[sev] = append(r.MentionRoles[sev], roles...)
		}
		out = append(out, r)
	}
	if err := errs.Err(); err != nil {
		return nil, fmt.Errorf("discord routes: %w", err)
	}
	return out, nil
}

// lead is Discord's leader-only part, for one term: it registers the
// commands and opens the gateway (a bot of its own, started with run's
// retries), holds them until ctx ends (the term or the service ends), then
// closes the gateway within stopWait. Only one replica at a time holds a
// gateway session, so a slash command is answered once. It returns an error
// only when Discord refuses the token or the application's rights.
func (d *discord) lead(ctx context.Context, stopWait time.Duration) error {
	b := bot.NewBot(d.client, d.handler, bot.BotOptions{AppID: d.cfg.ApplicationID, GuildID: d.cfg.GuildID,
		Gateway: d.cfg.GatewayEnabled(), Logger: d.log})
	err := d.run(ctx, b)
	if err == nil {
		<-ctx.Done()
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopWait)
	defer cancel()
	if serr := b.Stop(sctx); serr != nil {
		d.log.Warn("discord gateway stop", "err", serr.Error())
	}
	return err
}

// run starts the bot, bounded per attempt, and retries while Discord is
// unreachable (an outage at start must not stop polling or the console);
// it returns once the bot is started, with an error only when Discord
// refuses the token or the application's rights, or when ctx ends.
func (d *discord) run(ctx context.Context, b *bot.Bot) error {
	wait := discordRetryBase
	for attempt := 1; ; attempt++ {
		err := d.start(ctx, b)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		if bot.IsAuthError(err) {
			return err
		}
		d.log.Warn("discord unreachable; polling and the other notifiers go on, retrying", "attempt", attempt,
			"retry_in", wait, "err", err.Error())
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		wait = min(2*wait, discordRetryMax)
	}
}

// Discord start retries: doubling from discordRetryBase to discordRetryMax.
const (
	discordRetryBase = 2 * time.Second
	discordRetryMax  = time.Minute
)

// start registers the commands and opens the gateway, bounded in time.
func (d *discord) start(ctx context.Context, b *bot.Bot) error {
	ctx, cancel := context.WithTimeout(ctx, discordStartTimeout)
	defer cancel()
	if err := b.Start(ctx); err != nil {
		return fmt.Errorf("discord: start: %w", err)
	}
	d.log.Info("discord started", "gateway", d.cfg.GatewayEnabled(), "http_interactions", d.key != nil,
		"channels", len(d.cfg.Channels))
	return nil
}

// stop waits for the HTTP endpoint's answers in flight, until ctx ends. It
// runs before the store closes: those answers use it.
func (d *discord) stop(ctx context.Context) error {
	return d.http.Stop(ctx)
}

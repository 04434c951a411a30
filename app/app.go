// Package app wires tocsin together and runs it: store, rules, notifiers,
// the delivery stage, sources, poller, health and the HTTP server are built
// in that order and stopped in reverse. Every goroutine it starts is owned
// by Run; shutdown ends within shutdown_timeout whatever the notifiers do.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/console"
	"github.com/tocsin-alerts/tocsin/delivery"
	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/seeds"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// Deps are what the caller provides besides the config.
type Deps struct {
	// Stdout receives the console notifier's output.
	Stdout io.Writer
	Logger *slog.Logger
	// Notifiers are added to the console notifier (Discord, webhooks...).
	// Adding one is one line in the caller.
	Notifiers []alerts.Notifier
	// Version goes into the User-Agent.
	Version string
	// Clock is optional (tests).
	Clock poller.Clock
}

// App is a built tocsin.
type App struct {
	cfg      *config.Config
	version  string
	log      *slog.Logger
	clock    poller.Clock
	Store    *store.Store
	Rules    *Rules
	Poller   *poller.Poller
	Delivery *delivery.Dispatcher
	Reg      *prometheus.Registry
	health   *health
	// replica is this process among the replicas sharing the store: its
	// identity, its leader election, what it shows of both.
	replica *replica
	discord *discord // nil unless discord.token is configured
	// retention is nil when store.retention is 0 (keep everything).
	retention *retention
	ln        net.Listener
	srv       *http.Server
	ready     atomic.Bool

	// closers release what New built, in reverse order, within the
	// shutdown deadline they are given.
	closers  []func(ctx context.Context) error
	stopOnce sync.Once
	stopErr  error
}

// New builds everything in order; on failure what was built is closed.
func New(ctx context.Context, cfg *config.Config, d Deps) (_ *App, err error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Stdout == nil {
		d.Stdout = io.Discard
	}
	if d.Clock == nil {
		d.Clock = poller.SystemClock{}
	}
	replicaID := cfg.Replica.ID
	if replicaID == "" {
		replicaID = store.DefaultHolder()
	}
	// Every line says which replica wrote it: the logs of N replicas end
	// up in one place.
	d.Logger = d.Logger.With("replica", replicaID)
	a := &App{cfg: cfg, version: d.Version, log: d.Logger.With("component", "app"), clock: d.Clock, Reg: prometheus.NewRegistry()}
	// The first line of the log says what kind of run this is.
	switch {
	case cfg.Demo():
		a.log.Warn("DEMO: no sources and no notifier but the console are configured, so tocsin polls its sample "+
			"reports (seeds/) and prints made-up alerts; configure sources: to follow real feeds", "demo", true)
	case len(cfg.Sources) == 0:
		a.log.Warn("no sources configured: nothing is polled (the demo seeds run only when nothing but the console is configured); " +
			"add sources: to the config, or push reports to POST /v1/reports")
	}
	defer func() {
		// Whatever was built before the failure is released, in reverse.
		if err != nil {
			a.Stop()
		}
	}()
	a.Reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	metrics, err := poller.NewMetrics(a.Reg)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	dmetrics, err := delivery.NewMetrics(a.Reg)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}

	// 1. Store: SQLite is locked to this process (a second is refused,
	// naming this one); PostgreSQL takes any number of replicas.
	s, err := store.OpenWith(ctx, cfg.Store.DSN, store.Options{Logger: d.Logger, Exclusive: true, Holder: replicaID})
	if err != nil {
		return nil, err
	}
	a.Store = s
	a.closers = append(a.closers, func(context.Context) error { return s.Close() })
	if s.Dialect() == "sqlite" {
		// The process lock says no other process uses this store: what a
		// crash left claimed is due now, not when its lease runs out.
		if err := s.ReleaseAllClaims(ctx); err != nil {
			return nil, err
		}
	}
	if a.replica, err = newReplica(s, replicaID, cfg.Replica.LeaderCheck.D(), d.Clock, a.Reg, d.Logger); err != nil {
		return nil, err
	}
	if keep := cfg.Store.Retention.D(); keep > 0 {
		if a.retention, err = newRetention(s, keep, cfg.Store.PruneSchedule, d.Clock.Now, a.Reg, d.Logger); err != nil {
			return nil, err
		}
	}

	// 2. Rules.
	priorOpt, err := priorOption(cfg.Rules.Prior)
	if err != nil {
		return nil, err
	}
	a.Rules, err = NewRules(cfg.Rules.Dir, s, a.Reg, d.Logger, priorOpt)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	if err := guardRoutes(cfg, a.Rules); err != nil {
		return nil, err
	}

	// 2b. Discord, only with a token: its notifier joins the outbox's, its
	// bot starts in Run (in the background, retried while Discord is
	// unreachable) and stops before the store closes.
	if cfg.Discord.Enabled() {
		if a.discord, err = newDiscord(cfg.Discord, s, a.Rules, d.Clock.Now, d.Logger); err != nil {
			return nil, err
		}
		a.closers = append(a.closers, a.discord.stop)
	}

	// 3. Notifiers and the delivery stage.
	var notifiers []alerts.Notifier
	if cfg.Console.Enabled {
		f, err := console.ParseFormat(cfg.Console.Format)
		if err != nil {
			return nil, err
		}
		notifiers = append(notifiers, console.New(d.Stdout, f))
	}
	notifiers = append(notifiers, d.Notifiers...)
	chat, err := chatNotifiers(cfg, s, a.Rules.Set().Categories(), d.Logger)
	if err != nil {
		return nil, err
	}
	notifiers = append(notifiers, chat...)
	if a.discord != nil {
		notifiers = append(notifiers, a.discord.notifier)
	}
	ob := cfg.Outbox
	a.Delivery, err = delivery.New(delivery.Options{
		Outbox: s, Notifiers: notifiers, MaxAttempts: ob.MaxAttempts, SendTimeout: ob.SendTimeout.D(),
		// A lease outlives its send (bounded by SendTimeout) with as much
		// again to record the outcome: a replica that dies mid-send holds
		// its one row per notifier that long.
		Lease:   2 * ob.SendTimeout.D(),
		Backoff: func(n int) time.Duration { return feed.Backoff(n, ob.RetryBase.D(), ob.RetryMax.D(), rand.Float64) },
		Clock:   d.Clock, Logger: d.Logger, Metrics: dmetrics,
	})
	if err != nil {
		return nil, err
	}

	// 4. Sources.
	specs, fsys, fullText := sourceSpecs(cfg)
	if err := s.SyncSources(ctx, specs); err != nil {
		return nil, err
	}
	pc := cfg.Poller
	ua := pc.UserAgent
	if ua == "" {
		ua = feed.UserAgent(d.Version)
	}
	fetcher := &poller.Sources{
		Feed: feed.NewFetcher(feed.Options{UserAgent: ua, Timeout: pc.Timeout.D(), MaxBodyBytes: pc.MaxBodyBytes,
			PerHostConcurrency: pc.PerHost, Logger: d.Logger, Now: d.Clock.Now}),
		FullText: fullText, FS: fsys, Logger: d.Logger, Now: d.Clock.Now,
	}

	// 5. Poller.
	sum, err := newSummarizer(cfg.Summary, a.Rules.Set().Categories().Names(), d.Logger)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	pol, err := policy(cfg.Alerts, a.Rules.Set().Categories())
	if err != nil {
		return nil, err
	}
	a.Poller, err = poller.New(poller.Options{
		Store: s, Fetcher: fetcher, Scorer: a.Rules, Summarizer: summarizer{sum},
		Reviewer: newReviewer(cfg.Summary, sum, d.Logger), Policy: pol,
		Notifiers: a.Delivery.Names(), Wake: a.Delivery.Wake, Workers: pc.Workers, DefaultInterval: pc.DefaultInterval.D(),
		BacklogAge: pc.BacklogAge.D(), MaxReportAge: cfg.Store.Retention.D(), Lease: sourceLease(pc.Timeout.D()), EnrichWorkers: cfg.Summary.Concurrency,
		Leader: a.replica.elector.IsLeader,
		Clock:  d.Clock, Logger: d.Logger, Metrics: metrics,
		Backoff: func(n int) time.Duration {
			return feed.Backoff(n, pc.ErrorBackoff.D(), pc.MaxErrorBackoff.D(), rand.Float64)
		},
	})
	if err != nil {
		return nil, err
	}

	// 6. Health: what /readyz and the readiness metrics say.
	if a.health, err = newHealth(s, a.Delivery.Names(), cfg.Outbox.StuckAfter.D(), d.Clock, a.Reg, d.Logger); err != nil {
		return nil, err
	}

	// 7. HTTP: listen now so a busy port fails the start, not later.
	if a.discord != nil && a.discord.key != nil && cfg.HTTP.Addr == "" {
		a.log.Warn("discord.public_key is set but the HTTP server is disabled: the interactions endpoint is not served")
	}
	if cfg.HTTP.Addr != "" {
		ln, err := net.Listen("tcp", cfg.HTTP.Addr)
		if err != nil {
			return nil, fmt.Errorf("http listen: %w", err)
		}
		a.ln = ln
		h, err := a.handler()
		if err != nil {
			ln.Close()
			return nil, err
		}
		a.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
			ErrorLog: slog.NewLogLogger(d.Logger.Handler(), slog.LevelWarn)}
		a.closers = append(a.closers, func(ctx context.Context) error {
			if err := a.srv.Shutdown(ctx); err != nil {
				a.srv.Close()
				return fmt.Errorf("http shutdown: %w", err)
			}
			return nil
		})
	}
	return a, nil
}

// Addr is the HTTP server's address ("" when disabled).
func (a *App) Addr() string {
	if a.ln == nil {
		return ""
	}
	return a.ln.Addr().String()
}

// Once runs one poll cycle and delivers what it recorded (and anything
// still pending), then the model summaries that follow, for cron jobs and
// tests. With store.retention it also prunes: a deployment driven by
// `tocsin once` has no prune job. A failed prune is logged and retried next
// time; it does not fail the cycle.
func (a *App) Once(ctx context.Context) (poller.TickStats, int, error) {
	st, err := a.Poller.Tick(ctx)
	if err == nil && a.retention != nil {
		_, _ = a.retention.prune(ctx)
	}
	if err != nil {
		return st, 0, err
	}
	sent, err := a.Delivery.Drain(ctx)
	if err != nil {
		return st, sent, err
	}
	if n, _ := a.Poller.Flush(ctx); n > 0 {
		more, err := a.Delivery.Drain(ctx)
		return st, sent + more, err
	}
	return st, sent, nil
}

// Stop releases everything in reverse order of construction, within the
// configured shutdown timeout. Idempotent.
func (a *App) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout.D())
	defer cancel()
	return a.stop(ctx)
}

func (a *App) stop(ctx context.Context) error {
	a.stopOnce.Do(func() {
		var errs []error
		for i := len(a.closers) - 1; i >= 0; i-- {
			if err := a.closers[i](ctx); err != nil {
				errs = append(errs, err)
			}
		}
		a.stopErr = errors.Join(errs...)
	})
	return a.stopErr
}

// SeedsSourceID is the id of the demo source (config.Demo).
const SeedsSourceID = "seeds"

// sourceSpecs turns configured sources into store specs. In the demo
// (config.Demo: nothing but the console configured) the seeds folder is the
// source: ./seeds when that directory exists (edit it and new files are
// picked up), else the copy embedded in the binary.
func sourceSpecs(cfg *config.Config) ([]store.SourceSpec, map[string]fs.FS, map[string]bool) {
	fsys := map[string]fs.FS{}
	full := map[string]bool{}
	var specs []store.SourceSpec
	for _, s := range cfg.Sources {
		iv := s.Interval.D()
		if iv <= 0 {
			iv = cfg.Poller.DefaultInterval.D()
		}
		sp := store.SourceSpec{ID: s.ID, Kind: s.Kind, URL: s.URL, Interval: iv, Labels: report.NewLabels(s.Labels),
			AlertBacklog: s.AlertBacklog}
		if s.Kind == poller.KindFolder {
			sp.URL = s.Path
		}
		full[s.ID] = s.FullText
		specs = append(specs, sp)
	}
	if cfg.Demo() {
		// The seeds are the demo: what is in them is what a first run shows,
		// so their backlog alerts.
		sp := store.SourceSpec{ID: SeedsSourceID, Kind: poller.KindFolder, URL: "seeds", Interval: 30 * time.Second, AlertBacklog: true}
		if st, err := os.Stat("seeds"); err != nil || !st.IsDir() {
			sp.URL = "embedded:seeds"
			fsys[SeedsSourceID] = seeds.FS
		}
		specs = append(specs, sp)
	}
	return specs, fsys, full
}

// sourceLease is how long a claimed source stays claimed: its fetch
// (bounded by poller.timeout), a full-text fetch as long again, and as much
// again for scoring, second opinions and the commit. A replica that dies
// mid-poll holds its sources that long; a poll that overruns it costs a
// second fetch by another replica, never a second alert (decisions re-read
// what is stored, under the decision lock).
func sourceLease(timeout time.Duration) time.Duration { return 4 * timeout }

// policy maps config onto the incident policy; inhibition rules name
// categories, which are checked with the rule set's vocabulary.
func policy(c config.Alerts, cats vocab.Categories) (alerts.Policy, error) {
	p := alerts.DefaultPolicy()
	if s, err := rules.ParseSeverity(c.MinSeverity); err == nil {
		p.MinSeverity = s
	}
	p.Corroboration = map[rules.Severity]int{}
	for k, v := range c.Corroboration {
		if s, err := rules.ParseSeverity(strings.ToLower(k)); err == nil {
			p.Corroboration[s] = v
		}
	}
	p.GroupWindow = c.GroupWindow.D()
	p.QuietAfter = c.QuietAfter.D()
	p.RepeatInterval = c.RepeatInterval.D()
	p.DupThreshold = c.DupThreshold
	for i, r := range c.InhibitRules {
		rule, err := alerts.InhibitRuleOf(r, cats)
		if err != nil {
			return p, fmt.Errorf("config: alerts.inhibit_rules[%d].%w", i, err)
		}
		p.Inhibit = append(p.Inhibit, rule)
	}
	return p, nil
}

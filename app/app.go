// Package app wires tocsin together and runs it: store, rules, notifiers,
// dispatcher, sources, poller and the HTTP server are built in that order
// and stopped in reverse. Every goroutine it starts is owned by Run and has
// ended when Run returns.
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
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/console"
	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/seeds"
	"github.com/tocsin-alerts/tocsin/store"
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
	cfg     *config.Config
	version string
	log     *slog.Logger
	clock   poller.Clock
	Store   *store.Store
	Rules   *Rules
	Poller  *poller.Poller
	Disp    *poller.Dispatcher
	Reg     *prometheus.Registry
	discord *discord // nil unless discord.token is configured
	// retention is nil when store.retention is 0 (keep everything).
	retention *retention
	ln        net.Listener
	srv       *http.Server
	ready     bool
	readyMu   sync.Mutex

	closers  []func() error
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

	// 1. Store.
	s, err := store.Open(ctx, cfg.Store.DSN, d.Logger)
	if err != nil {
		return nil, err
	}
	a.Store = s
	a.closers = append(a.closers, s.Close)
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

	// 2b. Discord, only with a token: its notifier joins the outbox's, its
	// bot starts in Run and stops before the store closes.
	if cfg.Discord.Enabled() {
		if a.discord, err = newDiscord(cfg.Discord, s, a.Rules, d.Clock.Now, d.Logger); err != nil {
			return nil, err
		}
		a.closers = append(a.closers, func() error { return a.discord.stop(cfg.ShutdownTimeout.D()) })
	}

	// 3. Notifiers and the outbox dispatcher.
	var notifiers []alerts.Notifier
	if cfg.Console.Enabled {
		f, err := console.ParseFormat(cfg.Console.Format)
		if err != nil {
			return nil, err
		}
		notifiers = append(notifiers, console.New(d.Stdout, f))
	}
	notifiers = append(notifiers, d.Notifiers...)
	if a.discord != nil {
		notifiers = append(notifiers, a.discord.notifier)
	}
	ob := cfg.Outbox
	a.Disp, err = poller.NewDispatcher(poller.DispatcherOptions{
		Outbox: s, Notifiers: notifiers, MaxAttempts: ob.MaxAttempts, SendTimeout: ob.SendTimeout.D(),
		Backoff: func(n int) time.Duration { return feed.Backoff(n, ob.RetryBase.D(), ob.RetryMax.D(), rand.Float64) },
		Clock:   d.Clock, Logger: d.Logger, Metrics: metrics,
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
	a.Poller, err = poller.New(poller.Options{
		Store: s, Fetcher: fetcher, Scorer: a.Rules, Summarizer: summarizer{sum},
		Reviewer: newReviewer(cfg.Summary, sum, d.Logger), Policy: policy(cfg.Alerts),
		Notifiers: a.Disp.Names(), Wake: a.Disp.Wake, Workers: pc.Workers, DefaultInterval: pc.DefaultInterval.D(),
		BacklogAge: pc.BacklogAge.D(), MaxReportAge: cfg.Store.Retention.D(), Clock: d.Clock, Logger: d.Logger, Metrics: metrics,
		Backoff: func(n int) time.Duration {
			return feed.Backoff(n, pc.ErrorBackoff.D(), pc.MaxErrorBackoff.D(), rand.Float64)
		},
	})
	if err != nil {
		return nil, err
	}

	// 6. HTTP: listen now so a busy port fails the start, not later.
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
		a.closers = append(a.closers, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout.D())
			defer cancel()
			return a.srv.Shutdown(ctx)
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
// still pending), for cron jobs and tests. With store.retention it also
// prunes: a deployment driven by `tocsin once` has no prune job. A failed
// prune is logged and retried next time; it does not fail the cycle.
func (a *App) Once(ctx context.Context) (poller.TickStats, int, error) {
	st, err := a.Poller.Tick(ctx)
	if err != nil {
		return st, 0, err
	}
	sent, err := a.Disp.Drain(ctx)
	if err == nil && a.retention != nil {
		_, _ = a.retention.prune(ctx)
	}
	return st, sent, err
}

// Run serves until ctx ends, then shuts down within the configured timeout:
// the poller finishes its tick (fetches in flight are abandoned and polled
// again next start), what was recorded is delivered, the HTTP server drains.
func (a *App) Run(ctx context.Context) error {
	if a.discord != nil {
		// Before anything serves: the HTTP interactions endpoint answers
		// through the started bot, and a bad token fails the start loudly.
		if err := a.discord.start(ctx); err != nil {
			a.Stop()
			return err
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	goFn := func(name string, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil && runCtx.Err() == nil {
				a.log.Error("component failed", "name", name, "error", err)
				select {
				case errc <- fmt.Errorf("%s: %w", name, err):
				default:
				}
				cancel()
			}
		}()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	if a.srv != nil {
		goFn("http", func() error {
			if err := a.srv.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		a.log.Info("http listening", "addr", a.Addr())
	}
	dispCtx, stopDisp := context.WithCancel(context.Background())
	dispDone := make(chan struct{})
	go func() { defer close(dispDone); a.Disp.Run(dispCtx) }()
	goFn("rules", func() error { a.Rules.Watch(runCtx, hup, 300*time.Millisecond); return nil })
	if a.retention != nil {
		goFn("retention", func() error { a.retention.run(runCtx); return nil })
	}
	a.setReady(true)
	a.log.Info("tocsin running", "schedule", a.cfg.Poller.Schedule, "rules_version", a.Rules.Version(), "store", a.Store.Dialect(),
		"demo", a.cfg.Demo())
	goFn("poller", func() error { return a.Poller.Run(runCtx, a.cfg.Poller.Schedule) })

	<-runCtx.Done()
	a.setReady(false)
	a.log.Info("shutting down")
	// Stop accepting HTTP; requests in flight (a push being stored) finish
	// before the store can close. httpDone is waited for below.
	httpDone := make(chan struct{})
	if a.srv != nil {
		go func() {
			defer close(httpDone)
			ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout.D())
			defer cancel()
			if err := a.srv.Shutdown(ctx); err != nil {
				a.log.Warn("http shutdown", "error", err)
			}
		}()
	} else {
		close(httpDone)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); <-httpDone; close(done) }()
	timeout := time.NewTimer(a.cfg.ShutdownTimeout.D())
	defer timeout.Stop()
	select {
	case <-done:
	case <-timeout.C:
		a.log.Warn("shutdown timeout: components still running", "timeout", a.cfg.ShutdownTimeout.D())
	}
	// The poller is stopped: deliver what it recorded, then stop the
	// dispatcher. Anything not sent in time stays pending in the outbox.
	stopDisp()
	<-dispDone
	drainCtx, cancelDrain := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout.D())
	if _, err := a.Disp.Drain(drainCtx); err != nil {
		a.log.Warn("final delivery incomplete; pending alerts go out at next start", "error", err)
	}
	cancelDrain()
	err := a.Stop()
	select {
	case e := <-errc:
		return e
	default:
	}
	return err
}

// Stop releases everything in reverse order of construction. Idempotent.
func (a *App) Stop() error {
	a.stopOnce.Do(func() {
		var errs []error
		for i := len(a.closers) - 1; i >= 0; i-- {
			if err := a.closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		a.stopErr = errors.Join(errs...)
	})
	return a.stopErr
}

func (a *App) setReady(v bool) {
	a.readyMu.Lock()
	a.ready = v
	a.readyMu.Unlock()
}

func (a *App) isReady() bool {
	a.readyMu.Lock()
	defer a.readyMu.Unlock()
	return a.ready
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
		sp := store.SourceSpec{ID: s.ID, Kind: s.Kind, URL: s.URL, Interval: iv, Labels: report.NewLabels(s.Labels)}
		if s.Kind == poller.KindFolder {
			sp.URL = s.Path
		}
		full[s.ID] = s.FullText
		specs = append(specs, sp)
	}
	if cfg.Demo() {
		sp := store.SourceSpec{ID: SeedsSourceID, Kind: poller.KindFolder, URL: "seeds", Interval: 30 * time.Second}
		if st, err := os.Stat("seeds"); err != nil || !st.IsDir() {
			sp.URL = "embedded:seeds"
			fsys[SeedsSourceID] = seeds.FS
		}
		specs = append(specs, sp)
	}
	return specs, fsys, full
}

func policy(c config.Alerts) alerts.Policy {
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
	return p
}

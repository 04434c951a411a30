// Package poller is tocsin's engine room: a cron tick selects the sources
// that are due, a bounded pool fetches them, new and changed reports are
// scored, incidents are decided and their events recorded in the outbox in
// the same transaction; a Dispatcher then delivers the outbox to notifiers.
//
// Time comes from an injected Clock so that tests drive polling, backoff,
// backlog and quiet-expiry without sleeping.
package poller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
)

// Scorer is the live rule set (swapped atomically on reload by its owner).
type Scorer interface {
	Score(report.Report) rules.Result
	Version() string
}

// Summarizer writes the summary of an alerting report. It is called in the
// fetching worker, before the commit lock, with an incident built from the
// report's own verdict, so that a slow model never holds up other workers'
// commits. Without one, the summary is the first evidence sentence.
type Summarizer interface {
	Summarize(ctx context.Context, inc alerts.Incident, r report.Report) string
}

// Reviewer may revise a verdict before it is stored, for example with a
// model's second opinion on a borderline score. It runs in the fetching
// worker, outside the commit lock, and must return within its own budget.
// Its policy may veto an alert; it must not create one without evidence.
type Reviewer interface {
	Review(ctx context.Context, r report.Report, res rules.Result) rules.Result
}

// Store is what the poller needs from the store.
type Store interface {
	DueSources(ctx context.Context, now time.Time, limit int) ([]store.Source, error)
	RecordFetch(ctx context.Context, id string, o store.FetchOutcome) error
	Known(ctx context.Context, identities []string) (map[string]string, error)
	OpenIncidents(ctx context.Context) ([]alerts.Incident, error)
	ActiveSilences(ctx context.Context, now time.Time) ([]alerts.Silence, error)
	Apply(ctx context.Context, b store.Batch) error
}

// Options configure a Poller. Store, Fetcher and Scorer are required.
type Options struct {
	Store   Store
	Fetcher Fetcher
	Scorer  Scorer
	// Summarizer is optional (see Summarizer).
	Summarizer Summarizer
	// Reviewer is optional (see Reviewer).
	Reviewer Reviewer
	Policy   alerts.Policy
	// Notifiers names the notifiers each event is recorded for.
	Notifiers []string
	// Wake is called after a commit recorded events (Dispatcher.Wake).
	Wake func()
	// Workers bounds concurrent fetches (default 8).
	Workers int
	// MaxDue bounds the sources taken per tick (default 10000).
	MaxDue int
	// DefaultInterval applies to sources stored without one (default 5m).
	DefaultInterval time.Duration
	// BacklogAge: on a source's first poll, items published longer ago than
	// this are stored and scored but raise no alert (default 24h).
	BacklogAge time.Duration
	// MaxReportAge: items published longer ago than this never alert, on
	// any poll: the store keeps nothing older (store.retention), so an old
	// item a feed still carries after its record was pruned is no news.
	// Zero turns the check off.
	MaxReportAge time.Duration
	// Backoff gives the delay after n consecutive failures (feed.Backoff).
	Backoff func(streak int) time.Duration
	Clock   Clock
	Logger  *slog.Logger
	Metrics *Metrics
}

// Poller polls sources and turns new reports into recorded events.
type Poller struct {
	o      Options
	log    *slog.Logger
	tickMu sync.Mutex
	// commitMu serialises decide+commit: incident decisions read the open
	// incidents and must see every earlier commit.
	commitMu sync.Mutex
}

// New checks o and returns a Poller.
func New(o Options) (*Poller, error) {
	if o.Store == nil || o.Fetcher == nil || o.Scorer == nil {
		return nil, errors.New("poller: Store, Fetcher and Scorer are required")
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.MaxDue <= 0 {
		o.MaxDue = 10000
	}
	if o.DefaultInterval <= 0 {
		o.DefaultInterval = 5 * time.Minute
	}
	if o.BacklogAge <= 0 {
		o.BacklogAge = 24 * time.Hour
	}
	if o.Backoff == nil {
		return nil, errors.New("poller: Backoff is required (feed.Backoff)")
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Wake == nil {
		o.Wake = func() {}
	}
	return &Poller{o: o, log: o.Logger.With("component", "poller")}, nil
}

// TickStats summarises one tick.
type TickStats struct {
	Sources  int // sources polled
	Failed   int // of which failed
	Scored   int // reports scored (new or changed)
	Events   int // events recorded in the outbox
	Resolved int // incidents resolved by quiet expiry
	Skipped  bool
}

// Tick runs one cycle: expire quiet incidents, then poll every due source
// with at most Workers fetches at a time, and wait for all of them. A tick
// that starts while another runs is skipped. Fetch failures are recorded on
// their source, not returned; the error is for store failures.
func (p *Poller) Tick(ctx context.Context) (TickStats, error) {
	if !p.tickMu.TryLock() {
		return TickStats{Skipped: true}, nil
	}
	defer p.tickMu.Unlock()
	start := time.Now()
	now := p.o.Clock.Now()
	var st TickStats
	n, err := p.expire(ctx, now)
	st.Resolved = n
	if err != nil {
		return st, err
	}
	due, err := p.o.Store.DueSources(ctx, now, p.o.MaxDue)
	if err != nil {
		return st, fmt.Errorf("tick: %w", err)
	}
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		sem   = make(chan struct{}, p.o.Workers)
		first error
	)
	for _, src := range due {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return st, ctx.Err()
		}
		wg.Add(1)
		go func(src store.Source) {
			defer wg.Done()
			defer func() { <-sem }()
			ps, err := p.poll(ctx, src)
			mu.Lock()
			defer mu.Unlock()
			st.Sources++
			st.Scored += ps.scored
			st.Events += ps.events
			if ps.failed {
				st.Failed++
			}
			if err != nil && first == nil {
				first = err
			}
		}(src)
	}
	wg.Wait()
	p.o.Metrics.tick(time.Since(start))
	if st.Sources > 0 {
		p.log.Debug("tick", "sources", st.Sources, "failed", st.Failed, "scored", st.Scored, "events", st.Events,
			"duration", time.Since(start))
	}
	return st, first
}

// Run drives Tick from cron with the given seconds-precision spec (e.g.
// "@every 1s" or "*/5 * * * * *") until ctx ends, then waits for the running
// tick. The first tick runs at once.
func (p *Poller) Run(ctx context.Context, spec string) error {
	cl := cronLogger{p.log}
	c := cron.New(cron.WithSeconds(), cron.WithLogger(cl),
		cron.WithChain(cron.SkipIfStillRunning(cl), cron.Recover(cl)))
	job := func() {
		if ctx.Err() != nil {
			return
		}
		if _, err := p.Tick(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("tick failed", "error", err)
		}
	}
	if _, err := c.AddFunc(spec, job); err != nil {
		return fmt.Errorf("poller schedule %q: %w", spec, err)
	}
	// The first tick runs now, so a fresh start alerts within seconds; Tick
	// itself refuses to overlap with a cron-started one.
	cron.NewChain(cron.Recover(cl)).Then(cron.FuncJob(job)).Run()
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	return nil
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "error", err)...)
}

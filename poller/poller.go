// Package poller is tocsin's engine room: each source is fetched when it is
// due, by a bounded pool, without waiting for any other source; new and
// changed reports are scored, the incident plan (alerts.PlanReports) is
// computed and stored with its events in the outbox in one transaction. The
// delivery stage (package delivery) then sends the outbox.
//
// An alert is recorded and sent with its extractive summary at once; a
// model's summary, when one is configured and answers within its budget,
// follows as a quiet "summarized" event (enrich.go).
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

// Summarizer writes incident summaries in two speeds. Extract is the
// extractive summary an alert is recorded and sent with: no model, no I/O,
// called in the fetching worker. Summarize asks a model within its own
// budget, after the alert went out; ok is false when no model text came
// (no model, a failure, the budget ran out), and the extractive one stands.
type Summarizer interface {
	Extract(inc alerts.Incident, r report.Report) string
	Summarize(ctx context.Context, inc alerts.Incident, r report.Report) (text string, ok bool)
}

// Reviewer may revise a verdict before it is stored, for example with a
// model's second opinion on a borderline score. It runs in the fetching
// worker, outside the commit lock, and must return within its own budget.
// Its policy may veto an alert; it must not create one without evidence.
type Reviewer interface {
	Review(ctx context.Context, r report.Report, res rules.Result) rules.Result
}

// SourceClaims is how the scheduler takes due sources (store.ClaimSources).
type SourceClaims interface {
	ClaimSources(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.Source, error)
	ReleaseSource(ctx context.Context, id string) error
	NextCheck(ctx context.Context) (time.Time, error)
}

// FetchRecorder records a poll that brought nothing to commit (a failure).
type FetchRecorder interface {
	RecordFetch(ctx context.Context, id string, o store.FetchOutcome) error
}

// Ledger is what the incident decisions read and write.
type Ledger interface {
	// Known returns the stored content hash of each known identity.
	Known(ctx context.Context, identities []string) (map[string]string, error)
	// Apply stores a batch in one transaction (a poll's outcome, when it
	// brought nothing to decide).
	Apply(ctx context.Context, b store.Batch) error
	// Decide runs fn under the store's decision lock, on the state as of
	// that moment, and stores the batch it returns in the same
	// transaction: decisions are serialised across replicas (see
	// store.Decide).
	Decide(ctx context.Context, fn func(st store.DecisionState) (store.Batch, error)) error
}

// IncidentState is the rest of the state a plan starts from.
type IncidentState interface {
	ActiveSilences(ctx context.Context, now time.Time) ([]alerts.Silence, error)
}

// Store is what the poller needs from the store.
type Store interface {
	SourceClaims
	FetchRecorder
	Ledger
	IncidentState
}

// Options configure a Poller. Store, Fetcher and Scorer are required.
type Options struct {
	Store   Store
	Fetcher Fetcher
	Scorer  Scorer
	// Summarizer is optional: without one the summary is the first
	// evidence sentence and nothing follows.
	Summarizer Summarizer
	// Reviewer is optional (see Reviewer).
	Reviewer Reviewer
	Policy   alerts.Policy
	// Notifiers names the notifiers each event is recorded for.
	Notifiers []string
	// Wake is called after a commit recorded events (the delivery stage's
	// Wake).
	Wake func()
	// Workers bounds concurrent polls (default 8).
	Workers int
	// MaxDue bounds the sources Tick takes at once (default 10000).
	MaxDue int
	// DefaultInterval applies to sources stored without one (default 5m).
	DefaultInterval time.Duration
	// BacklogAge: on a source's first poll, items published longer ago
	// than this, and items with no date at all, are stored and scored but
	// raise no alert (default 24h). Sources with AlertBacklog are exempt.
	BacklogAge time.Duration
	// MaxReportAge: items published longer ago than this never alert, on
	// any poll: the store keeps nothing older (store.retention), so an old
	// item a feed still carries after its record was pruned is no news.
	// Zero turns the check off.
	MaxReportAge time.Duration
	// Lease is how long a claimed source stays claimed (default 5m); it
	// must exceed the longest fetch, which the fetcher's timeout bounds.
	Lease time.Duration
	// Backoff gives the delay after n consecutive failures (feed.Backoff).
	Backoff func(streak int) time.Duration
	// Leader reports whether this process runs the singletons, here the
	// quiet-expiry sweep of Run's cron tick (nil: always; replicas pass
	// their leader election's answer). Tick sweeps regardless: it is the
	// one-shot cycle of a process that owns its store.
	Leader func() bool
	// EnrichWorkers bounds concurrent model summaries (default 2), and
	// EnrichQueue the summaries waiting (default 256; beyond it, alerts
	// keep their extractive summary).
	EnrichWorkers int
	EnrichQueue   int
	Clock         Clock
	Logger        *slog.Logger
	Metrics       *Metrics
}

// Poller polls sources and turns new reports into recorded events.
type Poller struct {
	o   Options
	log *slog.Logger
	// commitMu serialises this process's decisions before they queue for
	// the store's decision lock (which serialises them across replicas):
	// one pool connection waits for that lock, not one per worker.
	commitMu sync.Mutex
	tickMu   sync.Mutex
	// kick wakes the scheduler (a cron tick, a source that became due).
	kick chan struct{}
	// enrich holds the events waiting for a model summary.
	enrich chan enrichJob
}

// New checks o and returns a Poller.
func New(o Options) (*Poller, error) {
	if o.Store == nil || o.Fetcher == nil || o.Scorer == nil {
		return nil, errors.New("poller: Store, Fetcher and Scorer are required")
	}
	if o.Backoff == nil {
		return nil, errors.New("poller: Backoff is required (feed.Backoff)")
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Workers, 8)
	def(&o.MaxDue, 10000)
	def(&o.EnrichWorkers, 2)
	def(&o.EnrichQueue, 256)
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur(&o.DefaultInterval, 5*time.Minute)
	defDur(&o.BacklogAge, 24*time.Hour)
	defDur(&o.Lease, 5*time.Minute)
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Wake == nil {
		o.Wake = func() {}
	}
	if o.Leader == nil {
		o.Leader = func() bool { return true }
	}
	return &Poller{o: o, log: o.Logger.With("component", "poller"), kick: make(chan struct{}, 1),
		enrich: make(chan enrichJob, o.EnrichQueue)}, nil
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

// Tick runs one whole cycle and waits for it: expire quiet incidents, then
// claim every due source and poll them with at most Workers at a time. It is
// `tocsin once` and the tests' step; the service runs Run instead, where no
// source ever waits for another. Fetch failures are recorded on their
// source, not returned; the error is for store failures.
func (p *Poller) Tick(ctx context.Context) (TickStats, error) {
	if !p.tickMu.TryLock() {
		return TickStats{Skipped: true}, nil
	}
	defer p.tickMu.Unlock()
	var st TickStats
	n, err := p.expire(ctx, p.o.Clock.Now())
	st.Resolved = n
	if err != nil {
		return st, err
	}
	due, err := p.o.Store.ClaimSources(ctx, p.o.Clock.Now(), p.o.MaxDue, p.o.Lease)
	if err != nil {
		return st, fmt.Errorf("tick: %w", err)
	}
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		sem   = make(chan struct{}, p.o.Workers)
		first error
	)
	for i, src := range due {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			p.releaseAll(ctx, due[i:])
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
	return st, first
}

// Run polls until ctx ends: the scheduler starts each source when it is
// due, the cron tick with the given seconds-precision spec (e.g. "@every
// 1s") wakes the scheduler and, on the leader (Options.Leader), resolves
// quiet incidents, and the enrichment workers write model summaries. It returns when all of them have stopped;
// polls in flight are cut by ctx and their sources released.
func (p *Poller) Run(ctx context.Context, spec string) error {
	cl := cronLogger{p.log}
	c := cron.New(cron.WithSeconds(), cron.WithLogger(cl),
		cron.WithChain(cron.SkipIfStillRunning(cl), cron.Recover(cl)))
	job := func() {
		if ctx.Err() != nil {
			return
		}
		if !p.o.Leader() {
			p.Kick()
			return
		}
		if _, err := p.expire(ctx, p.o.Clock.Now()); err != nil && ctx.Err() == nil {
			p.log.Error("quiet-expiry sweep failed", "error", err)
		}
		p.Kick()
	}
	if _, err := c.AddFunc(spec, job); err != nil {
		return fmt.Errorf("poller schedule %q: %w", spec, err)
	}
	var wg sync.WaitGroup
	wg.Add(1 + p.o.EnrichWorkers)
	go func() { defer wg.Done(); p.schedule(ctx) }()
	for range p.o.EnrichWorkers {
		go func() { defer wg.Done(); p.enrichLoop(ctx) }()
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	wg.Wait()
	return nil
}

// Kick makes the scheduler look for due sources now. It never blocks.
func (p *Poller) Kick() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "error", err)...)
}

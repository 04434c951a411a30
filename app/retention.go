package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/tocsin-alerts/tocsin/store"
)

// pruneParser reads store.prune_schedule: five fields ("0 3 * * *"), six
// with seconds like poller.schedule, or a descriptor ("@every 1h").
var pruneParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// prunable is what the prune job needs from the store.
type prunable interface {
	Prune(ctx context.Context, before time.Time) (store.PruneResult, error)
}

// retention deletes what store.retention no longer keeps, on
// store.prune_schedule, and counts it in tocsin_store_pruned_total.
type retention struct {
	store    prunable
	keep     time.Duration
	schedule cron.Schedule
	spec     string
	now      func() time.Time
	log      *slog.Logger

	pruned      *prometheus.CounterVec
	runs        *prometheus.CounterVec
	duration    prometheus.Gauge
	lastSuccess prometheus.Gauge
}

func newRetention(s prunable, keep time.Duration, spec string, now func() time.Time, reg prometheus.Registerer, log *slog.Logger) (*retention, error) {
	sched, err := pruneParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("store.prune_schedule %q: %w", spec, err)
	}
	r := &retention{store: s, keep: keep, schedule: sched, spec: spec, now: now, log: log.With("component", "retention"),
		pruned: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_store_pruned_total",
			Help: "Rows deleted by retention (store.retention), by kind: incidents, reports, outbox, silences."}, []string{"kind"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_store_prune_runs_total",
			Help: "Prune job runs, by result (ok, error)."}, []string{"result"}),
		duration: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tocsin_store_prune_duration_seconds",
			Help: "How long the last prune took."}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tocsin_store_prune_last_success_timestamp_seconds",
			Help: "When the last prune finished without error (Unix time)."}),
	}
	for _, c := range []prometheus.Collector{r.pruned, r.runs, r.duration, r.lastSuccess} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("retention metrics: %w", err)
		}
	}
	for _, k := range []string{"incidents", "reports", "outbox", "silences"} {
		r.pruned.WithLabelValues(k)
	}
	r.runs.WithLabelValues("ok")
	r.runs.WithLabelValues("error")
	return r, nil
}

// prune runs once: everything older than now - store.retention goes.
func (r *retention) prune(ctx context.Context) (store.PruneResult, error) {
	start := time.Now()
	before := r.now().Add(-r.keep)
	res, err := r.store.Prune(ctx, before)
	r.duration.Set(time.Since(start).Seconds())
	for k, n := range map[string]int64{"incidents": res.Incidents, "reports": res.Reports, "outbox": res.Outbox, "silences": res.Silences} {
		r.pruned.WithLabelValues(k).Add(float64(n))
	}
	if err != nil {
		r.runs.WithLabelValues("error").Inc()
		r.log.Error("prune failed; retried at the next run", "before", before, "error", err)
		return res, err
	}
	r.runs.WithLabelValues("ok").Inc()
	r.lastSuccess.Set(float64(r.now().Unix()))
	r.log.Info("pruned", "before", before, "incidents", res.Incidents, "reports", res.Reports,
		"outbox", res.Outbox, "silences", res.Silences, "took", time.Since(start).Round(time.Millisecond))
	return res, nil
}

// run prunes on the schedule until ctx ends; a prune in progress stops
// between batches and run returns once it has.
func (r *retention) run(ctx context.Context) {
	l := cronLog{r.log}
	c := cron.New(cron.WithParser(pruneParser), cron.WithLogger(l),
		cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)))
	c.Schedule(r.schedule, cron.FuncJob(func() { _, _ = r.prune(ctx) }))
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
}

// cronLog adapts slog to cron's logger.
type cronLog struct{ l *slog.Logger }

func (c cronLog) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLog) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "error", err)...)
}

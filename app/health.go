package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-alerts/tocsin/poller"
)

// healthStore is what readiness reads from the store.
type healthStore interface {
	// Probe writes a heartbeat: a store that answers reads but takes no
	// writes (read-only, locked, full) records nothing and is not ready.
	Probe(ctx context.Context, at time.Time) error
	OldestPending(ctx context.Context, notifiers []string) (time.Time, error)
	OutboxDepth(ctx context.Context) (map[string]int, error)
}

// healthInterval is how often the health metrics are refreshed between
// /readyz requests.
const healthInterval = 10 * time.Second

// health decides readiness: the store takes writes, and the outbox moves
// (no alert of a configured notifier has waited longer than stuckAfter).
// /readyz checks it live; run refreshes the metrics in between, so an alert
// on tocsin_ready or tocsin_store_writable fires without anyone asking.
type health struct {
	s          healthStore
	notifiers  []string
	stuckAfter time.Duration
	clock      poller.Clock
	log        *slog.Logger

	mu       sync.Mutex
	problems []string

	ready, writable, oldest prometheus.Gauge
	depth                   *prometheus.GaugeVec
}

func newHealth(s healthStore, notifiers []string, stuckAfter time.Duration, clock poller.Clock, reg prometheus.Registerer, logger *slog.Logger) (*health, error) {
	h := &health{s: s, notifiers: notifiers, stuckAfter: stuckAfter, clock: clock, log: logger.With("component", "health"),
		ready: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tocsin_ready",
			Help: "1 when the store takes writes and the outbox moves (what /readyz says), else 0."}),
		writable: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tocsin_store_writable",
			Help: "1 when the last write probe of the store succeeded, else 0."}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tocsin_outbox_oldest_pending_seconds",
			Help: "Age of the oldest alert still waiting for a configured notifier (0 when none)."}),
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tocsin_outbox_depth",
			Help: "Outbox rows by state."}, []string{"state"}),
	}
	for _, c := range []prometheus.Collector{h.ready, h.writable, h.oldest, h.depth} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("health metrics: %w", err)
		}
	}
	return h, nil
}

// check probes the store and the outbox, updates the metrics and returns
// the problems found (none: ready).
func (h *health) check(ctx context.Context) []string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	now := h.clock.Now()
	var problems []string
	if err := h.s.Probe(ctx, now); err != nil {
		problems = append(problems, "store takes no writes")
		h.writable.Set(0)
		h.log.Warn("store write probe failed", "error", err)
	} else {
		h.writable.Set(1)
	}
	oldest, err := h.s.OldestPending(ctx, h.notifiers)
	switch {
	case err != nil:
		problems = append(problems, "outbox unreadable")
	case oldest.IsZero():
		h.oldest.Set(0)
	default:
		age := max(now.Sub(oldest), 0)
		h.oldest.Set(age.Seconds())
		if h.stuckAfter > 0 && age > h.stuckAfter {
			problems = append(problems, fmt.Sprintf("outbox stuck: an alert has waited %s", age.Round(time.Second)))
		}
	}
	if depth, err := h.s.OutboxDepth(ctx); err == nil {
		for st, n := range depth {
			h.depth.WithLabelValues(st).Set(float64(n))
		}
	}
	if len(problems) == 0 {
		h.ready.Set(1)
	} else {
		h.ready.Set(0)
	}
	h.mu.Lock()
	changed := fmt.Sprint(problems) != fmt.Sprint(h.problems)
	h.problems = problems
	h.mu.Unlock()
	if changed {
		if len(problems) == 0 {
			h.log.Info("ready again")
		} else {
			h.log.Warn("not ready", "problems", problems)
		}
	}
	return problems
}

// run refreshes the health metrics until ctx ends.
func (h *health) run(ctx context.Context) {
	t := time.NewTicker(healthInterval)
	defer t.Stop()
	for {
		h.check(ctx)
		select {
		case <-ctx.Done():
			h.ready.Set(0)
			return
		case <-t.C:
		}
	}
}

package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/store"
)

// replica is this process as one of the replicas sharing a store: its
// identity (replica.id), its leader election, and what /status and
// /metrics show of both.
type replica struct {
	id      string
	s       *store.Store
	elector *store.Elector
	clock   poller.Clock
	log     *slog.Logger

	mu   sync.Mutex
	held store.Holding

	heldSources, heldOutbox prometheus.Gauge
}

func newReplica(s *store.Store, id string, check time.Duration, clock poller.Clock, reg prometheus.Registerer, logger *slog.Logger) (*replica, error) {
	r := &replica{id: id, s: s, clock: clock, log: logger.With("component", "replica"),
		elector: s.NewElector(store.ElectorOptions{Interval: check, Logger: logger}),
		heldSources: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tocsin_replica_claimed_sources",
			Help: "Sources this replica has claimed and is polling now."}),
		heldOutbox: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tocsin_replica_outbox_leases",
			Help: "Outbox rows this replica has claimed and is sending now."}),
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{Name: "tocsin_replica_info",
		Help: "Always 1; labels name this replica and its store's dialect.", ConstLabels: prometheus.Labels{"replica": id, "store": s.Dialect()}})
	info.Set(1)
	leader := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tocsin_leader",
		Help: "1 while this replica is the leader (runs the quiet sweep, retention, Discord's gateway), else 0."},
		func() float64 {
			if r.elector.IsLeader() {
				return 1
			}
			return 0
		})
	changes := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "tocsin_leader_changes_total",
		Help: "Times this replica took or lost the lead."}, func() float64 { return float64(r.elector.Changes()) })
	for _, c := range []prometheus.Collector{info, leader, changes, r.heldSources, r.heldOutbox} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("replica metrics: %w", err)
		}
	}
	return r, nil
}

// refresh reads what this replica holds now and updates the metrics.
func (r *replica) refresh(ctx context.Context) (store.Holding, error) {
	all, err := r.s.Holdings(ctx, r.clock.Now())
	if err != nil {
		return store.Holding{}, err
	}
	h := all[r.id]
	if h.Sources == nil {
		h.Sources = []string{}
	}
	r.heldSources.Set(float64(len(h.Sources)))
	r.heldOutbox.Set(float64(h.OutboxLeases))
	r.mu.Lock()
	r.held = h
	r.mu.Unlock()
	return h, nil
}

// run refreshes the metrics every healthInterval until ctx ends.
func (r *replica) run(ctx context.Context) {
	t := time.NewTicker(healthInterval)
	defer t.Stop()
	for {
		if _, err := r.refresh(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("reading this replica's claims failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ReplicaStatus is this replica as /status shows it.
type ReplicaStatus struct {
	ID          string        `json:"id"`
	Leader      bool          `json:"leader"`
	LeaderSince time.Time     `json:"leader_since,omitzero"`
	Holds       store.Holding `json:"holds"`
}

func (r *replica) status(ctx context.Context) ReplicaStatus {
	h, err := r.refresh(ctx)
	if err != nil {
		r.mu.Lock()
		h = r.held
		r.mu.Unlock()
	}
	return ReplicaStatus{ID: r.id, Leader: r.elector.IsLeader(), LeaderSince: r.elector.LeaderSince(), Holds: h}
}

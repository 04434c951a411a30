package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/poller"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/route"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/rules/geo"
	"github.com/tocsin-alerts/tocsin/rules/prior"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// Meta names under which rules state is kept in the store for `tocsin status`.
const (
	MetaRulesVersion = "rules_version"
	MetaRulesReload  = "rules_reload"
)

// metaStore records service facts for status.
type metaStore interface {
	SetMeta(ctx context.Context, name, value string, at time.Time) error
}

// ReloadStatus is the outcome of the last rules load.
type ReloadStatus struct {
	At      time.Time
	OK      bool
	Err     string
	Version string
}

// Rules is the live rule set: scoring reads it through an atomic pointer,
// reloads parse+validate+compile a new set and swap it in, and a bad edit
// keeps the old set live and is reported (log, status, metrics).
type Rules struct {
	cur atomic.Pointer[rules.Set]
	dir string
	// gaz is built once and shared by every load: building it costs tens
	// of milliseconds and it never changes.
	gaz    *geo.Gazetteer
	opts   []rules.Option
	log    *slog.Logger
	meta   metaStore
	now    func() time.Time
	mu     sync.Mutex
	last   ReloadStatus
	result *prometheus.CounterVec
	ok     prometheus.Gauge
	// guards check a new rule set against what depends on it (the
	// configured routes' categories) before it goes live.
	guards []func(*rules.Set) error
}

var _ poller.Scorer = (*Rules)(nil)

// NewRules loads the rule set from dir (or the built-in one when dir is
// empty). A broken rule directory at start is an error: there is no old set
// to keep.
//
// opts apply to every load (the learned prior and its threshold: the model
// is decoded once and shared across reloads, like the gazetteer).
func NewRules(dir string, meta metaStore, reg prometheus.Registerer, logger *slog.Logger, opts ...rules.Option) (*Rules, error) {
	r := &Rules{dir: dir, meta: meta, now: time.Now, log: logger.With("component", "rules"), opts: opts,
		result: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_rules_reload_total",
			Help: "Rule set loads by result (ok, error)."}, []string{"result"}),
		ok: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tocsin_rules_last_reload_success",
			Help: "1 if the last rules reload succeeded, 0 if it failed and the previous rules are still live."}),
	}
	g, err := geo.New()
	if err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	r.gaz = g
	if reg != nil {
		for _, c := range []prometheus.Collector{r.result, r.ok} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	set, err := r.load()
	if err != nil {
		return nil, err
	}
	r.cur.Store(set)
	r.record(context.Background(), ReloadStatus{At: r.now(), OK: true, Version: set.Version()})
	return r, nil
}

func (r *Rules) load() (*rules.Set, error) {
	opts := append([]rules.Option{rules.WithGazetteer(r.gaz)}, r.opts...)
	if r.dir == "" {
		return rules.Default(opts...)
	}
	return rules.LoadDir(r.dir, opts...)
}

// Score scores with the live set.
func (r *Rules) Score(rep report.Report) rules.Result { return r.cur.Load().Score(rep) }

// Version is the live set's version.
func (r *Rules) Version() string { return r.cur.Load().Version() }

// Last returns the outcome of the last load.
func (r *Rules) Last() ReloadStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// Guard adds a check a new rule set must pass before it goes live; a set
// that fails it is refused like an invalid one. Guards are added while the
// app is built, before anything reloads.
func (r *Rules) Guard(fn func(*rules.Set) error) { r.guards = append(r.guards, fn) }

// Categories is the live set's category vocabulary.
func (r *Rules) Categories() vocab.Categories { return r.cur.Load().Categories() }

// Reload loads the rules again and swaps them in if they are valid.
func (r *Rules) Reload(ctx context.Context) error {
	set, err := r.load()
	for _, g := range r.guards {
		if err != nil {
			break
		}
		if gerr := g(set); gerr != nil {
			err = fmt.Errorf("the new rules break the config: %w", gerr)
		}
	}
	if err != nil {
		r.log.Error("rules reload failed; previous rules stay live", "dir", r.dir, "error", err, "live_version", r.Version())
		r.record(ctx, ReloadStatus{At: r.now(), OK: false, Err: err.Error(), Version: r.Version()})
		return err
	}
	old := r.cur.Swap(set)
	if old.Version() == set.Version() {
		r.log.Debug("rules reloaded, unchanged", "dir", r.dir, "version", set.Version())
	} else {
		r.log.Info("rules reloaded", "dir", r.dir, "version", set.Version(), "previous_version", old.Version())
	}
	r.record(ctx, ReloadStatus{At: r.now(), OK: true, Version: set.Version()})
	return nil
}

func (r *Rules) record(ctx context.Context, st ReloadStatus) {
	r.mu.Lock()
	r.last = st
	r.mu.Unlock()
	res := "ok"
	if !st.OK {
		res = "error"
		r.ok.Set(0)
	} else {
		r.ok.Set(1)
	}
	r.result.WithLabelValues(res).Inc()
	if r.meta != nil {
		val := "ok"
		if !st.OK {
			val = "error: " + st.Err
		}
		if err := r.meta.SetMeta(ctx, MetaRulesVersion, st.Version, st.At); err != nil {
			r.log.Warn("record rules version", "error", err)
		}
		if err := r.meta.SetMeta(ctx, MetaRulesReload, val, st.At); err != nil {
			r.log.Warn("record rules reload", "error", err)
		}
	}
}

// Gazetteer is the place gazetteer the rules use (shared with, e.g., the
// Discord place autocomplete).
func (r *Rules) Gazetteer() *geo.Gazetteer { return r.gaz }

// Set is the live rule set (for listings such as Discord's /rules).
func (r *Rules) Set() *rules.Set { return r.cur.Load() }

// priorOption turns the config's prior section into the rule-set option:
// the built-in model, decoded once, at the configured threshold, or none.
func priorOption(c config.Prior) (rules.Option, error) {
	if !c.Enabled {
		return rules.WithPrior(nil, 0), nil
	}
	m, err := prior.Builtin()
	if err != nil {
		return nil, fmt.Errorf("rules.prior: %w", err)
	}
	return rules.WithPrior(m, c.Threshold), nil
}

// guardRoutes checks every configured route's categories (Discord's, each
// notifier's, both sides of each inhibition rule: config.Routes) with the
// live rule set, and refuses any later rule set that does not declare them
// all: a rules edit that drops or misspells a category a route names would
// make the route match nothing, silently. The error names each route's
// field and the category meant; on a reload the old rules stay live.
func guardRoutes(cfg *config.Config, r *Rules) error {
	routes := cfg.Routes()
	check := func(set *rules.Set) error {
		var errs config.Errors
		for _, p := range route.UnknownCategories(routes, set.Categories()) {
			errs.Add(p.Field, "%s", p.Msg)
		}
		return errs.Err()
	}
	if err := check(r.Set()); err != nil {
		return fmt.Errorf("config: the rules do not declare every category a route names: %w", err)
	}
	r.Guard(check)
	return nil
}

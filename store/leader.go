package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// ElectorOptions configure an Elector.
type ElectorOptions struct {
	// Interval is how often a candidate tries to take the lead and the
	// leader checks that it still holds it (default 1s). It bounds
	// failover: a leader that dies is replaced within about one Interval
	// (PostgreSQL ends a dead client's session, and its lock, when the
	// socket closes); a leader whose connection breaks stops leading
	// within two.
	Interval time.Duration
	Logger   *slog.Logger
}

// Elector elects one leader among the processes sharing a store: the one
// holding a session-level advisory lock (pg_try_advisory_lock) on a
// connection of its own, outside the store's pool, so that nothing else
// ever runs on it and the lock lives exactly as long as that session. On
// SQLite, where the store serves one process, that process leads.
//
// Leading is for singletons that must not run on every replica (quiet
// sweeps, retention, Discord's gateway and command registration). They are
// built to tolerate a brief overlap all the same: at the moment a leader's
// connection is cut, the database has already freed the lock while the old
// leader learns of it at its next check.
type Elector struct {
	s        *Store
	interval time.Duration
	log      *slog.Logger

	leader  atomic.Bool
	changes atomic.Int64
	mu      sync.Mutex
	since   time.Time
	pid     uint32 // backend pid of the election connection (PostgreSQL)
}

// NewElector returns an elector for the store; Run campaigns.
func (s *Store) NewElector(o ElectorOptions) *Elector {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Logger == nil {
		o.Logger = s.logger
	}
	return &Elector{s: s, interval: o.Interval, log: o.Logger.With("component", "leader", "replica", s.holder)}
}

// IsLeader reports whether this process leads now.
func (e *Elector) IsLeader() bool { return e.leader.Load() }

// LeaderSince is when this process became leader (zero when it is not).
func (e *Elector) LeaderSince() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.since
}

// Changes counts the times this process took or lost the lead.
func (e *Elector) Changes() int64 { return e.changes.Load() }

// Run campaigns until ctx ends. Each time this process becomes leader it
// calls lead with a context that ends when the lead is lost (or ctx
// ends), and waits for lead to return before it campaigns again, so one
// term's singletons have stopped before the next term starts. On return
// the lock is released, and another replica takes over at its next try.
func (e *Elector) Run(ctx context.Context, lead func(ctx context.Context)) {
	if e.s.Dialect() != "postgres" {
		e.term(ctx, lead, func(context.Context) error { <-ctx.Done(); return ctx.Err() })
		return
	}
	for ctx.Err() == nil {
		conn, err := e.connect(ctx)
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("leader election: cannot reach the store; retrying", "error", err, "retry_in", e.interval)
			}
			sleepCtx(ctx, e.interval)
			continue
		}
		e.campaign(ctx, conn, lead)
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.interval)
		conn.Close(closeCtx) // ends the session: a lock still held goes with it
		cancel()
	}
}

// connect opens the election connection. Its server side is told to probe
// the socket (TCP keepalives, user timeout) so that a leader that vanishes
// without closing it (a partition) loses its session, and the lock, in
// about ten seconds instead of the kernel's two hours.
func (e *Elector) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(e.s.dsn)
	if err != nil {
		return nil, err
	}
	if _, set := cfg.RuntimeParams["application_name"]; !set {
		cfg.RuntimeParams["application_name"] = truncate(e.s.holder, 63)
	}
	for k, v := range map[string]string{"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2",
		"tcp_keepalives_count": "3", "tcp_user_timeout": "10000"} {
		if _, set := cfg.RuntimeParams[k]; !set {
			cfg.RuntimeParams[k] = v
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 5*e.interval)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.pid = conn.PgConn().PID()
	e.mu.Unlock()
	return conn, nil
}

// campaign tries for the lead on conn every interval; once it has it, it
// leads until the connection fails or ctx ends. It returns when conn
// should be dropped.
func (e *Elector) campaign(ctx context.Context, conn *pgx.Conn, lead func(context.Context)) {
	for {
		var got bool
		err := e.within(ctx, func(c context.Context) error {
			return conn.QueryRow(c, `SELECT pg_try_advisory_lock(`+advisoryKey(lockPurposeLeader)+`)`).Scan(&got)
		})
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("leader election: store connection failed; reconnecting", "error", err)
			}
			return
		}
		if got {
			lost := e.term(ctx, lead, func(c context.Context) error { return e.hold(c, conn) })
			if !lost {
				// Shutdown: give the lead up at once rather than when the
				// session ends.
				_ = e.within(context.WithoutCancel(ctx), func(c context.Context) error {
					_, err := conn.Exec(c, `SELECT pg_advisory_unlock(`+advisoryKey(lockPurposeLeader)+`)`)
					return err
				})
			}
			return
		}
		if !sleepCtx(ctx, e.interval) {
			return
		}
	}
}

// hold checks every interval that the election session is alive (and with
// it the lock); it returns the error that ended the lead.
func (e *Elector) hold(ctx context.Context, conn *pgx.Conn) error {
	for {
		if !sleepCtx(ctx, e.interval) {
			return ctx.Err()
		}
		if err := e.within(ctx, func(c context.Context) error { return conn.Ping(c) }); err != nil {
			return err
		}
	}
}

// term is one term as leader: lead runs until hold returns; it reports
// whether the lead was lost (rather than given up at shutdown).
func (e *Elector) term(ctx context.Context, lead func(context.Context), hold func(context.Context) error) (lost bool) {
	termCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.set(true)
	e.log.Info("leading: this replica runs the singletons")
	done := make(chan struct{})
	go func() { defer close(done); lead(termCtx) }()
	err := hold(termCtx)
	cancel()
	<-done
	e.set(false)
	lost = ctx.Err() == nil
	if lost {
		e.log.Warn("lost the lead; singletons stopped, campaigning again", "error", err)
	} else {
		e.log.Info("gave up the lead (shutdown)")
	}
	return lost
}

func (e *Elector) set(leader bool) {
	e.mu.Lock()
	if leader {
		e.since = time.Now()
	} else {
		e.since = time.Time{}
	}
	e.mu.Unlock()
	e.leader.Store(leader)
	e.changes.Add(1)
}

// within runs fn with a deadline of one interval: a store that does not
// answer in that time counts as lost.
func (e *Elector) within(ctx context.Context, fn func(context.Context) error) error {
	c, cancel := context.WithTimeout(ctx, e.interval)
	defer cancel()
	if err := fn(c); err != nil {
		return fmt.Errorf("leader election: %w", err)
	}
	return nil
}

// sleepCtx waits d or until ctx ends; false when ctx ended.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// LeaderInfo says who leads the replicas of a store.
type LeaderInfo struct {
	// Holder is the leader's replica identity (its application_name);
	// empty when no replica leads now.
	Holder string `json:"holder"`
	// PID is the leader's election session's backend pid.
	PID int `json:"pid,omitempty"`
}

// errNoLeaderInfo: the dialect has no leader to look up.
var errNoLeaderInfo = errors.New("no leader election on this store")

// Leader looks up the current leader in the database (PostgreSQL: the
// session holding the leader lock, from pg_locks and pg_stat_activity), for
// `tocsin status` and /status, which may run on any replica.
func (s *Store) Leader(ctx context.Context) (LeaderInfo, error) {
	if s.Dialect() != "postgres" {
		return LeaderInfo{}, errNoLeaderInfo
	}
	// A bigint advisory key is split into classid (high half) and objid
	// (low half), objsubid 1.
	q := `WITH k AS (SELECT ` + advisoryKey(lockPurposeLeader) + ` AS key)
		SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid, k
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND l.classid::bigint = ((k.key >> 32) & 4294967295) AND l.objid::bigint = (k.key & 4294967295)
		LIMIT 1`
	var li LeaderInfo
	err := s.db.QueryRowContext(ctx, q).Scan(&li.Holder, &li.PID)
	if errors.Is(err, sql.ErrNoRows) {
		return LeaderInfo{}, nil
	}
	if err != nil {
		return LeaderInfo{}, fmt.Errorf("leader: %w", err)
	}
	return li, nil
}

// SessionPID is the backend pid of the election connection (PostgreSQL;
// 0 before the first connection): what an operator, or a test, passes to
// pg_terminate_backend to force a failover.
func (e *Elector) SessionPID() uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pid
}

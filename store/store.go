// Package store keeps tocsin's state in one SQL database: sources and their
// polling state, reports and their scores, incidents, the alert outbox,
// silences and small per-notifier references.
//
// SQLite (modernc.org/sqlite, pure Go, WAL) is the default; PostgreSQL
// (pgx) is the other dialect. The SQL is portable: "?" placeholders are
// rewritten to "$n" for PostgreSQL, times are Unix milliseconds in BIGINT
// columns, upserts use ON CONFLICT. The only dialect differences live in
// dialect_sqlite.go and dialect_postgres.go.
//
// A SQLite store serves one tocsin process: OpenWith with Exclusive takes a
// lock file beside the database (gofrs/flock), and a second process is
// refused with the first one's name; readers such as `tocsin status` open
// it without the lock. A PostgreSQL store serves any number of replicas,
// coordinated by PostgreSQL alone:
//
//   - sources and outbox rows are taken by leased claims (ClaimSources,
//     ClaimOutbox; FOR UPDATE SKIP LOCKED), so no two replicas poll one
//     source or send one row at once, and a dead replica's leases run out;
//   - incident decisions run in Decide, a transaction that first takes a
//     transaction-scoped advisory lock, then reads the state it plans
//     from, so two replicas never decide from the same stale state;
//   - migrations run under a session advisory lock, so replicas starting
//     together on an empty database both come up;
//   - one replica at a time is the leader (Elector: a session advisory
//     lock held on a connection of its own) and runs the singletons.
//
// The advisory lock keys are derived from the schema's name, so two
// deployments in two schemas of one database do not share them.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// Store is the SQL store. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect dialect
	logger  *slog.Logger
	dsn     string
	holder  string
	// release gives up the process lock (SQLite with Exclusive); nil
	// otherwise.
	release func() error

	mu     sync.Mutex
	closed bool
	// queries caches the dialect's rewrite of each named SQL constant.
	queries sync.Map
}

// dialect is what differs between SQLite and PostgreSQL.
type dialect interface {
	name() string
	// open connects and applies per-connection settings.
	open(ctx context.Context, dsn string) (*sql.DB, error)
	// rebind rewrites "?" placeholders into the dialect's form.
	rebind(q string) string
	// lockRows is appended to a claim's SELECT so that concurrent claimers
	// do not take the same rows.
	lockRows() string
	// lockDecisions is the statement that opens a decision transaction
	// (Decide) by taking the cluster-wide decision lock; "" when the
	// transaction itself already excludes every other writer.
	lockDecisions() string
	// lockProcess takes the one-process lock of a store that serves one
	// process (SQLite); release gives it up. nil release: no such lock.
	lockProcess(dsn, holder string) (release func() error, err error)
	// migrationLock holds the lock migrations run under until unlock.
	migrationLock(ctx context.Context, db *sql.DB) (unlock func(), err error)
}

// Options configure OpenWith.
type Options struct {
	Logger *slog.Logger
	// Exclusive marks the store of a running tocsin (run, once), as
	// opposed to a reader (status, tests looking in): a SQLite store is
	// then locked to this process, and a second one is refused with a
	// message naming the holder.
	Exclusive bool
	// Holder names this process (the replica identity): it is written in
	// the SQLite lock file and is PostgreSQL's application_name for the
	// store's connections, so pg_stat_activity shows which replica holds
	// what. Default: host-pid.
	Holder string
}

// Open connects to the database named by dsn and applies pending migrations.
// A dsn starting with postgres:// or postgresql:// selects PostgreSQL;
// anything else is a SQLite file path (optionally prefixed "sqlite:" or
// "file:"). It takes no process lock: see OpenWith.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*Store, error) {
	return OpenWith(ctx, dsn, Options{Logger: logger})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, o Options) (*Store, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if o.Holder == "" {
		o.Holder = DefaultHolder()
	}
	var d dialect
	if isPostgres(dsn) {
		d = postgresDialect{appName: o.Holder}
	} else {
		d = sqliteDialect{}
	}
	var release func() error
	if o.Exclusive {
		var err error
		if release, err = d.lockProcess(dsn, o.Holder); err != nil {
			return nil, err
		}
	}
	db, err := d.open(ctx, dsn)
	if err != nil {
		if release != nil {
			release()
		}
		return nil, fmt.Errorf("open %s store: %w", d.name(), err)
	}
	s := &Store{db: db, dialect: d, logger: logger.With("component", "store", "dialect", d.name()), dsn: dsn,
		holder: o.Holder, release: release}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// DefaultHolder is the default replica identity: host name and process id.
func DefaultHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// Holder is the identity this store was opened with (Options.Holder).
func (s *Store) Holder() string { return s.holder }

// Dialect names the SQL dialect in use ("sqlite" or "postgres").
func (s *Store) Dialect() string { return s.dialect.name() }

// Close closes the database. It is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.db.Close()
	if s.release != nil {
		// After the database: the next process finds every commit done.
		err = errors.Join(err, s.release())
	}
	if err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Ping checks that the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	return nil
}

// q returns the dialect's form of a named SQL constant.
func (s *Store) q(query string) string {
	if v, ok := s.queries.Load(query); ok {
		return v.(string)
	}
	r := s.dialect.rebind(query)
	s.queries.Store(query, r)
	return r
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a transaction, committing on nil and rolling back on error.
func (s *Store) inTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", what, err)
	}
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			s.logger.Warn("rollback failed", "op", what, "error", rerr)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

// ms converts a time to the stored form: Unix milliseconds, 0 for zero.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts a stored time back, UTC; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// placeholders returns "?,?,...,?" with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

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
// The store is designed for one writer process (the poller serialises its
// incident commits); readers such as `tocsin status` may run alongside it.
// Sources and outbox rows are taken by leased claims (ClaimSources,
// ClaimOutbox; FOR UPDATE SKIP LOCKED on PostgreSQL), so concurrent claimers
// never poll one source or send one row twice at once.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Store is the SQL store. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect dialect
	logger  *slog.Logger

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
}

// Open connects to the database named by dsn and applies pending migrations.
// A dsn starting with postgres:// or postgresql:// selects PostgreSQL;
// anything else is a SQLite file path (optionally prefixed "sqlite:" or
// "file:").
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var d dialect
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		d = postgresDialect{}
	} else {
		d = sqliteDialect{}
	}
	db, err := d.open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s store: %w", d.name(), err)
	}
	s := &Store{db: db, dialect: d, logger: logger.With("component", "store", "dialect", d.name())}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

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
	if err := s.db.Close(); err != nil {
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

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// migration is one schema step. Steps are applied in order, each in its own
// transaction together with its row in schema_migrations, so a crash leaves
// the schema at a step boundary. Never edit a released step: append a new one.
type migration struct {
	version int
	name    string
	stmts   []string
}

// migrations is the ordered schema history. The DDL is portable between
// SQLite and PostgreSQL: TEXT keys, BIGINT Unix-millisecond times, no
// auto-increment columns.
var migrations = []migration{
	{1, "initial schema", []string{
		`CREATE TABLE sources (
			id TEXT PRIMARY KEY,
			kind TEXT NOT NULL,
			url TEXT NOT NULL,
			interval_ms BIGINT NOT NULL,
			enabled INTEGER NOT NULL DEFAULT 1,
			next_check_at BIGINT NOT NULL DEFAULT 0,
			etag TEXT NOT NULL DEFAULT '',
			last_modified TEXT NOT NULL DEFAULT '',
			error_streak INTEGER NOT NULL DEFAULT 0,
			last_error TEXT NOT NULL DEFAULT '',
			last_check_at BIGINT NOT NULL DEFAULT 0,
			last_success_at BIGINT NOT NULL DEFAULT 0,
			state TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX sources_due ON sources (enabled, next_check_at)`,
		`CREATE TABLE reports (
			identity TEXT PRIMARY KEY,
			source TEXT NOT NULL,
			content_hash TEXT NOT NULL,
			guid TEXT NOT NULL DEFAULT '',
			url TEXT NOT NULL DEFAULT '',
			outlet TEXT NOT NULL DEFAULT '',
			title TEXT NOT NULL DEFAULT '',
			body TEXT NOT NULL DEFAULT '',
			published_at BIGINT NOT NULL DEFAULT 0,
			fetched_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
		`CREATE INDEX reports_source ON reports (source)`,
		`CREATE TABLE scores (
			identity TEXT NOT NULL REFERENCES reports (identity) ON DELETE CASCADE,
			content_hash TEXT NOT NULL,
			rules_version TEXT NOT NULL,
			alert INTEGER NOT NULL,
			severity INTEGER NOT NULL,
			score DOUBLE PRECISION NOT NULL,
			result TEXT NOT NULL,
			scored_at BIGINT NOT NULL,
			PRIMARY KEY (identity, content_hash, rules_version)
		)`,
		`CREATE TABLE incidents (
			id TEXT PRIMARY KEY,
			location TEXT NOT NULL,
			severity INTEGER NOT NULL,
			alerted INTEGER NOT NULL,
			first_seen BIGINT NOT NULL,
			last_seen BIGINT NOT NULL,
			resolved_at BIGINT NOT NULL DEFAULT 0,
			data TEXT NOT NULL
		)`,
		`CREATE INDEX incidents_open ON incidents (resolved_at, last_seen)`,
		`CREATE TABLE incident_reports (
			incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
			identity TEXT NOT NULL REFERENCES reports (identity) ON DELETE CASCADE,
			added_at BIGINT NOT NULL,
			PRIMARY KEY (incident_id, identity)
		)`,
		`CREATE TABLE outbox (
			alert_id TEXT NOT NULL,
			notifier TEXT NOT NULL,
			incident_id TEXT NOT NULL,
			kind TEXT NOT NULL,
			seq INTEGER NOT NULL,
			severity INTEGER NOT NULL,
			payload TEXT NOT NULL,
			state TEXT NOT NULL,
			attempts INTEGER NOT NULL DEFAULT 0,
			next_attempt_at BIGINT NOT NULL,
			last_error TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			sent_at BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (alert_id, notifier)
		)`,
		`CREATE INDEX outbox_due ON outbox (state, next_attempt_at)`,
		`CREATE INDEX outbox_incident ON outbox (incident_id, notifier, state)`,
		`CREATE TABLE silences (
			id TEXT PRIMARY KEY,
			kind TEXT NOT NULL,
			value TEXT NOT NULL,
			expires_at BIGINT NOT NULL,
			author TEXT NOT NULL,
			reason TEXT NOT NULL,
			created_at BIGINT NOT NULL
		)`,
		`CREATE TABLE notifier_refs (
			notifier TEXT NOT NULL,
			ref_key TEXT NOT NULL,
			ref_value TEXT NOT NULL,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (notifier, ref_key)
		)`,
		`CREATE TABLE meta (
			name TEXT PRIMARY KEY,
			value TEXT NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
	}},
	{2, "discord subscriptions, acknowledgements, feedback", []string{
		// Channel routes added with /subscribe; lists and the role map are
		// JSON, read whole, never queried into.
		`CREATE TABLE subscriptions (
			channel_id TEXT PRIMARY KEY,
			categories TEXT NOT NULL,
			places TEXT NOT NULL,
			min_severity INTEGER NOT NULL,
			mention_roles TEXT NOT NULL,
			author TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
		`CREATE TABLE acks (
			incident_id TEXT NOT NULL,
			user_id TEXT NOT NULL,
			user_name TEXT NOT NULL DEFAULT '',
			acked_at BIGINT NOT NULL,
			PRIMARY KEY (incident_id, user_id)
		)`,
		// One row per (rule, incident, member, kind): a member clicking
		// twice counts once.
		`CREATE TABLE feedback (
			rule_id TEXT NOT NULL,
			incident_id TEXT NOT NULL,
			user_id TEXT NOT NULL,
			kind TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			PRIMARY KEY (rule_id, incident_id, user_id, kind)
		)`,
		`CREATE INDEX feedback_kind ON feedback (kind, rule_id)`,
	}},
	{3, "source labels; indexes for retention", []string{
		// A JSON object of the source's labels (config sources[].labels).
		`ALTER TABLE sources ADD COLUMN labels TEXT NOT NULL DEFAULT ''`,
		// Prune finds old reports and finished outbox rows by time.
		`CREATE INDEX reports_updated ON reports (updated_at)`,
		`CREATE INDEX incident_reports_identity ON incident_reports (identity)`,
	}},
	{4, "claims of sources and outbox rows, backlog policy per source", []string{
		// A claim is a lease: whoever claims a row owns it until lease_until
		// (or until it records the outcome, which clears the lease). A crash
		// leaves a lease that simply runs out.
		`ALTER TABLE sources ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE sources ADD COLUMN alert_backlog INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE outbox ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0`,
	}},
	{5, "silences with several matchers", []string{
		// The matchers after the first (kind, value), as a JSON list;
		// '' for a silence of one matcher.
		`ALTER TABLE silences ADD COLUMN matchers TEXT NOT NULL DEFAULT ''`,
	}},
	{6, "who holds a claim, who sent a row, which replicas run", []string{
		// The replica identity of the last claimer (kept after the lease
		// ends: "last polled by"), and of the replica that sent a row:
		// what /status shows a replica holds, and what an operator reads
		// after a failover.
		`ALTER TABLE sources ADD COLUMN lease_holder TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE outbox ADD COLUMN lease_holder TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE outbox ADD COLUMN sent_by TEXT NOT NULL DEFAULT ''`,
		// One row per replica, refreshed by its readiness probe: who is
		// (or was lately) running on this store.
		`CREATE TABLE replicas (
			id TEXT PRIMARY KEY,
			started_at BIGINT NOT NULL,
			seen_at BIGINT NOT NULL
		)`,
	}},
}

const (
	sqlCreateMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at BIGINT NOT NULL
	)`
	sqlAppliedVersions = `SELECT version FROM schema_migrations ORDER BY version`
	sqlRecordMigration = `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`
)

// migrate applies pending migrations in order, under the dialect's
// migration lock: replicas starting together on an empty PostgreSQL
// database take turns, and the second finds the work done. A database
// newer than this binary (an applied version it does not know) is refused
// rather than guessed at.
func (s *Store) migrate(ctx context.Context) error {
	unlock, err := s.dialect.migrationLock(ctx, s.db)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.db.ExecContext(ctx, sqlCreateMigrations); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := s.appliedVersions(ctx)
	if err != nil {
		return err
	}
	if err := checkKnown(applied); err != nil {
		return err
	}
	for _, m := range migrations {
		if applied[m.version] {
			continue
		}
		err := s.inTx(ctx, fmt.Sprintf("migration %d (%s)", m.version, m.name), func(tx *sql.Tx) error {
			for _, st := range m.stmts {
				if _, err := tx.ExecContext(ctx, st); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, s.q(sqlRecordMigration), m.version, m.name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return err
		}
		s.logger.Info("schema migrated", "version", m.version, "name", m.name)
	}
	return nil
}

func (s *Store) appliedVersions(ctx context.Context) (map[int]bool, error) {
	applied := map[int]bool{}
	rows, err := s.db.QueryContext(ctx, s.q(sqlAppliedVersions))
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return applied, nil
}

// ErrSchemaTooNew is returned (wrapped) by Open when the database was
// migrated by a newer tocsin than this one.
var ErrSchemaTooNew = errors.New("database schema is newer than this tocsin")

// checkKnown refuses a schema with steps this binary does not know: an
// older replica of a rolling upgrade must not write rows a newer schema
// reads differently.
func checkKnown(applied map[int]bool) error {
	latest := migrations[len(migrations)-1].version
	known := map[int]bool{}
	for _, m := range migrations {
		known[m.version] = true
	}
	unknown := 0
	for v := range applied {
		if !known[v] {
			unknown = max(unknown, v)
		}
	}
	if unknown > 0 {
		return fmt.Errorf("%w: the database has schema version %d, this tocsin knows versions up to %d; "+
			"it was migrated by a newer tocsin: run that version (or newer) on it, never an older one", ErrSchemaTooNew, unknown, latest)
	}
	return nil
}

// LatestSchemaVersion is the newest schema version this binary knows.
func LatestSchemaVersion() int { return migrations[len(migrations)-1].version }

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return int(v.Int64), nil
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
)

// Source is a configured source and its polling state.
type Source struct {
	ID string
	// Kind is "feed" (RSS/Atom/JSON Feed over http(s) or file://), "folder"
	// or "push".
	Kind     string
	URL      string // feed URL or folder path
	Interval time.Duration
	Enabled  bool
	// Labels are the source's labels (config sources[].labels); the poller
	// puts them on every report the source brings.
	Labels report.Labels
	// AlertBacklog lets the items found at the first poll alert (the demo
	// seeds); by default they are stored and scored but held back.
	AlertBacklog bool

	NextCheckAt   time.Time
	ETag          string
	LastModified  string
	ErrorStreak   int
	LastError     string
	LastCheckAt   time.Time
	LastSuccessAt time.Time
	// State is opaque per-source state kept between polls (the folder
	// source's file states, as JSON).
	State string
}

// FirstPoll reports whether the source never completed a poll: its backlog
// is stored without alerting on old items.
func (s Source) FirstPoll() bool { return s.LastSuccessAt.IsZero() }

// SourceSpec is a source as configured.
type SourceSpec struct {
	ID       string
	Kind     string
	URL      string
	Interval time.Duration
	Labels   report.Labels
	// AlertBacklog: see Source.AlertBacklog.
	AlertBacklog bool
}

// FetchOutcome is what one poll of a source changed.
type FetchOutcome struct {
	CheckedAt   time.Time
	NextCheckAt time.Time
	// Err is empty on success; on failure the streak grows and the old
	// validators and state are kept.
	Err          string
	ETag         string
	LastModified string
	State        string
}

const (
	sqlUpsertSource = `INSERT INTO sources (id, kind, url, interval_ms, enabled, next_check_at, labels, alert_backlog)
		VALUES (?, ?, ?, ?, 1, 0, ?, ?)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, url = excluded.url,
			interval_ms = excluded.interval_ms, enabled = 1, labels = excluded.labels, alert_backlog = excluded.alert_backlog`
	sqlDisableSources = `UPDATE sources SET enabled = 0`
	sqlSourceColumns  = `id, kind, url, interval_ms, enabled, next_check_at, etag, last_modified,
		error_streak, last_error, last_check_at, last_success_at, state, labels, alert_backlog`
	sqlDueSources = `SELECT ` + sqlSourceColumns + ` FROM sources
		WHERE enabled = 1 AND next_check_at <= ? ORDER BY next_check_at, id LIMIT ?`
	// A claim takes the due sources nobody holds a lease on (see
	// ClaimSources), most overdue first.
	sqlClaimSources = `SELECT id FROM sources
		WHERE enabled = 1 AND next_check_at <= ? AND lease_until <= ? ORDER BY next_check_at, id LIMIT ?`
	sqlLeaseSource   = `UPDATE sources SET lease_until = ?, lease_holder = ? WHERE id = ?`
	sqlReleaseSource = `UPDATE sources SET lease_until = 0 WHERE id = ?`
	sqlAllSources    = `SELECT ` + sqlSourceColumns + ` FROM sources ORDER BY id`
	sqlGetSource     = `SELECT ` + sqlSourceColumns + ` FROM sources WHERE id = ?`
	sqlFetchOK       = `UPDATE sources SET next_check_at = ?, etag = ?, last_modified = ?, error_streak = 0,
		last_error = '', last_check_at = ?, last_success_at = ?, state = ?, lease_until = 0 WHERE id = ?`
	sqlFetchFailed = `UPDATE sources SET next_check_at = ?, error_streak = error_streak + 1,
		last_error = ?, last_check_at = ?, lease_until = 0 WHERE id = ?`
	// A leased source is claimable again when its lease runs out.
	sqlNextSourceCheck = `SELECT MIN(CASE WHEN lease_until > next_check_at THEN lease_until ELSE next_check_at END)
		FROM sources WHERE enabled = 1`
)

// SyncSources makes the configured sources the enabled ones: new ones are
// added (due at once), changed ones updated with their polling state kept,
// and sources no longer configured are disabled (their history is kept).
func (s *Store) SyncSources(ctx context.Context, specs []SourceSpec) error {
	return s.inTx(ctx, "sync sources", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(sqlDisableSources)); err != nil {
			return err
		}
		for _, sp := range specs {
			labels, err := encodeLabels(sp.Labels)
			if err != nil {
				return fmt.Errorf("source %s labels: %w", sp.ID, err)
			}
			if _, err := tx.ExecContext(ctx, s.q(sqlUpsertSource), sp.ID, sp.Kind, sp.URL, sp.Interval.Milliseconds(), labels,
				boolInt(sp.AlertBacklog)); err != nil {
				return fmt.Errorf("source %s: %w", sp.ID, err)
			}
		}
		return nil
	})
}

// DueSources returns up to limit enabled sources whose next check is at or
// before now, most overdue first.
func (s *Store) DueSources(ctx context.Context, now time.Time, limit int) ([]Source, error) {
	return s.querySources(ctx, "due sources", sqlDueSources, ms(now), limit)
}

// ClaimSources claims up to limit due sources for polling: each is leased
// until now+lease, so the next scheduling pass (or another replica) does not
// poll it again while its fetch is in flight. Recording the poll's outcome
// (RecordFetch, or Apply with an Outcome) ends the lease, ReleaseSource
// gives it up, and a poller that dies leaves a lease that runs out. On
// PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED, so concurrent
// claimers pass each other by.
func (s *Store) ClaimSources(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Source, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []Source
	err := s.inTx(ctx, "claim sources", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(sqlClaimSources+s.dialect.lockRows()), ms(now), ms(now), limit)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, s.q(sqlLeaseSource), ms(now.Add(lease)), s.holder, id); err != nil {
				return err
			}
			src, err := scanSource(tx.QueryRowContext(ctx, s.q(sqlGetSource), id))
			if err != nil {
				return err
			}
			out = append(out, src)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReleaseAllClaims ends every lease on sources and outbox rows. Only for a
// store that one process uses (SQLite, by design): at start, the claims a
// crash left behind are then released instead of waited out. With replicas
// sharing PostgreSQL the leases of the others must run their course.
func (s *Store) ReleaseAllClaims(ctx context.Context) error {
	return s.inTx(ctx, "release all claims", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE sources SET lease_until = 0 WHERE lease_until > 0`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET lease_until = 0 WHERE state = 'pending' AND lease_until > 0`)
		return err
	})
}

// ReleaseSource gives up a claim without recording a poll (shutdown cut the
// fetch): the source is due again at once, as it was.
func (s *Store) ReleaseSource(ctx context.Context, id string) error {
	return s.exec(ctx, "release source", sqlReleaseSource, id)
}

// Sources returns every known source, enabled or not.
func (s *Store) Sources(ctx context.Context) ([]Source, error) {
	return s.querySources(ctx, "list sources", sqlAllSources)
}

// Source returns one source by id; sql.ErrNoRows wrapped when unknown.
func (s *Store) Source(ctx context.Context, id string) (Source, error) {
	src, err := scanSource(s.db.QueryRowContext(ctx, s.q(sqlGetSource), id))
	if err != nil {
		return Source{}, fmt.Errorf("get source %s: %w", id, err)
	}
	return src, nil
}

// NextCheck returns the earliest next check of the enabled sources.
func (s *Store) NextCheck(ctx context.Context) (time.Time, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.q(sqlNextSourceCheck)).Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("next source check: %w", err)
	}
	return fromMS(v.Int64), nil
}

// RecordFetch stores the outcome of one poll.
func (s *Store) RecordFetch(ctx context.Context, id string, o FetchOutcome) error {
	var err error
	if o.Err == "" {
		_, err = s.db.ExecContext(ctx, s.q(sqlFetchOK), ms(o.NextCheckAt), o.ETag, o.LastModified,
			ms(o.CheckedAt), ms(o.CheckedAt), o.State, id)
	} else {
		_, err = s.db.ExecContext(ctx, s.q(sqlFetchFailed), ms(o.NextCheckAt), truncate(o.Err, 1000), ms(o.CheckedAt), id)
	}
	if err != nil {
		return fmt.Errorf("record fetch of %s: %w", id, err)
	}
	return nil
}

func (s *Store) querySources(ctx context.Context, what, query string, args ...any) ([]Source, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Source
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, src)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanSource(r scanner) (Source, error) {
	var src Source
	var interval, next, lastCheck, lastOK int64
	var enabled int
	var labels string
	var backlog int
	err := r.Scan(&src.ID, &src.Kind, &src.URL, &interval, &enabled, &next, &src.ETag, &src.LastModified,
		&src.ErrorStreak, &src.LastError, &lastCheck, &lastOK, &src.State, &labels, &backlog)
	if err != nil {
		return Source{}, err
	}
	if labels != "" {
		if err := json.Unmarshal([]byte(labels), &src.Labels); err != nil {
			return Source{}, fmt.Errorf("source %s labels: %w", src.ID, err)
		}
	}
	src.Interval = time.Duration(interval) * time.Millisecond
	src.Enabled = enabled == 1
	src.AlertBacklog = backlog == 1
	src.NextCheckAt, src.LastCheckAt, src.LastSuccessAt = fromMS(next), fromMS(lastCheck), fromMS(lastOK)
	return src, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// encodeLabels stores labels as a JSON object ("" for none).
func encodeLabels(l report.Labels) (string, error) {
	if l.IsZero() {
		return "", nil
	}
	b, err := json.Marshal(l)
	return string(b), err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

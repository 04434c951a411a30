package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
)

// Outbox row states.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// OutboxItem is one alert waiting for (or done with) one notifier.
type OutboxItem struct {
	Alert         alerts.Alert
	Notifier      string
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        time.Time
}

const (
	sqlEnqueue = `INSERT INTO outbox (alert_id, notifier, incident_id, kind, seq, severity, payload, state, attempts,
			next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
		ON CONFLICT (alert_id, notifier) DO NOTHING`
	sqlOutboxColumns = `payload, notifier, state, attempts, next_attempt_at, last_error, created_at, sent_at`
	// A row waits while an earlier event of the same incident is still
	// pending for the same notifier: "updated" never overtakes "opened".
	sqlDueOutbox = `SELECT ` + sqlOutboxColumns + ` FROM outbox
		WHERE state = 'pending' AND next_attempt_at <= ? AND notifier IN (%s)
		AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.incident_id = outbox.incident_id
			AND e.notifier = outbox.notifier AND e.state = 'pending' AND e.seq < outbox.seq)
		ORDER BY created_at, incident_id, seq, notifier LIMIT ?`
	sqlOutboxByAlert = `SELECT ` + sqlOutboxColumns + ` FROM outbox WHERE alert_id = ? ORDER BY notifier`
	sqlMarkSent      = `UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = ''
		WHERE alert_id = ? AND notifier = ? AND state = 'pending'`
	sqlMarkRetry = `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?
		WHERE alert_id = ? AND notifier = ? AND state = 'pending'`
	sqlMarkFailed = `UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?
		WHERE alert_id = ? AND notifier = ? AND state = 'pending'`
	sqlOutboxDepth   = `SELECT state, COUNT(*) FROM outbox GROUP BY state`
	sqlNextOutboxDue = `SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending' AND notifier IN (%s)`
)

func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, a alerts.Alert, notifiers []string) error {
	payload, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode alert %s: %w", a.ID, err)
	}
	now := ms(a.At)
	if now == 0 {
		now = time.Now().UnixMilli()
	}
	for _, n := range notifiers {
		if _, err := tx.ExecContext(ctx, s.q(sqlEnqueue), a.ID, n, a.Incident.ID, string(a.Kind), a.Incident.Seq,
			int(a.Incident.Severity), string(payload), now, now); err != nil {
			return fmt.Errorf("enqueue alert %s for %s: %w", a.ID, n, err)
		}
	}
	return nil
}

// DueOutbox returns up to limit pending rows for the given notifiers whose
// next attempt is due, oldest first. Rows of notifiers not configured now
// (Discord switched off for a while) stay pending, untouched, for later.
func (s *Store) DueOutbox(ctx context.Context, now time.Time, limit int, notifiers []string) ([]OutboxItem, error) {
	if len(notifiers) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(notifiers)+2)
	args = append(args, ms(now))
	for _, n := range notifiers {
		args = append(args, n)
	}
	args = append(args, limit)
	return s.queryOutbox(ctx, "due outbox", fmt.Sprintf(sqlDueOutbox, placeholders(len(notifiers))), args...)
}

// OutboxFor returns the rows of one alert (one per notifier).
func (s *Store) OutboxFor(ctx context.Context, alertID string) ([]OutboxItem, error) {
	return s.queryOutbox(ctx, "outbox for alert", sqlOutboxByAlert, alertID)
}

// MarkSent records a delivery. Only a pending row moves, so a row is never
// "sent" twice and a failed one is never revived by accident.
func (s *Store) MarkSent(ctx context.Context, alertID, notifier string, at time.Time) error {
	return s.exec(ctx, "mark sent", sqlMarkSent, ms(at), alertID, notifier)
}

// MarkRetry records a failed attempt worth retrying at next.
func (s *Store) MarkRetry(ctx context.Context, alertID, notifier string, next time.Time, cause string) error {
	return s.exec(ctx, "mark retry", sqlMarkRetry, ms(next), truncate(cause, 1000), alertID, notifier)
}

// MarkFailed gives up on a row (a permanent error or too many attempts).
func (s *Store) MarkFailed(ctx context.Context, alertID, notifier, cause string) error {
	return s.exec(ctx, "mark failed", sqlMarkFailed, truncate(cause, 1000), alertID, notifier)
}

// OutboxDepth counts outbox rows by state.
func (s *Store) OutboxDepth(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, sqlOutboxDepth)
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	defer rows.Close()
	out := map[string]int{OutboxPending: 0, OutboxSent: 0, OutboxFailed: 0}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("outbox depth: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// NextOutboxDue returns when the earliest pending row of the given notifiers
// is due (zero if none).
func (s *Store) NextOutboxDue(ctx context.Context, notifiers []string) (time.Time, error) {
	if len(notifiers) == 0 {
		return time.Time{}, nil
	}
	args := make([]any, len(notifiers))
	for i, n := range notifiers {
		args[i] = n
	}
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.q(fmt.Sprintf(sqlNextOutboxDue, placeholders(len(notifiers)))), args...).Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("next outbox due: %w", err)
	}
	if !v.Valid {
		return time.Time{}, nil
	}
	return fromMS(v.Int64), nil
}

func (s *Store) exec(ctx context.Context, what, query string, args ...any) error {
	if _, err := s.db.ExecContext(ctx, s.q(query), args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (s *Store) queryOutbox(ctx context.Context, what, query string, args ...any) ([]OutboxItem, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var it OutboxItem
		var payload string
		var next, created, sent int64
		if err := rows.Scan(&payload, &it.Notifier, &it.State, &it.Attempts, &next, &it.LastError, &created, &sent); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if err := json.Unmarshal([]byte(payload), &it.Alert); err != nil {
			return nil, fmt.Errorf("%s: decode payload: %w", what, err)
		}
		it.NextAttemptAt, it.CreatedAt, it.SentAt = fromMS(next), fromMS(created), fromMS(sent)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

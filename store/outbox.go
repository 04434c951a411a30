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
	OutboxPending = alerts.OutboxPending
	OutboxSent    = alerts.OutboxSent
	OutboxFailed  = alerts.OutboxFailed
)

// OutboxItem is one alert waiting for (or done with) one notifier.
type OutboxItem = alerts.OutboxItem

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
	// A claim takes the due rows nobody holds a lease on. The ordering rule
	// is the same as DueOutbox's: a leased earlier row still blocks.
	sqlClaimOutbox = `SELECT alert_id, notifier FROM outbox
		WHERE state = 'pending' AND next_attempt_at <= ? AND lease_until <= ? AND notifier IN (%s)
		AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.incident_id = outbox.incident_id
			AND e.notifier = outbox.notifier AND e.state = 'pending' AND e.seq < outbox.seq)
		ORDER BY created_at, incident_id, seq, notifier LIMIT ?`
	sqlLeaseOutbox   = `UPDATE outbox SET lease_until = ?, lease_holder = ? WHERE alert_id = ? AND notifier = ? AND state = 'pending'`
	sqlOutboxRow     = `SELECT ` + sqlOutboxColumns + ` FROM outbox WHERE alert_id = ? AND notifier = ?`
	sqlOutboxByAlert = `SELECT ` + sqlOutboxColumns + ` FROM outbox WHERE alert_id = ? ORDER BY notifier`
	sqlMarkSent      = `UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = '',
			lease_until = 0, sent_by = ?
		WHERE alert_id = ? AND notifier = ? AND state = 'pending'`
	sqlMarkRetry = `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, lease_until = 0
		WHERE alert_id = ? AND notifier = ? AND state = 'pending'`
	sqlMarkFailed = `UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, lease_until = 0
		WHERE alert_id = ? AND notifier = ? AND state = 'pending'`
	sqlReleaseOutbox = `UPDATE outbox SET lease_until = 0 WHERE alert_id = ? AND notifier = ? AND state = 'pending'`
	sqlOutboxDepth   = `SELECT state, COUNT(*) FROM outbox GROUP BY state`
	// A leased row is due again when its lease runs out (its claimer died).
	sqlNextOutboxDue = `SELECT MIN(CASE WHEN lease_until > next_attempt_at THEN lease_until ELSE next_attempt_at END)
		FROM outbox WHERE state = 'pending' AND notifier IN (%s)`
	sqlOldestPending = `SELECT MIN(created_at) FROM outbox WHERE state = 'pending' AND notifier IN (%s)`
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

// ClaimOutbox claims up to limit due rows for the given notifiers: each is
// leased until now+lease, so no other claimer (a second dispatcher, another
// replica) takes it while it is being sent; settling it (MarkSent,
// MarkRetry, MarkFailed) or ReleaseOutbox ends the lease, and a claimer that
// dies leaves a lease that runs out. Oldest first, and never a row while an
// earlier event of its incident is pending for the same notifier. On
// PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED, so concurrent
// claimers pass each other by.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, limit int, notifiers []string, lease time.Duration) ([]OutboxItem, error) {
	if len(notifiers) == 0 || limit <= 0 {
		return nil, nil
	}
	args := make([]any, 0, len(notifiers)+3)
	args = append(args, ms(now), ms(now))
	for _, n := range notifiers {
		args = append(args, n)
	}
	args = append(args, limit)
	query := fmt.Sprintf(sqlClaimOutbox, placeholders(len(notifiers))) + s.dialect.lockRows()
	var out []OutboxItem
	err := s.inTx(ctx, "claim outbox", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(query), args...)
		if err != nil {
			return err
		}
		type key struct{ alert, notifier string }
		var keys []key
		for rows.Next() {
			var k key
			if err := rows.Scan(&k.alert, &k.notifier); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		until := ms(now.Add(lease))
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, s.q(sqlLeaseOutbox), until, s.holder, k.alert, k.notifier); err != nil {
				return err
			}
			items, err := s.scanOutbox(tx.QueryContext(ctx, s.q(sqlOutboxRow), k.alert, k.notifier))
			if err != nil {
				return err
			}
			out = append(out, items...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Settle records the outcome of an attempt on a claimed row (MarkSent,
// MarkRetry, MarkFailed or ReleaseOutbox); it ends the claim.
func (s *Store) Settle(ctx context.Context, alertID, notifier string, st alerts.Settlement) error {
	switch st.State {
	case alerts.SettleSent:
		return s.MarkSent(ctx, alertID, notifier, st.At)
	case alerts.SettleRetry:
		return s.MarkRetry(ctx, alertID, notifier, st.Next, st.Cause)
	case alerts.SettleFailed:
		return s.MarkFailed(ctx, alertID, notifier, st.Cause)
	case alerts.SettleReleased:
		return s.ReleaseOutbox(ctx, alertID, notifier)
	}
	return fmt.Errorf("settle %s for %s: unknown state %q", alertID, notifier, st.State)
}

// ReleaseOutbox gives up a claim without an attempt (shutdown before the
// send): the row is due again at once.
func (s *Store) ReleaseOutbox(ctx context.Context, alertID, notifier string) error {
	return s.exec(ctx, "release outbox row", sqlReleaseOutbox, alertID, notifier)
}

// OldestPending returns when the oldest row still pending for the given
// notifiers was recorded (zero if none): an outbox that stops moving shows
// here first.
func (s *Store) OldestPending(ctx context.Context, notifiers []string) (time.Time, error) {
	return s.notifierTime(ctx, "oldest pending", sqlOldestPending, notifiers)
}

// notifierTime runs a query for one time (a MIN over the notifiers' rows);
// zero when there are no rows.
func (s *Store) notifierTime(ctx context.Context, what, query string, notifiers []string) (time.Time, error) {
	if len(notifiers) == 0 {
		return time.Time{}, nil
	}
	args := make([]any, len(notifiers))
	for i, n := range notifiers {
		args[i] = n
	}
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.q(fmt.Sprintf(query, placeholders(len(notifiers)))), args...).Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", what, err)
	}
	return fromMS(v.Int64), nil
}

// OutboxFor returns the rows of one alert (one per notifier).
func (s *Store) OutboxFor(ctx context.Context, alertID string) ([]OutboxItem, error) {
	return s.queryOutbox(ctx, "outbox for alert", sqlOutboxByAlert, alertID)
}

// MarkSent records a delivery. Only a pending row moves, so a row is never
// "sent" twice and a failed one is never revived by accident.
func (s *Store) MarkSent(ctx context.Context, alertID, notifier string, at time.Time) error {
	return s.exec(ctx, "mark sent", sqlMarkSent, ms(at), s.holder, alertID, notifier)
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
	return s.notifierTime(ctx, "next outbox due", sqlNextOutboxDue, notifiers)
}

func (s *Store) exec(ctx context.Context, what, query string, args ...any) error {
	if _, err := s.db.ExecContext(ctx, s.q(query), args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (s *Store) queryOutbox(ctx context.Context, what, query string, args ...any) ([]OutboxItem, error) {
	out, err := s.scanOutbox(s.db.QueryContext(ctx, s.q(query), args...))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func (s *Store) scanOutbox(rows *sql.Rows, err error) ([]OutboxItem, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var it OutboxItem
		var payload string
		var next, created, sent int64
		if err := rows.Scan(&payload, &it.Notifier, &it.State, &it.Attempts, &next, &it.LastError, &created, &sent); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(payload), &it.Alert); err != nil {
			return nil, fmt.Errorf("decode payload: %w", err)
		}
		it.NextAttemptAt, it.CreatedAt, it.SentAt = fromMS(next), fromMS(created), fromMS(sent)
		out = append(out, it)
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PruneResult counts the rows one Prune deleted.
type PruneResult struct {
	Incidents int64 `json:"incidents"`
	Reports   int64 `json:"reports"`
	Outbox    int64 `json:"outbox"`
	Silences  int64 `json:"silences"`
}

// pruneBatch bounds the rows one prune transaction deletes, so the poller's
// commits wait for a short transaction at most, never for the whole prune.
const pruneBatch = 500

const (
	// A resolved incident goes with its links, acknowledgements and
	// delivered alerts; one that still has an alert waiting for delivery
	// stays until it is delivered or given up.
	sqlPrunableIncidents = `SELECT id FROM incidents
		WHERE resolved_at > 0 AND resolved_at < ?
			AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.incident_id = incidents.id AND o.state = 'pending')
		ORDER BY resolved_at, id LIMIT ?`
	sqlPruneIncidentOutbox = `DELETE FROM outbox WHERE state <> 'pending' AND incident_id IN (%s)`
	sqlPruneIncidentAcks   = `DELETE FROM acks WHERE incident_id IN (%s)`
	sqlPruneIncidentLinks  = `DELETE FROM incident_reports WHERE incident_id IN (%s)`
	sqlPruneIncidents      = `DELETE FROM incidents WHERE resolved_at > 0 AND id IN (%s)`
	// A report goes when it has not changed since the cutoff and no kept
	// incident cites it; its scores go with it. The condition is checked
	// again in the DELETE, in case the poller linked or rewrote it since.
	sqlPrunableReports = `SELECT identity FROM reports
		WHERE updated_at < ? AND NOT EXISTS (SELECT 1 FROM incident_reports l WHERE l.identity = reports.identity)
		ORDER BY updated_at, identity LIMIT ?`
	sqlPruneScores  = `DELETE FROM scores WHERE identity IN (%s)`
	sqlPruneReports = `DELETE FROM reports WHERE identity IN (%s) AND updated_at < ?
		AND NOT EXISTS (SELECT 1 FROM incident_reports l WHERE l.identity = reports.identity)`
	// Delivered alerts of incidents that no longer exist (events of
	// incidents pruned by an older tocsin, or never stored).
	sqlPruneOrphanOutbox = `DELETE FROM outbox WHERE state <> 'pending' AND created_at < ?
		AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = outbox.incident_id)`
	sqlPruneSilences = `DELETE FROM silences WHERE expires_at < ?`
)

// Prune deletes what retention no longer keeps, everything older than
// before: resolved incidents (with their report links, acknowledgements and
// delivered alerts), reports that changed last before it and that no kept
// incident cites (with their scores), delivered alerts of incidents gone,
// and silences that expired before it. It never deletes a pending alert,
// an open incident or what an open incident cites; sources, subscriptions,
// feedback and notifier references are kept. It works in batches of short
// transactions, so it can run beside the poller; ctx stops it between
// batches with what was deleted so far.
func (s *Store) Prune(ctx context.Context, before time.Time) (PruneResult, error) {
	var res PruneResult
	cutoff := ms(before)
	for {
		n, err := s.pruneIncidents(ctx, cutoff, &res)
		if err != nil {
			return res, err
		}
		if n < pruneBatch {
			break
		}
	}
	for {
		n, err := s.pruneReports(ctx, cutoff, &res)
		if err != nil {
			return res, err
		}
		if n < pruneBatch {
			break
		}
	}
	n, err := s.execCount(ctx, "prune outbox", sqlPruneOrphanOutbox, cutoff)
	if err != nil {
		return res, err
	}
	res.Outbox += n
	if res.Silences, err = s.execCount(ctx, "prune silences", sqlPruneSilences, cutoff); err != nil {
		return res, err
	}
	return res, nil
}

// pruneIncidents deletes one batch of resolved incidents and returns how
// many it found.
func (s *Store) pruneIncidents(ctx context.Context, cutoff int64, res *PruneResult) (int, error) {
	return s.pruneOnce(ctx, "prune incidents", sqlPrunableIncidents, cutoff, func(tx *sql.Tx, in string, args []any) error {
		for _, q := range []string{sqlPruneIncidentAcks, sqlPruneIncidentLinks} {
			if _, err := tx.ExecContext(ctx, s.q(fmt.Sprintf(q, in)), args...); err != nil {
				return err
			}
		}
		r, err := tx.ExecContext(ctx, s.q(fmt.Sprintf(sqlPruneIncidentOutbox, in)), args...)
		if err != nil {
			return err
		}
		res.Outbox += affected(r)
		r, err = tx.ExecContext(ctx, s.q(fmt.Sprintf(sqlPruneIncidents, in)), args...)
		if err != nil {
			return err
		}
		res.Incidents += affected(r)
		return nil
	})
}

// pruneReports deletes one batch of old, uncited reports and returns how
// many it found.
func (s *Store) pruneReports(ctx context.Context, cutoff int64, res *PruneResult) (int, error) {
	return s.pruneOnce(ctx, "prune reports", sqlPrunableReports, cutoff, func(tx *sql.Tx, in string, args []any) error {
		if _, err := tx.ExecContext(ctx, s.q(fmt.Sprintf(sqlPruneScores, in)), args...); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, s.q(fmt.Sprintf(sqlPruneReports, in)), append(args, cutoff)...)
		if err != nil {
			return err
		}
		res.Reports += affected(r)
		return nil
	})
}

// pruneOnce runs one prune transaction: sel picks up to pruneBatch keys
// older than cutoff, del deletes them (in is their placeholder list, args
// the keys). It returns how many keys sel found.
func (s *Store) pruneOnce(ctx context.Context, what, sel string, cutoff int64, del func(tx *sql.Tx, in string, args []any) error) (int, error) {
	var found int
	err := s.inTx(ctx, what, func(tx *sql.Tx) error {
		keys, err := queryStrings(ctx, tx, s.q(sel), cutoff, pruneBatch)
		if err != nil || len(keys) == 0 {
			return err
		}
		found = len(keys)
		in, args := inList(keys)
		return del(tx, in, args)
	})
	return found, err
}

func (s *Store) execCount(ctx context.Context, what, query string, args ...any) (int64, error) {
	r, err := s.db.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return affected(r), nil
}

func affected(r sql.Result) int64 {
	n, err := r.RowsAffected()
	if err != nil {
		return 0
	}
	return n
}

// inList returns "?, ?, ..." for vals and the values as arguments.
func inList(vals []string) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return placeholders(len(vals)), args
}

func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

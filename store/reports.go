package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// Scored is a new or changed report with the verdict the rules gave it.
type Scored struct {
	Report   report.Report
	Result   rules.Result
	ScoredAt time.Time
}

// Link ties a report to the incident it joined.
type Link = alerts.Link

// Batch is everything one processed fetch changes. Apply writes it in one
// transaction, so an alert is in the outbox exactly when the incident change
// that caused it is stored, and a report is marked seen exactly when its score
// is: a crash at any point leaves either all of it or none.
type Batch struct {
	Scored    []Scored
	Incidents []alerts.Incident
	Links     []Link
	// Alerts are recorded in the outbox once per notifier in Notifiers.
	Alerts    []alerts.Alert
	Notifiers []string
	// Source and Outcome, when set, record the poll in the same transaction.
	Source  string
	Outcome *FetchOutcome
}

const (
	sqlKnownReports = `SELECT identity, content_hash FROM reports WHERE identity IN (%s)`
	sqlUpsertReport = `INSERT INTO reports (identity, source, content_hash, guid, url, outlet, title, body,
			published_at, fetched_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (identity) DO UPDATE SET content_hash = excluded.content_hash, url = excluded.url,
			outlet = excluded.outlet, title = excluded.title, body = excluded.body,
			published_at = excluded.published_at, updated_at = excluded.updated_at`
	sqlInsertScore = `INSERT INTO scores (identity, content_hash, rules_version, alert, severity, score, result, scored_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (identity, content_hash, rules_version) DO UPDATE SET alert = excluded.alert,
			severity = excluded.severity, score = excluded.score, result = excluded.result,
			scored_at = excluded.scored_at`
	sqlLatestScore = `SELECT result FROM scores WHERE identity = ? ORDER BY scored_at DESC LIMIT 1`
	sqlGetReport   = `SELECT source, guid, url, outlet, title, body, published_at, fetched_at
		FROM reports WHERE identity = ?`
	sqlCountReports = `SELECT COUNT(*) FROM reports`
	sqlCountScores  = `SELECT COUNT(*) FROM scores`
	sqlLinkReport   = `INSERT INTO incident_reports (incident_id, identity, added_at) VALUES (?, ?, ?)
		ON CONFLICT (incident_id, identity) DO NOTHING`
)

// knownChunk bounds the IN list of one Known query (SQLite's default limit
// on variables is far above it; PostgreSQL's too).
const knownChunk = 500

// Known returns the stored content hash of each identity already stored.
// A report whose identity is absent is new; one whose hash differs changed.
func (s *Store) Known(ctx context.Context, identities []string) (map[string]string, error) {
	return s.known(ctx, s.db, identities)
}

func (s *Store) known(ctx context.Context, q querier, identities []string) (map[string]string, error) {
	out := make(map[string]string, len(identities))
	for start := 0; start < len(identities); start += knownChunk {
		chunk := identities[start:min(start+knownChunk, len(identities))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, s.q(fmt.Sprintf(sqlKnownReports, placeholders(len(chunk)))), args...)
		if err != nil {
			return nil, fmt.Errorf("known reports: %w", err)
		}
		for rows.Next() {
			var id, h string
			if err := rows.Scan(&id, &h); err != nil {
				rows.Close()
				return nil, fmt.Errorf("known reports: %w", err)
			}
			out[id] = h
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("known reports: %w", err)
		}
	}
	return out, nil
}

// Apply writes a batch atomically (see Batch).
func (s *Store) Apply(ctx context.Context, b Batch) error {
	return s.inTx(ctx, "apply batch", func(tx *sql.Tx) error { return s.apply(ctx, tx, b) })
}

// apply writes a batch in tx.
func (s *Store) apply(ctx context.Context, tx *sql.Tx, b Batch) error {
	for _, sc := range b.Scored {
		if err := s.putScored(ctx, tx, sc); err != nil {
			return err
		}
	}
	for _, inc := range b.Incidents {
		if err := s.putIncident(ctx, tx, inc); err != nil {
			return err
		}
	}
	for _, l := range b.Links {
		if _, err := tx.ExecContext(ctx, s.q(sqlLinkReport), l.IncidentID, l.Identity, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("link report %s to %s: %w", l.Identity, l.IncidentID, err)
		}
	}
	for _, a := range b.Alerts {
		if err := s.enqueue(ctx, tx, a, b.Notifiers); err != nil {
			return err
		}
	}
	if b.Outcome != nil {
		o := *b.Outcome
		var err error
		if o.Err == "" {
			_, err = tx.ExecContext(ctx, s.q(sqlFetchOK), ms(o.NextCheckAt), o.ETag, o.LastModified,
				ms(o.CheckedAt), ms(o.CheckedAt), o.State, b.Source)
		} else {
			_, err = tx.ExecContext(ctx, s.q(sqlFetchFailed), ms(o.NextCheckAt), truncate(o.Err, 1000), ms(o.CheckedAt), b.Source)
		}
		if err != nil {
			return fmt.Errorf("record fetch of %s: %w", b.Source, err)
		}
	}
	return nil
}

func (s *Store) putScored(ctx context.Context, tx *sql.Tx, sc Scored) error {
	r := sc.Report
	id := r.Identity()
	hash := r.ContentHash()
	fetched := r.Fetched
	if fetched.IsZero() {
		fetched = sc.ScoredAt
	}
	if _, err := tx.ExecContext(ctx, s.q(sqlUpsertReport), id, r.Source, hash, r.GUID, r.URL, r.Outlet, r.Title, r.Text,
		ms(r.Published), ms(fetched), ms(sc.ScoredAt)); err != nil {
		return fmt.Errorf("store report %s: %w", id, err)
	}
	res, err := json.Marshal(sc.Result)
	if err != nil {
		return fmt.Errorf("encode score of %s: %w", id, err)
	}
	alert := 0
	if sc.Result.Alert {
		alert = 1
	}
	if _, err := tx.ExecContext(ctx, s.q(sqlInsertScore), id, hash, sc.Result.RulesVersion, alert,
		int(sc.Result.Severity), sc.Result.Score, string(res), ms(sc.ScoredAt)); err != nil {
		return fmt.Errorf("store score of %s: %w", id, err)
	}
	return nil
}

// LatestScore returns the most recent verdict stored for a report identity.
func (s *Store) LatestScore(ctx context.Context, identity string) (rules.Result, error) {
	var raw string
	if err := s.db.QueryRowContext(ctx, s.q(sqlLatestScore), identity).Scan(&raw); err != nil {
		return rules.Result{}, fmt.Errorf("latest score of %s: %w", identity, err)
	}
	var res rules.Result
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		return rules.Result{}, fmt.Errorf("decode score of %s: %w", identity, err)
	}
	return res, nil
}

// Report returns a stored report by identity.
func (s *Store) Report(ctx context.Context, identity string) (report.Report, error) {
	var r report.Report
	var pub, fetched int64
	err := s.db.QueryRowContext(ctx, s.q(sqlGetReport), identity).Scan(&r.Source, &r.GUID, &r.URL, &r.Outlet,
		&r.Title, &r.Text, &pub, &fetched)
	if err != nil {
		return report.Report{}, fmt.Errorf("get report %s: %w", identity, err)
	}
	r.Published, r.Fetched = fromMS(pub), fromMS(fetched)
	return r, nil
}

// Counts returns the number of stored reports and scores.
func (s *Store) Counts(ctx context.Context) (reports, scores int, err error) {
	if err = s.db.QueryRowContext(ctx, sqlCountReports).Scan(&reports); err != nil {
		return 0, 0, fmt.Errorf("count reports: %w", err)
	}
	if err = s.db.QueryRowContext(ctx, sqlCountScores).Scan(&scores); err != nil {
		return 0, 0, fmt.Errorf("count scores: %w", err)
	}
	return reports, scores, nil
}

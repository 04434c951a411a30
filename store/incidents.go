package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
)

const (
	sqlUpsertIncident = `INSERT INTO incidents (id, location, severity, alerted, first_seen, last_seen, resolved_at, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET location = excluded.location, severity = excluded.severity,
			alerted = excluded.alerted, last_seen = excluded.last_seen, resolved_at = excluded.resolved_at,
			data = excluded.data`
	sqlOpenIncidents   = `SELECT data FROM incidents WHERE resolved_at = 0 ORDER BY last_seen DESC`
	sqlGetIncident     = `SELECT data FROM incidents WHERE id = ?`
	sqlRecentIncidents = `SELECT data FROM incidents WHERE last_seen >= ? ORDER BY last_seen DESC LIMIT ?`
	sqlIncidentReports = `SELECT identity FROM incident_reports WHERE incident_id = ? ORDER BY added_at, identity`
)

func (s *Store) putIncident(ctx context.Context, tx *sql.Tx, inc alerts.Incident) error {
	data, err := json.Marshal(inc)
	if err != nil {
		return fmt.Errorf("encode incident %s: %w", inc.ID, err)
	}
	alerted := 0
	if inc.Alerted {
		alerted = 1
	}
	if _, err := tx.ExecContext(ctx, s.q(sqlUpsertIncident), inc.ID, inc.Location, int(inc.Severity), alerted,
		ms(inc.FirstSeen), ms(inc.LastSeen), ms(inc.ResolvedAt), string(data)); err != nil {
		return fmt.Errorf("store incident %s: %w", inc.ID, err)
	}
	return nil
}

// OpenIncidents returns the incidents not yet resolved, most recent first.
func (s *Store) OpenIncidents(ctx context.Context) ([]alerts.Incident, error) {
	return s.queryIncidents(ctx, s.db, "open incidents", sqlOpenIncidents)
}

// RecentIncidents returns up to limit incidents active since the given time.
func (s *Store) RecentIncidents(ctx context.Context, since time.Time, limit int) ([]alerts.Incident, error) {
	return s.queryIncidents(ctx, s.db, "recent incidents", sqlRecentIncidents, ms(since), limit)
}

// Incident returns one incident by id.
func (s *Store) Incident(ctx context.Context, id string) (alerts.Incident, error) {
	var raw string
	if err := s.db.QueryRowContext(ctx, s.q(sqlGetIncident), id).Scan(&raw); err != nil {
		return alerts.Incident{}, fmt.Errorf("get incident %s: %w", id, err)
	}
	var inc alerts.Incident
	if err := json.Unmarshal([]byte(raw), &inc); err != nil {
		return alerts.Incident{}, fmt.Errorf("decode incident %s: %w", id, err)
	}
	return inc, nil
}

// IncidentReports returns the identities of the reports that joined an
// incident, in the order they joined.
func (s *Store) IncidentReports(ctx context.Context, id string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q(sqlIncidentReports), id)
	if err != nil {
		return nil, fmt.Errorf("incident %s reports: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("incident %s reports: %w", id, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SaveIncidents stores incident changes and their events atomically (the
// quiet-expiry sweep, which has no report batch).
func (s *Store) SaveIncidents(ctx context.Context, incs []alerts.Incident, events []alerts.Alert, notifiers []string) error {
	return s.Apply(ctx, Batch{Incidents: incs, Alerts: events, Notifiers: notifiers})
}

func (s *Store) queryIncidents(ctx context.Context, db querier, what, query string, args ...any) ([]alerts.Incident, error) {
	rows, err := db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []alerts.Incident
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		var inc alerts.Incident
		if err := json.Unmarshal([]byte(raw), &inc); err != nil {
			return nil, fmt.Errorf("%s: decode: %w", what, err)
		}
		out = append(out, inc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

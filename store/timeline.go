package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tocsin-alerts/tocsin/alerts"
)

const (
	// Every event of an incident went to the outbox once per notifier;
	// the payloads are identical, so the first row per alert is kept.
	sqlIncidentEvents = `SELECT alert_id, payload FROM outbox WHERE incident_id = ? ORDER BY seq, created_at, alert_id`
	sqlIncidentData   = `SELECT data FROM incidents`
	// One row per alert (the first notifier's), newest first.
	sqlRecentEvents = `SELECT o.alert_id, o.payload FROM outbox o
		WHERE o.notifier = (SELECT MIN(e.notifier) FROM outbox e WHERE e.alert_id = o.alert_id)
		ORDER BY o.created_at DESC, o.incident_id, o.seq DESC LIMIT ?`
)

// RecentEvents returns up to limit alert events of every incident, newest
// first (the Atom feed of alerts). Like IncidentEvents it reads the
// outbox: an event that went to no notifier is absent.
func (s *Store) RecentEvents(ctx context.Context, limit int) ([]alerts.Alert, error) {
	rows, err := s.db.QueryContext(ctx, s.q(sqlRecentEvents), limit)
	if err != nil {
		return nil, fmt.Errorf("recent events: %w", err)
	}
	defer rows.Close()
	var out []alerts.Alert
	for rows.Next() {
		var id, payload string
		if err := rows.Scan(&id, &payload); err != nil {
			return nil, fmt.Errorf("recent events: %w", err)
		}
		var a alerts.Alert
		if err := json.Unmarshal([]byte(payload), &a); err != nil {
			return nil, fmt.Errorf("recent events: decode %s: %w", id, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent events: %w", err)
	}
	return out, nil
}

// FindIncident returns one incident by id; ok is false when there is none.
func (s *Store) FindIncident(ctx context.Context, id string) (alerts.Incident, bool, error) {
	inc, err := s.Incident(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return alerts.Incident{}, false, nil
	}
	if err != nil {
		return alerts.Incident{}, false, err
	}
	return inc, true, nil
}

// IncidentEvents returns the events (opened, updated, escalated, resolved)
// emitted for an incident, in the order they were emitted: its timeline.
// Events that went to no notifier were never enqueued and are absent.
func (s *Store) IncidentEvents(ctx context.Context, incidentID string) ([]alerts.Alert, error) {
	rows, err := s.db.QueryContext(ctx, s.q(sqlIncidentEvents), incidentID)
	if err != nil {
		return nil, fmt.Errorf("incident %s events: %w", incidentID, err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []alerts.Alert
	for rows.Next() {
		var id, payload string
		if err := rows.Scan(&id, &payload); err != nil {
			return nil, fmt.Errorf("incident %s events: %w", incidentID, err)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		var a alerts.Alert
		if err := json.Unmarshal([]byte(payload), &a); err != nil {
			return nil, fmt.Errorf("incident %s events: decode %s: %w", incidentID, id, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("incident %s events: %w", incidentID, err)
	}
	return out, nil
}

// RuleIncidentCounts returns, per rule id, the number of incidents whose
// evidence cites the rule: how often each rule "fired" as far as members
// saw. It reads every incident (decoding only the evidence), which is fine
// for the thousands a deployment keeps; /rules is answered deferred.
func (s *Store) RuleIncidentCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, s.q(sqlIncidentData))
	if err != nil {
		return nil, fmt.Errorf("rule incident counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("rule incident counts: %w", err)
		}
		var inc struct {
			Evidence []struct {
				Rule string `json:"rule"`
			} `json:"evidence"`
		}
		if err := json.Unmarshal([]byte(raw), &inc); err != nil {
			return nil, fmt.Errorf("rule incident counts: decode: %w", err)
		}
		seen := map[string]bool{}
		for _, e := range inc.Evidence {
			if e.Rule != "" && !seen[e.Rule] {
				seen[e.Rule] = true
				out[e.Rule]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rule incident counts: %w", err)
	}
	return out, nil
}

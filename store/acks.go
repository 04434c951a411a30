package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Ack is a member's acknowledgement of an incident (Discord's Acknowledge
// button): who has it in hand.
type Ack struct {
	IncidentID string
	UserID     string
	UserName   string
	At         time.Time
}

const (
	// The first acknowledgement by a member is kept: clicking again does
	// not move it to the end of the list.
	sqlPutAck = `INSERT INTO acks (incident_id, user_id, user_name, acked_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (incident_id, user_id) DO NOTHING`
	sqlAcks = `SELECT incident_id, user_id, user_name, acked_at FROM acks WHERE incident_id = ?
		ORDER BY acked_at, user_id`
)

// PutAck records an acknowledgement; a member's repeated acknowledgement of
// the same incident is a no-op.
func (s *Store) PutAck(ctx context.Context, a Ack) error {
	if strings.TrimSpace(a.IncidentID) == "" || strings.TrimSpace(a.UserID) == "" {
		return fmt.Errorf("put ack: incident id and user id are required")
	}
	at := a.At
	if at.IsZero() {
		at = time.Now()
	}
	return s.exec(ctx, "put ack", sqlPutAck, a.IncidentID, a.UserID, a.UserName, ms(at))
}

// Acks returns an incident's acknowledgements, first first.
func (s *Store) Acks(ctx context.Context, incidentID string) ([]Ack, error) {
	rows, err := s.db.QueryContext(ctx, s.q(sqlAcks), incidentID)
	if err != nil {
		return nil, fmt.Errorf("acks of %s: %w", incidentID, err)
	}
	defer rows.Close()
	var out []Ack
	for rows.Next() {
		var a Ack
		var at int64
		if err := rows.Scan(&a.IncidentID, &a.UserID, &a.UserName, &at); err != nil {
			return nil, fmt.Errorf("acks of %s: %w", incidentID, err)
		}
		a.At = fromMS(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("acks of %s: %w", incidentID, err)
	}
	return out, nil
}

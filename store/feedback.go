package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// FeedbackNotRelevant is the verdict of Discord's "Not relevant" button.
const FeedbackNotRelevant = "not_relevant"

// Feedback is a member's verdict on an incident, recorded against every
// rule that fired for it, so precision can be tracked per rule.
type Feedback struct {
	IncidentID string
	// Rules that fired for the incident; none is recorded under "" so the
	// verdict is not lost.
	Rules  []string
	Kind   string
	UserID string
	At     time.Time
}

const (
	sqlPutFeedback = `INSERT INTO feedback (rule_id, incident_id, user_id, kind, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (rule_id, incident_id, user_id, kind) DO NOTHING`
	// Distinct incidents per rule: three members flagging the same
	// incident are one false alarm, not three.
	sqlFeedbackCounts = `SELECT rule_id, COUNT(DISTINCT incident_id) FROM feedback WHERE kind = ? GROUP BY rule_id`
)

// PutFeedback records a verdict atomically for all its rules. Recording the
// same member's verdict again changes nothing.
func (s *Store) PutFeedback(ctx context.Context, f Feedback) error {
	if f.Kind != FeedbackNotRelevant {
		return fmt.Errorf("put feedback: unknown kind %q (want %q)", f.Kind, FeedbackNotRelevant)
	}
	if strings.TrimSpace(f.IncidentID) == "" || strings.TrimSpace(f.UserID) == "" {
		return fmt.Errorf("put feedback: incident id and user id are required")
	}
	at := f.At
	if at.IsZero() {
		at = time.Now()
	}
	ruleIDs := f.Rules
	if len(ruleIDs) == 0 {
		ruleIDs = []string{""}
	}
	return s.inTx(ctx, "put feedback", func(tx *sql.Tx) error {
		for _, r := range ruleIDs {
			if _, err := tx.ExecContext(ctx, s.q(sqlPutFeedback), r, f.IncidentID, f.UserID, f.Kind, ms(at)); err != nil {
				return fmt.Errorf("rule %s: %w", r, err)
			}
		}
		return nil
	})
}

// FeedbackCounts returns, per rule, the number of distinct incidents that
// received feedback of the given kind.
func (s *Store) FeedbackCounts(ctx context.Context, kind string) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, s.q(sqlFeedbackCounts), kind)
	if err != nil {
		return nil, fmt.Errorf("feedback counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var rule string
		var n int
		if err := rows.Scan(&rule, &n); err != nil {
			return nil, fmt.Errorf("feedback counts: %w", err)
		}
		out[rule] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("feedback counts: %w", err)
	}
	return out, nil
}

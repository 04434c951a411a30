package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// Subscription is a channel route made at run time (Discord's /subscribe):
// which incidents a channel receives and whom to ping at each severity.
// Routes from the config file are not stored; they live in the config.
type Subscription struct {
	ChannelID string
	// Categories and Places empty mean "all".
	Categories   []vocab.Category
	Places       []string
	MinSeverity  rules.Severity
	MentionRoles map[rules.Severity][]string
	// Author is who subscribed the channel (a Discord user id).
	Author    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

const (
	sqlPutSubscription = `INSERT INTO subscriptions (channel_id, categories, places, min_severity, mention_roles, author,
			created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (channel_id) DO UPDATE SET categories = excluded.categories, places = excluded.places,
			min_severity = excluded.min_severity, mention_roles = excluded.mention_roles, author = excluded.author,
			updated_at = excluded.updated_at`
	sqlSubscriptions = `SELECT channel_id, categories, places, min_severity, mention_roles, author, created_at,
			updated_at FROM subscriptions ORDER BY created_at, channel_id`
	sqlDeleteSubscription = `DELETE FROM subscriptions WHERE channel_id = ?`
)

// PutSubscription stores a channel's route, replacing the channel's previous
// one (a channel has one subscription; subscribing again changes it).
// UpdatedAt is the time of the change (the first one is kept as CreatedAt).
func (s *Store) PutSubscription(ctx context.Context, sub Subscription) error {
	if strings.TrimSpace(sub.ChannelID) == "" {
		return fmt.Errorf("put subscription: empty channel id")
	}
	if sub.MinSeverity > rules.SevCritical {
		return fmt.Errorf("put subscription %s: severity %d out of range", sub.ChannelID, sub.MinSeverity)
	}
	cats, err := jsonList(sub.Categories)
	if err != nil {
		return fmt.Errorf("put subscription %s: %w", sub.ChannelID, err)
	}
	places, err := jsonList(sub.Places)
	if err != nil {
		return fmt.Errorf("put subscription %s: %w", sub.ChannelID, err)
	}
	roles := sub.MentionRoles
	if roles == nil {
		roles = map[rules.Severity][]string{}
	}
	rb, err := json.Marshal(roles)
	if err != nil {
		return fmt.Errorf("put subscription %s: encode roles: %w", sub.ChannelID, err)
	}
	at := sub.UpdatedAt
	if at.IsZero() {
		at = time.Now()
	}
	return s.exec(ctx, "put subscription", sqlPutSubscription, sub.ChannelID, cats, places, int(sub.MinSeverity),
		string(rb), sub.Author, ms(at), ms(at))
}

// DeleteSubscription removes a channel's route; it reports whether there
// was one.
func (s *Store) DeleteSubscription(ctx context.Context, channelID string) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(sqlDeleteSubscription), channelID)
	if err != nil {
		return false, fmt.Errorf("delete subscription %s: %w", channelID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("delete subscription %s: %w", channelID, err)
	}
	return n > 0, nil
}

// Subscriptions returns every stored route, oldest first.
func (s *Store) Subscriptions(ctx context.Context) ([]Subscription, error) {
	rows, err := s.db.QueryContext(ctx, s.q(sqlSubscriptions))
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		var sub Subscription
		var cats, places, roles string
		var sev int
		var created, updated int64
		if err := rows.Scan(&sub.ChannelID, &cats, &places, &sev, &roles, &sub.Author, &created, &updated); err != nil {
			return nil, fmt.Errorf("subscriptions: %w", err)
		}
		if err := json.Unmarshal([]byte(cats), &sub.Categories); err != nil {
			return nil, fmt.Errorf("subscription %s: decode categories: %w", sub.ChannelID, err)
		}
		if err := json.Unmarshal([]byte(places), &sub.Places); err != nil {
			return nil, fmt.Errorf("subscription %s: decode places: %w", sub.ChannelID, err)
		}
		if err := json.Unmarshal([]byte(roles), &sub.MentionRoles); err != nil {
			return nil, fmt.Errorf("subscription %s: decode mention roles: %w", sub.ChannelID, err)
		}
		sub.MinSeverity = rules.Severity(sev)
		sub.CreatedAt, sub.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	return out, nil
}

// jsonList encodes a list as a JSON array ("[]" for none, never "null").
func jsonList[T ~string](l []T) (string, error) {
	if l == nil {
		l = []T{}
	}
	b, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}

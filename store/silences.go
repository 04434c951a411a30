package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
)

const (
	sqlPutSilence = `INSERT INTO silences (id, kind, value, matchers, expires_at, author, reason, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, value = excluded.value, matchers = excluded.matchers,
			expires_at = excluded.expires_at, author = excluded.author, reason = excluded.reason`
	sqlSilenceColumns = `id, kind, value, matchers, expires_at, author, reason, created_at`
	sqlActiveSilences = `SELECT ` + sqlSilenceColumns + ` FROM silences WHERE expires_at > ? ORDER BY created_at, id`
	// Every silence kept (retention prunes the long-expired), newest first.
	sqlAllSilences   = `SELECT ` + sqlSilenceColumns + ` FROM silences ORDER BY created_at DESC, id LIMIT ?`
	sqlGetSilence    = `SELECT ` + sqlSilenceColumns + ` FROM silences WHERE id = ?`
	sqlExpireSilence = `UPDATE silences SET expires_at = ? WHERE id = ? AND expires_at > ?`
)

// PutSilence stores (or replaces) a silence.
func (s *Store) PutSilence(ctx context.Context, sl alerts.Silence) error {
	for _, m := range sl.Matchers() {
		if _, err := alerts.ParseSilenceKind(string(m.Kind)); err != nil {
			return fmt.Errorf("put silence %s: %w", sl.ID, err)
		}
	}
	more := ""
	if len(sl.And) > 0 {
		b, err := json.Marshal(sl.And)
		if err != nil {
			return fmt.Errorf("put silence %s: %w", sl.ID, err)
		}
		more = string(b)
	}
	return s.exec(ctx, "put silence", sqlPutSilence, sl.ID, string(sl.Kind), sl.Value, more, ms(sl.ExpiresAt),
		sl.Author, sl.Reason, ms(sl.CreatedAt))
}

// AddSilence validates and stores a new silence, giving it an id
// ("sil-" and 16 hex digits) when it has none: the one way silences are
// created, whether from a Discord button, the web console or the HTTP API.
func (s *Store) AddSilence(ctx context.Context, sl alerts.Silence) (string, error) {
	for _, m := range sl.Matchers() {
		if strings.TrimSpace(m.Value) == "" {
			return "", errors.New("add silence: nothing to silence (empty value)")
		}
	}
	if sl.ExpiresAt.IsZero() {
		return "", errors.New("add silence: no expiry")
	}
	if sl.ID == "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("add silence: id: %w", err)
		}
		sl.ID = "sil-" + hex.EncodeToString(b[:])
	}
	if err := s.PutSilence(ctx, sl); err != nil {
		return "", err
	}
	return sl.ID, nil
}

// ActiveSilences returns the silences in force at now.
func (s *Store) ActiveSilences(ctx context.Context, now time.Time) ([]alerts.Silence, error) {
	return s.querySilences(ctx, "active silences", sqlActiveSilences, ms(now))
}

// Silences returns up to limit silences, active and expired, newest first:
// the history that `tocsin silence list --expired` and the HTTP API show.
func (s *Store) Silences(ctx context.Context, limit int) ([]alerts.Silence, error) {
	return s.querySilences(ctx, "silences", sqlAllSilences, limit)
}

// Silence returns one silence by id; ok is false when there is none.
func (s *Store) Silence(ctx context.Context, id string) (alerts.Silence, bool, error) {
	out, err := s.querySilences(ctx, "silence "+id, sqlGetSilence, id)
	if err != nil || len(out) == 0 {
		return alerts.Silence{}, false, err
	}
	return out[0], true, nil
}

func (s *Store) querySilences(ctx context.Context, what, query string, args ...any) ([]alerts.Silence, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []alerts.Silence
	for rows.Next() {
		var sl alerts.Silence
		var kind, more string
		var exp, created int64
		if err := rows.Scan(&sl.ID, &kind, &sl.Value, &more, &exp, &sl.Author, &sl.Reason, &created); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if more != "" {
			if err := json.Unmarshal([]byte(more), &sl.And); err != nil {
				return nil, fmt.Errorf("%s: silence %s matchers: %w", what, sl.ID, err)
			}
		}
		sl.Kind, sl.ExpiresAt, sl.CreatedAt = alerts.SilenceKind(kind), fromMS(exp), fromMS(created)
		out = append(out, sl)
	}
	return out, rows.Err()
}

// EndSilence expires a silence at now (unmute); the row is kept as history.
// It reports whether an active silence was ended.
func (s *Store) EndSilence(ctx context.Context, id string, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(sqlExpireSilence), ms(now), id, ms(now))
	if err != nil {
		return false, fmt.Errorf("end silence %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("end silence %s: %w", id, err)
	}
	return n > 0, nil
}

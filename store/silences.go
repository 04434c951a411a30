package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
)

const (
	sqlPutSilence = `INSERT INTO silences (id, kind, value, expires_at, author, reason, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, value = excluded.value,
			expires_at = excluded.expires_at, author = excluded.author, reason = excluded.reason`
	sqlActiveSilences = `SELECT id, kind, value, expires_at, author, reason, created_at FROM silences
		WHERE expires_at > ? ORDER BY created_at, id`
	sqlExpireSilence = `UPDATE silences SET expires_at = ? WHERE id = ? AND expires_at > ?`
)

// PutSilence stores (or replaces) a silence.
func (s *Store) PutSilence(ctx context.Context, sl alerts.Silence) error {
	if _, err := alerts.ParseSilenceKind(string(sl.Kind)); err != nil {
		return fmt.Errorf("put silence %s: %w", sl.ID, err)
	}
	return s.exec(ctx, "put silence", sqlPutSilence, sl.ID, string(sl.Kind), sl.Value, ms(sl.ExpiresAt),
		sl.Author, sl.Reason, ms(sl.CreatedAt))
}

// AddSilence validates and stores a new silence, giving it an id
// ("sil-" and 16 hex digits) when it has none: the one way silences are
// created, whether from a Discord button, the web console or the HTTP API.
func (s *Store) AddSilence(ctx context.Context, sl alerts.Silence) (string, error) {
	if strings.TrimSpace(sl.Value) == "" {
		return "", errors.New("add silence: nothing to silence (empty value)")
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
	rows, err := s.db.QueryContext(ctx, s.q(sqlActiveSilences), ms(now))
	if err != nil {
		return nil, fmt.Errorf("active silences: %w", err)
	}
	defer rows.Close()
	var out []alerts.Silence
	for rows.Next() {
		var sl alerts.Silence
		var kind string
		var exp, created int64
		if err := rows.Scan(&sl.ID, &kind, &sl.Value, &exp, &sl.Author, &sl.Reason, &created); err != nil {
			return nil, fmt.Errorf("active silences: %w", err)
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

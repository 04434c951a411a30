package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

const (
	sqlGetRef = `SELECT ref_value FROM notifier_refs WHERE notifier = ? AND ref_key = ?`
	sqlPutRef = `INSERT INTO notifier_refs (notifier, ref_key, ref_value, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (notifier, ref_key) DO UPDATE SET ref_value = excluded.ref_value, updated_at = excluded.updated_at`
	sqlGetMeta = `SELECT value, updated_at FROM meta WHERE name = ?`
	sqlPutMeta = `INSERT INTO meta (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`
)

// GetRef returns a notifier's stored value for key (e.g. the Discord message
// id of an incident); ok is false when none was stored.
func (s *Store) GetRef(ctx context.Context, notifier, key string) (value string, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, s.q(sqlGetRef), notifier, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get %s ref %s: %w", notifier, key, err)
	}
	return value, true, nil
}

// PutRef stores a notifier's value for key, replacing any previous one.
func (s *Store) PutRef(ctx context.Context, notifier, key, value string) error {
	return s.exec(ctx, "put ref", sqlPutRef, notifier, key, value, time.Now().UnixMilli())
}

// SetMeta records a named service fact (rules version, last reload result)
// for `tocsin status`, which reads the store rather than the live process.
func (s *Store) SetMeta(ctx context.Context, name, value string, at time.Time) error {
	return s.exec(ctx, "set meta", sqlPutMeta, name, value, ms(at))
}

// Meta returns a named fact and when it was set; ok is false when unset.
func (s *Store) Meta(ctx context.Context, name string) (value string, at time.Time, ok bool, err error) {
	var t int64
	err = s.db.QueryRowContext(ctx, s.q(sqlGetMeta), name).Scan(&value, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("get meta %s: %w", name, err)
	}
	return value, fromMS(t), true, nil
}

// MetaHeartbeat is the meta row that Probe writes.
const MetaHeartbeat = "heartbeat"

// Probe writes a heartbeat row: readiness means the store takes writes, not
// only that it answers (a read-only or locked database pings fine).
// It also records this replica as seen (Replicas).
func (s *Store) Probe(ctx context.Context, at time.Time) error {
	if err := s.SetMeta(ctx, MetaHeartbeat, at.UTC().Format(time.RFC3339Nano), at); err != nil {
		return fmt.Errorf("store write probe: %w", err)
	}
	if err := s.exec(ctx, "store write probe", sqlSeenReplica, s.holder, ms(at), ms(at)); err != nil {
		return err
	}
	return s.exec(ctx, "store write probe", sqlForgetReplicas, ms(at.Add(-forgetReplicasAfter)))
}

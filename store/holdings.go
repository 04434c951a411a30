package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Holding is what one replica holds at a moment: the sources it is polling
// and the outbox rows it is sending (leases not yet run out).
type Holding struct {
	Sources      []string `json:"sources"`
	OutboxLeases int      `json:"outbox_leases"`
}

const (
	sqlSeenReplica = `INSERT INTO replicas (id, started_at, seen_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`
	sqlForgetReplicas = `DELETE FROM replicas WHERE seen_at < ?`
	sqlReplicas       = `SELECT id, started_at, seen_at FROM replicas ORDER BY id`
	sqlHeldSources    = `SELECT lease_holder, id FROM sources WHERE lease_until > ? ORDER BY lease_holder, id`
	sqlHeldOutbox     = `SELECT lease_holder, COUNT(*) FROM outbox WHERE state = 'pending' AND lease_until > ?
		GROUP BY lease_holder`
)

// Holdings returns, by replica identity, the claims in force at now. A
// replica that died keeps its entry until its leases run out, which is
// what an operator wants to see after a failover.
func (s *Store) Holdings(ctx context.Context, now time.Time) (map[string]Holding, error) {
	out := map[string]Holding{}
	rows, err := s.db.QueryContext(ctx, s.q(sqlHeldSources), ms(now))
	if err != nil {
		return nil, fmt.Errorf("held sources: %w", err)
	}
	for rows.Next() {
		var holder, id string
		if err := rows.Scan(&holder, &id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("held sources: %w", err)
		}
		h := out[holder]
		h.Sources = append(h.Sources, id)
		out[holder] = h
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("held sources: %w", err)
	}
	rows, err = s.db.QueryContext(ctx, s.q(sqlHeldOutbox), ms(now))
	if err != nil {
		return nil, fmt.Errorf("held outbox rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var holder string
		var n int
		if err := rows.Scan(&holder, &n); err != nil {
			return nil, fmt.Errorf("held outbox rows: %w", err)
		}
		h := out[holder]
		h.OutboxLeases = n
		out[holder] = h
	}
	for k, h := range out {
		slices.Sort(h.Sources)
		out[k] = h
	}
	return out, rows.Err()
}

// forgetReplicasAfter is how long a replica that stopped probing stays
// listed.
const forgetReplicasAfter = 24 * time.Hour

// Replica is one process seen running on this store (by its probes).
type Replica struct {
	ID        string    `json:"id"`
	StartedAt time.Time `json:"started_at"`
	SeenAt    time.Time `json:"seen_at"`
}

// Replicas lists the replicas that probed the store in the last day.
func (s *Store) Replicas(ctx context.Context) ([]Replica, error) {
	rows, err := s.db.QueryContext(ctx, sqlReplicas)
	if err != nil {
		return nil, fmt.Errorf("replicas: %w", err)
	}
	defer rows.Close()
	var out []Replica
	for rows.Next() {
		var r Replica
		var started, seen int64
		if err := rows.Scan(&r.ID, &started, &seen); err != nil {
			return nil, fmt.Errorf("replicas: %w", err)
		}
		r.StartedAt, r.SeenAt = fromMS(started), fromMS(seen)
		out = append(out, r)
	}
	return out, rows.Err()
}

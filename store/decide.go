package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tocsin-alerts/tocsin/alerts"
)

// DecisionState is what an incident decision reads, inside Decide: as of
// the moment the decision lock was taken, so it includes every decision
// committed before, by this process or any other replica.
type DecisionState interface {
	// Known returns the stored content hash of each known identity.
	Known(ctx context.Context, identities []string) (map[string]string, error)
	// OpenIncidents returns the incidents not yet resolved.
	OpenIncidents(ctx context.Context) ([]alerts.Incident, error)
}

// Decide runs one incident decision: it takes the decision lock, hands fn
// the state to plan from, and writes the batch fn returns in the same
// transaction. Decisions are therefore serialised across every process
// sharing the store: two replicas that receive two reports of one event at
// the same moment decide one after the other, and the second sees the
// incident the first opened and joins it.
//
// The lock is one for the whole store, not one per place: grouping is not
// partitioned by any key (a report naming only a country joins an incident
// in one of its cities, a near-duplicate text with no place joins an
// incident anywhere, a ceasefire closes every incident at its place), so a
// per-place lock would let two replicas decide overlapping incidents at
// once. Under it run only reads of open incidents, a pure plan and the
// batch's writes; fetching, scoring, second opinions and summaries happen
// before it. On PostgreSQL it is pg_advisory_xact_lock, released at commit
// or rollback, and with the session if the replica dies. On SQLite the
// IMMEDIATE transaction is the lock.
//
// An error from fn rolls everything back and is returned.
func (s *Store) Decide(ctx context.Context, fn func(st DecisionState) (Batch, error)) error {
	return s.inTx(ctx, "decide", func(tx *sql.Tx) error {
		if l := s.dialect.lockDecisions(); l != "" {
			if _, err := tx.ExecContext(ctx, l); err != nil {
				return fmt.Errorf("decision lock: %w", err)
			}
		}
		b, err := fn(txState{s: s, tx: tx})
		if err != nil {
			return err
		}
		return s.apply(ctx, tx, b)
	})
}

// txState reads inside a decision's transaction.
type txState struct {
	s  *Store
	tx *sql.Tx
}

func (t txState) Known(ctx context.Context, identities []string) (map[string]string, error) {
	return t.s.known(ctx, t.tx, identities)
}

func (t txState) OpenIncidents(ctx context.Context) ([]alerts.Incident, error) {
	return t.s.queryIncidents(ctx, t.tx, "open incidents", sqlOpenIncidents)
}

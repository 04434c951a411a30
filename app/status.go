package app

import (
	"context"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/store"
)

// Status is the service state as the store knows it: what `tocsin status`,
// GET /status and the Discord /status command show. Source URLs are left
// out: they may carry credentials. ReadStatus reads it all; what readers
// without a token see is Public().
type Status struct {
	Sources       []SourceStatus `json:"sources"`
	Outbox        map[string]int `json:"outbox"`
	OpenIncidents int            `json:"open_incidents"`
	RulesVersion  string         `json:"rules_version"`
	// RulesReload is "ok" or "error: <problems>" for the last load.
	RulesReload   string    `json:"rules_reload"`
	RulesReloadAt time.Time `json:"rules_reload_at,omitzero"`
	// Silences are the silences in force (from Discord, the web console,
	// the API or `tocsin silence`); Public leaves out who and why.
	Silences []SilenceStatus `json:"silences"`
	// Cluster is every replica of the store as the store knows them.
	Cluster ClusterStatus `json:"cluster"`
	// Replica is the process that answered (GET /status only).
	Replica *ReplicaStatus `json:"replica,omitempty"`
}

// ClusterStatus is who runs on the store: the replicas seen lately (their
// readiness probes), the leader, and what each holds now.
type ClusterStatus struct {
	// Store is "postgres" (replicas) or "sqlite" (one process).
	Store string `json:"store"`
	// Leader is the leader's replica id, empty when none leads now (or on
	// SQLite, where the one process leads).
	Leader   string                   `json:"leader,omitempty"`
	Replicas []store.Replica          `json:"replicas"`
	Holdings map[string]store.Holding `json:"holdings"`
}

// SourceStatus is one source's polling health.
type SourceStatus struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Enabled bool   `json:"enabled"`
	// Labels are the source's labels (config sources[].labels).
	Labels        report.Labels `json:"labels,omitzero"`
	LastSuccessAt time.Time     `json:"last_success_at,omitzero"`
	LastCheckAt   time.Time     `json:"last_check_at,omitzero"`
	NextCheckAt   time.Time     `json:"next_check_at,omitzero"`
	ErrorStreak   int           `json:"error_streak"`
	LastError     string        `json:"last_error,omitempty"`
}

// ReadStatus reads the status from a store.
func ReadStatus(ctx context.Context, s *store.Store) (Status, error) {
	var st Status
	srcs, err := s.Sources(ctx)
	if err != nil {
		return st, err
	}
	st.Sources = make([]SourceStatus, 0, len(srcs))
	for _, src := range srcs {
		st.Sources = append(st.Sources, SourceStatus{ID: src.ID, Kind: src.Kind, Enabled: src.Enabled, Labels: src.Labels,
			LastSuccessAt: src.LastSuccessAt, LastCheckAt: src.LastCheckAt, NextCheckAt: src.NextCheckAt,
			ErrorStreak: src.ErrorStreak, LastError: src.LastError})
	}
	if st.Outbox, err = s.OutboxDepth(ctx); err != nil {
		return st, err
	}
	open, err := s.OpenIncidents(ctx)
	if err != nil {
		return st, err
	}
	st.OpenIncidents = len(open)
	if st.RulesVersion, _, _, err = s.Meta(ctx, MetaRulesVersion); err != nil {
		return st, err
	}
	if st.RulesReload, st.RulesReloadAt, _, err = s.Meta(ctx, MetaRulesReload); err != nil {
		return st, err
	}
	active, err := s.ActiveSilences(ctx, time.Now())
	if err != nil {
		return st, err
	}
	st.Silences = silenceStatuses(active)
	st.Cluster, err = readCluster(ctx, s)
	return st, err
}

func readCluster(ctx context.Context, s *store.Store) (ClusterStatus, error) {
	c := ClusterStatus{Store: s.Dialect()}
	var err error
	if c.Replicas, err = s.Replicas(ctx); err != nil {
		return c, err
	}
	if c.Holdings, err = s.Holdings(ctx, time.Now()); err != nil {
		return c, err
	}
	if s.Dialect() == "postgres" {
		li, err := s.Leader(ctx)
		if err != nil {
			return c, err
		}
		c.Leader = li.Holder
	}
	return c, nil
}

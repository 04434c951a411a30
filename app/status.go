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
	return st, nil
}

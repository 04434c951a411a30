package app

import (
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
)

// SilenceStatus is a silence in force as the status shows it: its id,
// what it matches and until when. Who added it and why (Author, Comment)
// are only in authenticated reads: GET /status with an API token, `tocsin
// status` that has one, Discord's /silences. The public /status, which
// monitoring probes and anyone who reaches http.addr read, leaves them out:
// they name people and say what a desk is watching or ignoring.
type SilenceStatus struct {
	ID        string           `json:"id"`
	Matchers  []alerts.Matcher `json:"matchers"`
	ExpiresAt time.Time        `json:"expires_at"`
	Author    string           `json:"author,omitempty"`
	Comment   string           `json:"comment,omitempty"`
}

// silenceStatuses lists silences in force, with who and why.
func silenceStatuses(list []alerts.Silence) []SilenceStatus {
	out := make([]SilenceStatus, 0, len(list))
	for _, s := range list {
		out = append(out, SilenceStatus{ID: s.ID, Matchers: s.Matchers(), ExpiresAt: s.ExpiresAt, Author: s.Author, Comment: s.Reason})
	}
	return out
}

// Public is the status as an unauthenticated reader sees it: counts, ids,
// matchers and expiries, without who added a silence or why.
func (st Status) Public() Status {
	pub := make([]SilenceStatus, len(st.Silences))
	for i, s := range st.Silences {
		s.Author, s.Comment = "", ""
		pub[i] = s
	}
	st.Silences = pub
	return st
}

// Silence is the silence as the alerts package has it (for Discord's
// /status, which lists it with the same lines as /silences).
func (s SilenceStatus) Silence() alerts.Silence {
	sl := alerts.NewSilence(s.Matchers, s.ExpiresAt, s.Author, s.Comment, time.Time{})
	sl.ID = s.ID
	return sl
}

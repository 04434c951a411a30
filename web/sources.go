package web

import (
	"context"
	"net/http"
	"sort"
	"time"
)

type sourcesData struct {
	Status  Status
	Failing int
	Now     time.Time
}

// sourcesPage shows each source's health, failing ones first (longest
// streak first), then the healthy ones by id, disabled ones last.
func (s *Server) sourcesPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	st, err := s.o.Status.Status(ctx)
	if err != nil {
		s.internal(w, r, "source status", err)
		return
	}
	sortSources(st.Sources)
	d := sourcesData{Status: st, Now: s.now()}
	for _, src := range st.Sources {
		if src.ErrorStreak > 0 {
			d.Failing++
		}
	}
	s.render(w, r, http.StatusOK, "sources", "Sources", d)
}

func sortSources(srcs []SourceHealth) {
	sort.SliceStable(srcs, func(i, j int) bool {
		a, b := srcs[i], srcs[j]
		if (a.ErrorStreak > 0) != (b.ErrorStreak > 0) {
			return a.ErrorStreak > 0
		}
		if a.ErrorStreak != b.ErrorStreak {
			return a.ErrorStreak > b.ErrorStreak
		}
		if a.Enabled != b.Enabled {
			return a.Enabled
		}
		return a.ID < b.ID
	})
}

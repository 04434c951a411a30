package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// ParseDuration reads "90s", "4h", "7d": a Go duration with days.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a duration (e.g. 4h, 7d)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (e.g. 4h, 7d)", s)
	}
	return d, nil
}

// parseSelector reads place, category and severity (a minimum, as in
// Discord's /alerts) from a query, checking the category with the rule
// set's vocabulary.
func (s *Server) parseSelector(q url.Values, problems *[]feed.FieldError) alerts.Selector {
	var sel alerts.Selector
	if p := strings.TrimSpace(q.Get("place")); p != "" {
		sel.Places = []string{p}
	}
	if c := q.Get("category"); c != "" {
		cat, err := s.o.Rules.Set().Categories().Parse(c)
		if err != nil {
			*problems = append(*problems, feed.FieldError{Field: "category", Message: err.Error()})
		}
		sel.Categories = []string{string(cat)}
	}
	if v := q.Get("severity"); v != "" {
		sev, err := vocab.ParseSeverity(v)
		if err != nil || sev == rules.SevNone {
			*problems = append(*problems, feed.FieldError{Field: "severity", Message: "want low, medium, high or critical (the minimum)"})
		}
		sel.MinSeverity = sev
	}
	return sel
}

func (s *Server) parseFilter(r *http.Request) (Filter, []feed.FieldError) {
	q := r.URL.Query()
	var problems []feed.FieldError
	f := Filter{Select: s.parseSelector(q, &problems), Limit: 50}
	if st, err := alerts.ParseStateFilter(q.Get("state")); err == nil {
		f.State = st
	} else {
		problems = append(problems, feed.FieldError{Field: "state", Message: err.Error()})
	}
	if v := q.Get("since"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			f.Since = t
		} else if d, err := ParseDuration(v); err == nil {
			f.Since = s.o.Now().Add(-d)
		} else {
			problems = append(problems, feed.FieldError{Field: "since", Message: "want an RFC 3339 time or a duration back from now (24h, 7d)"})
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > s.maxListed {
			problems = append(problems, feed.FieldError{Field: "limit", Message: fmt.Sprintf("want 1 to %d", s.maxListed)})
		}
		f.Limit = n
	}
	return f, problems
}

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) {
	f, problems := s.parseFilter(r)
	if len(problems) > 0 {
		bad(w, problems)
		return
	}
	ctx, cancel := timeout(r)
	defer cancel()
	incs, err := s.o.Incidents.Incidents(ctx, f)
	if err != nil {
		s.internal(w, "incidents", err)
		return
	}
	out := make([]Incident, 0, len(incs))
	for _, inc := range incs {
		out = append(out, IncidentOf(inc))
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": out})
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := timeout(r)
	defer cancel()
	id := r.PathValue("id")
	inc, evs, ok, err := s.o.Incidents.IncidentTimeline(ctx, id)
	if err != nil {
		s.internal(w, "incident", err)
		return
	}
	if !ok {
		feed.WriteErrors(w, http.StatusNotFound, feed.FieldError{Field: "id", Message: "no incident has this id"})
		return
	}
	out := IncidentOf(inc)
	out.Timeline = make([]Event, 0, len(evs))
	for _, a := range evs {
		out.Timeline = append(out.Timeline, EventOf(a))
	}
	writeJSON(w, http.StatusOK, out)
}

package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/feed"
)

// maxSilencesListed bounds GET /v1/silences (retention prunes expired ones).
const maxSilencesListed = 1000

func (s *Server) listSilences(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	if state == "" {
		state = "active"
	}
	if !slices.Contains([]string{"active", "expired", "all"}, state) {
		bad(w, []feed.FieldError{{Field: "state", Message: "want active, expired or all"}})
		return
	}
	ctx, cancel := timeout(r)
	defer cancel()
	all, err := s.o.Silences.Silences(ctx, maxSilencesListed)
	if err != nil {
		s.internal(w, "silences", err)
		return
	}
	now := s.o.Now()
	out := []Silence{}
	for _, sl := range all {
		ws := toSilence(sl, now)
		if state == "all" || ws.State == state {
			out = append(out, ws)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"silences": out})
}

// addSilence creates a silence. Every problem is reported at once, each at
// its JSON path; categories and rule ids are checked with the live rules.
func (s *Server) addSilence(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	var body NewSilence
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		if strings.Contains(err.Error(), "request body too large") {
			feed.WriteErrors(w, http.StatusRequestEntityTooLarge, feed.FieldError{Message: "body over 64 KiB"})
			return
		}
		bad(w, []feed.FieldError{{Message: "the body is not a silence: " + err.Error()}})
		return
	}
	sl, problems := s.newSilence(body)
	if len(problems) > 0 {
		bad(w, problems)
		return
	}
	ctx, cancel := timeout(r)
	defer cancel()
	id, err := s.o.Silences.AddSilence(ctx, sl)
	if err != nil {
		s.internal(w, "silences", err)
		return
	}
	sl.ID = id
	s.log.Info("silence added over the API", "id", id, "matchers", sl.Describe(), "until", sl.ExpiresAt, "author", sl.Author)
	w.Header().Set("Location", "/v1/silences/"+id)
	writeJSON(w, http.StatusCreated, toSilence(sl, s.o.Now()))
}

func (s *Server) newSilence(b NewSilence) (alerts.Silence, []feed.FieldError) {
	var problems []feed.FieldError
	add := func(field, format string, args ...any) {
		problems = append(problems, feed.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	set := s.o.Rules.Set()
	if len(b.Matchers) == 0 {
		add("matchers", "required: at least one {\"kind\",\"value\"} (kinds: place, category, rule, incident, label)")
	}
	ms := make([]alerts.Matcher, len(b.Matchers))
	for i, m := range b.Matchers {
		c, err := m.Check(set)
		if err != nil {
			add(fmt.Sprintf("matchers[%d]", i), "%v", err)
		}
		ms[i] = c
	}
	if strings.TrimSpace(b.Author) == "" {
		add("author", "required: who silences (a name an operator can ask)")
	}
	if strings.TrimSpace(b.Comment) == "" {
		add("comment", "required: why (shown wherever the silence is listed)")
	}
	now := s.o.Now()
	var expires = now
	switch {
	case b.Duration != "" && b.ExpiresAt != nil:
		add("duration", "give duration or expires_at, not both")
	case b.Duration != "":
		d, err := ParseDuration(b.Duration)
		if err != nil || d <= 0 {
			add("duration", "want a positive duration such as 4h or 7d")
		}
		expires = now.Add(d)
	case b.ExpiresAt != nil:
		expires = *b.ExpiresAt
	default:
		add("duration", "required: a duration (4h, 7d) or expires_at")
	}
	if len(problems) > 0 {
		return alerts.Silence{}, problems
	}
	sl, err := alerts.NewSilence(ms, expires, b.Author, b.Comment, now).Check(set, now)
	if err != nil {
		add("expires_at", "%v", err)
	}
	return sl, problems
}

// expireSilence ends a silence now; the row stays as history. Expiring an
// expired silence changes nothing and answers the same (DELETE is
// idempotent); an unknown id is 404.
func (s *Server) expireSilence(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := timeout(r)
	defer cancel()
	id := r.PathValue("id")
	now := s.o.Now()
	ended, err := s.o.Silences.EndSilence(ctx, id, now)
	if err != nil {
		s.internal(w, "silences", err)
		return
	}
	all, err := s.o.Silences.Silences(ctx, maxSilencesListed)
	if err != nil {
		s.internal(w, "silences", err)
		return
	}
	i := slices.IndexFunc(all, func(sl alerts.Silence) bool { return sl.ID == id })
	if i < 0 {
		feed.WriteErrors(w, http.StatusNotFound, feed.FieldError{Field: "id", Message: "no silence has this id"})
		return
	}
	if ended {
		s.log.Info("silence expired over the API", "id", id)
	}
	writeJSON(w, http.StatusOK, toSilence(all[i], now))
}

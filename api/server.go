package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/rules"
)

// Filter narrows the incident list.
type Filter struct {
	Select alerts.Selector
	State  alerts.StateFilter
	// Since keeps incidents active at or after it (zero: no bound).
	Since time.Time
	Limit int
}

// Incidents is what the API reads incidents through (the app's adapter
// over the store, shared with the web console).
type Incidents interface {
	// Incidents lists incidents newest first (by last activity).
	Incidents(ctx context.Context, f Filter) ([]alerts.Incident, error)
	// IncidentTimeline returns an incident and its events, oldest first.
	IncidentTimeline(ctx context.Context, id string) (alerts.Incident, []alerts.Alert, bool, error)
}

// Events lists the most recent alert events, newest first (the feed).
type Events interface {
	RecentEvents(ctx context.Context, limit int) ([]alerts.Alert, error)
}

// Silences is the store's silences table, shared with the web console and
// the Discord buttons.
type Silences interface {
	Silences(ctx context.Context, limit int) ([]alerts.Silence, error)
	AddSilence(ctx context.Context, s alerts.Silence) (id string, err error)
	EndSilence(ctx context.Context, id string, now time.Time) (bool, error)
}

// LiveRules is the live rule set: silences are checked with its
// vocabulary and rule ids.
type LiveRules interface {
	Set() *rules.Set
}

// Options configure the API.
type Options struct {
	Incidents Incidents
	Events    Events
	Silences  Silences
	Rules     LiveRules
	// Token may read and write; ReadToken (optional) may only read. With
	// neither, every request is refused: the API fails closed.
	Token, ReadToken string
	// Title names the Atom feed ("tocsin alerts").
	Title  string
	Now    func() time.Time
	Logger *slog.Logger
}

// Server serves the API. Mount it at /v1/ (Handler registers full paths).
type Server struct {
	o         Options
	full, ro  []byte // token digests; nil: unset
	log       *slog.Logger
	maxListed int
}

// New checks o and returns a Server.
func New(o Options) (*Server, error) {
	if o.Incidents == nil || o.Events == nil || o.Silences == nil || o.Rules == nil {
		return nil, errors.New("api: Incidents, Events, Silences and Rules are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Title == "" {
		o.Title = "tocsin alerts"
	}
	s := &Server{o: o, log: o.Logger.With("component", "api"), maxListed: 500}
	s.full, s.ro = digest(o.Token), digest(o.ReadToken)
	return s, nil
}

func digest(tok string) []byte {
	if tok == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}

// Register adds the API's routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.Handle("GET /v1/incidents", s.read(s.listIncidents))
	mux.Handle("GET /v1/incidents/{id}", s.read(s.getIncident))
	mux.Handle("GET /v1/silences", s.read(s.listSilences))
	mux.Handle("POST /v1/silences", s.write(s.addSilence))
	mux.Handle("DELETE /v1/silences/{id}", s.write(s.expireSilence))
	mux.Handle("GET /v1/alerts.atom", s.read(s.atom))
}

type access int

const (
	denied access = iota
	readOnly
	readWrite
)

// access reads the bearer token (or, for feed readers that cannot send a
// header, the password of HTTP Basic auth) and compares it in constant time.
func (s *Server) access(r *http.Request) (access, string) {
	tok := ""
	scheme, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		tok = strings.TrimSpace(rest)
	case strings.EqualFold(scheme, "Basic"):
		_, tok, _ = r.BasicAuth()
	}
	if tok == "" {
		return denied, ""
	}
	sum := sha256.Sum256([]byte(tok))
	switch {
	case s.full != nil && subtle.ConstantTimeCompare(sum[:], s.full) == 1:
		return readWrite, "invalid_token"
	case s.ro != nil && subtle.ConstantTimeCompare(sum[:], s.ro) == 1:
		return readOnly, "insufficient_scope"
	}
	return denied, "invalid_token"
}

func (s *Server) guard(need access, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.full == nil && s.ro == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin"`)
			feed.WriteErrors(w, http.StatusUnauthorized, feed.FieldError{Message: "the API is off: set http.api_token"})
			return
		}
		got, why := s.access(r)
		switch {
		case got == denied && why == "":
			w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin"`)
			feed.WriteErrors(w, http.StatusUnauthorized, feed.FieldError{Message: "bearer token required"})
			return
		case got == denied:
			s.log.Warn("api: wrong token", "remote", r.RemoteAddr, "path", r.URL.Path)
			w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin", error="invalid_token"`)
			feed.WriteErrors(w, http.StatusUnauthorized, feed.FieldError{Message: "invalid token"})
			return
		case got < need:
			w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin", error="insufficient_scope"`)
			feed.WriteErrors(w, http.StatusForbidden, feed.FieldError{Message: "this token may only read; writes need http.api_token"})
			return
		}
		h(w, r)
	})
}

// CanRead reports whether r presents a token of the API (api_read_token
// or api_token). GET /status, outside the API, uses it to show API readers
// what it leaves out for everyone else.
func (s *Server) CanRead(r *http.Request) bool {
	got, _ := s.access(r)
	return got >= readOnly
}

func (s *Server) read(h http.HandlerFunc) http.Handler  { return s.guard(readOnly, h) }
func (s *Server) write(h http.HandlerFunc) http.Handler { return s.guard(readWrite, h) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// internal answers 503 for a store failure, logging the cause but not
// showing it (it may name a DSN).
func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	s.log.Error("api: "+what, "error", err)
	w.Header().Set("Retry-After", "5")
	feed.WriteErrors(w, http.StatusServiceUnavailable, feed.FieldError{Message: what + " unavailable; retry later"})
}

func bad(w http.ResponseWriter, problems []feed.FieldError) {
	feed.WriteErrors(w, http.StatusBadRequest, problems...)
}

func timeout(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 10*time.Second)
}

package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
)

// durationOptions are the silence lengths offered (Go durations).
var durationOptions = []option{{"1h", "1 hour"}, {"4h", "4 hours"}, {"24h", "1 day"}, {"168h", "1 week"}, {"720h", "30 days"}}

// maxSilence bounds a silence: a forgotten one should not hide a war.
const maxSilence = alerts.MaxSilence

var silenceKinds = []option{
	{string(alerts.SilencePlace), "place"},
	{string(alerts.SilenceCategory), "category"},
	{string(alerts.SilenceRule), "rule"},
	{string(alerts.SilenceIncident), "incident"},
	{string(alerts.SilenceLabel), "source label (name=value)"},
}

type silencesData struct {
	Active    []alerts.Silence
	Kinds     []option
	Durations []option
	Form      silenceForm
	Error     string
	Done      string
	Now       time.Time
	// CanSignIn: a token exists to sign in with (else the hint says to
	// set one). Who added a silence and why are shown only to a viewer
	// who signed in with a token (page.Session): an open console shows
	// them to whoever reaches it.
	CanSignIn bool
}

// silenceForm is the add form as typed, to refill it after an error.
type silenceForm struct{ Kind, Value, Duration, Reason string }

func (s *Server) silencesPage(w http.ResponseWriter, r *http.Request) {
	d := silencesData{Form: silenceForm{Kind: string(alerts.SilencePlace), Duration: "24h"}}
	switch r.URL.Query().Get("done") {
	case "added":
		d.Done = "Silence added."
	case "expired":
		d.Done = "Silence expired."
	case "gone":
		d.Done = "That silence had already ended."
	}
	s.showSilences(w, r, http.StatusOK, d)
}

func (s *Server) showSilences(w http.ResponseWriter, r *http.Request, status int, d silencesData) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	now := s.now()
	active, err := s.o.Silences.ActiveSilences(ctx, now)
	if err != nil {
		s.internal(w, r, "silences", err)
		return
	}
	sort.SliceStable(active, func(i, j int) bool { return active[i].ExpiresAt.Before(active[j].ExpiresAt) })
	d.Active, d.Kinds, d.Durations, d.Now = active, silenceKinds, durationOptions, now
	d.CanSignIn = !s.auth.open() || s.auth.writes()
	s.render(w, r, status, "silences", "Silences", d)
}

// addSilence creates a silence from the form (admin only). Categories and
// rule ids are checked against the live rules, as Discord's /mute does.
func (s *Server) addSilence(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	f := silenceForm{Kind: r.PostFormValue("kind"), Value: strings.TrimSpace(r.PostFormValue("value")),
		Duration: r.PostFormValue("duration"), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	sl, err := s.parseSilence(f)
	if err != nil {
		s.showSilences(w, r, http.StatusBadRequest, silencesData{Form: f, Error: err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	id, err := s.o.Silences.AddSilence(ctx, sl)
	if err != nil {
		s.internal(w, r, "silences", err)
		return
	}
	s.log.Info("silence added from the web console", "id", id, "kind", sl.Kind, "until", sl.ExpiresAt)
	http.Redirect(w, r, safeNext(r.PostFormValue("return"))+"?done=added", http.StatusSeeOther)
}

func (s *Server) parseSilence(f silenceForm) (alerts.Silence, error) {
	kind, err := alerts.ParseSilenceKind(f.Kind)
	if err != nil {
		return alerts.Silence{}, err
	}
	if f.Value == "" {
		return alerts.Silence{}, fmt.Errorf("say what to silence: a %s", kind)
	}
	if len(f.Value) > 200 || len(f.Reason) > 500 {
		return alerts.Silence{}, fmt.Errorf("the value may be 200 characters long and the reason 500")
	}
	// Categories, rule ids and labels are checked as every silence is
	// (alerts.Matcher.Check): the live vocabulary, the closest name.
	m, err := alerts.Matcher{Kind: kind, Value: f.Value}.Check(s.o.Rules.Set())
	if err != nil {
		return alerts.Silence{}, err
	}
	f.Value = m.Value
	d, err := time.ParseDuration(f.Duration)
	if err != nil || d <= 0 || d > maxSilence {
		return alerts.Silence{}, fmt.Errorf("the duration must be a Go duration such as 4h, at most %v", maxSilence)
	}
	now := s.now()
	return alerts.Silence{Kind: kind, Value: f.Value, ExpiresAt: now.Add(d), Author: "web console",
		Reason: f.Reason, CreatedAt: now}, nil
}

// expireSilence ends a silence now (admin only); the row stays as history.
func (s *Server) expireSilence(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	id := r.PathValue("id")
	ended, err := s.o.Silences.EndSilence(ctx, id, s.now())
	if err != nil {
		s.internal(w, r, "silences", err)
		return
	}
	done := "expired"
	if !ended {
		done = "gone"
	} else {
		s.log.Info("silence expired from the web console", "id", id)
	}
	http.Redirect(w, r, "/silences?done="+done, http.StatusSeeOther)
}

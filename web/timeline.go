package web

import (
	"context"
	"net/http"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// eventView is one line of an incident's timeline.
type eventView struct {
	At         time.Time
	Kind       alerts.EventKind
	Severity   rules.Severity
	Prev       rules.Severity // before an escalation
	Reason     string
	Report     report.Report
	Evidence   []rules.Evidence
	Suppressed []rules.Evidence
	Second     string // the model's second opinion, when one was asked
}

type incidentData struct {
	Inc       alerts.Incident
	State     string
	Events    []eventView
	Map       mapView
	Durations []option
	Now       time.Time
}

func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	id := r.PathValue("id")
	det, ok, err := s.o.Incidents.IncidentDetail(ctx, id)
	if err != nil {
		s.internal(w, r, "the incident", err)
		return
	}
	if !ok {
		s.fail(w, r, http.StatusNotFound, "No incident has that id.")
		return
	}
	inc := det.Incident
	d := incidentData{Inc: inc, State: incidentState(inc), Now: s.now(),
		Map: buildMap([]alerts.Incident{inc}, s.o.Locator, true, 60)}
	for _, a := range det.Events {
		d.Events = append(d.Events, eventView{At: a.At, Kind: a.Kind, Severity: a.Incident.Severity,
			Prev: a.PrevSeverity, Reason: a.Reason, Report: a.Report, Evidence: a.Result.Evidence,
			Suppressed: a.Result.Suppressed, Second: a.Result.SecondOpinion})
	}
	d.Durations = durationOptions
	s.render(w, r, http.StatusOK, "incident", inc.Title, d)
}

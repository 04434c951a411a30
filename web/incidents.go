package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/vocab"
)

const (
	// listScan bounds how many matching incidents one page reads: the map
	// shows every open one among them, the list the newest rows.
	listScan = 5000
	// defaultRows and maxRows bound the list.
	defaultRows = 100
	maxRows     = 1000
)

// filterForm is the incident filter as the user typed it.
type filterForm struct {
	Severity, Category, Place, State string
	Rows                             int
	World                            bool
}

// query renders the filter as a URL query, with overrides.
func (f filterForm) query(set map[string]string) string {
	v := url.Values{}
	put := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	put("severity", f.Severity)
	put("category", f.Category)
	put("place", f.Place)
	put("state", f.State)
	if f.Rows != defaultRows {
		put("rows", strconv.Itoa(f.Rows))
	}
	if f.World {
		put("view", "world")
	}
	for k, val := range set {
		v.Del(k)
		put(k, val)
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}

type option struct{ Value, Label string }

var stateOptions = []option{
	{string(alerts.StateAnnounced), "announced (open or resolved)"},
	{string(alerts.StateOpen), "open"},
	{string(alerts.StateResolved), "resolved"},
	{string(alerts.StatePending), "pending (not announced)"},
	{string(alerts.StateAll), "all"},
}

type incidentsData struct {
	Filter     filterForm
	Problems   []string
	Severities []string
	Categories []string
	States     []option
	Rows       []alerts.Incident
	Matched    int
	Capped     bool
	MoreURL    string
	Map        mapView
	FitURL     string
	WorldURL   string
	Now        time.Time
}

// parseFilter reads the query. A bad value is reported on the page and
// ignored, rather than failing the page.
func parseFilter(q url.Values, cats vocab.Categories) (filterForm, IncidentFilter, []string) {
	ff := filterForm{Severity: strings.TrimSpace(q.Get("severity")), Category: strings.TrimSpace(q.Get("category")),
		Place: strings.TrimSpace(q.Get("place")), State: strings.TrimSpace(q.Get("state")), Rows: defaultRows,
		World: q.Get("view") == "world"}
	f := IncidentFilter{Place: ff.Place, Limit: listScan}
	var problems []string
	if ff.Severity != "" {
		sev, err := rules.ParseSeverity(ff.Severity)
		if err != nil {
			problems = append(problems, "severity: "+err.Error())
			ff.Severity = ""
		}
		f.MinSeverity = sev
	}
	if ff.Category != "" {
		c, err := cats.Parse(ff.Category)
		if err != nil {
			problems = append(problems, "category: "+err.Error())
			ff.Category = ""
		} else {
			f.Category = string(c)
			ff.Category = string(c)
		}
	}
	if st, err := alerts.ParseStateFilter(ff.State); err == nil {
		f.State = st
	} else {
		problems = append(problems, "state: "+err.Error())
		ff.State = ""
	}
	if v := q.Get("rows"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxRows {
			problems = append(problems, "rows: must be a number from 1 to "+strconv.Itoa(maxRows))
		} else {
			ff.Rows = n
		}
	}
	return ff, f, problems
}

func (s *Server) incidentsPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	cats := s.o.Rules.Set().Categories()
	ff, f, problems := parseFilter(r.URL.Query(), cats)
	incs, err := s.o.Incidents.Incidents(ctx, f)
	if err != nil {
		s.internal(w, r, "incidents", err)
		return
	}
	d := incidentsData{Filter: ff, Problems: problems, Categories: cats.Names(), States: stateOptions,
		Matched: len(incs), Capped: len(incs) >= listScan, Now: s.now(),
		Map: buildMap(openAnnounced(incs), s.o.Locator, !ff.World, 160), FitURL: ff.query(map[string]string{"view": ""}),
		WorldURL: ff.query(map[string]string{"view": "world"})}
	for _, sev := range vocab.Severities()[1:] {
		d.Severities = append(d.Severities, sev.String())
	}
	d.Rows = incs
	if len(incs) > ff.Rows {
		d.Rows = incs[:ff.Rows]
		if ff.Rows < maxRows {
			d.MoreURL = ff.query(map[string]string{"rows": strconv.Itoa(min(ff.Rows*2, maxRows))})
		}
	}
	s.render(w, r, http.StatusOK, "incidents", "Incidents", d)
}

// openAnnounced keeps the incidents the map shows: announced and open.
func openAnnounced(incs []alerts.Incident) []alerts.Incident {
	var out []alerts.Incident
	for _, inc := range incs {
		if inc.Alerted && inc.Open() {
			out = append(out, inc)
		}
	}
	return out
}

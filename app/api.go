package app

import (
	"context"
	"fmt"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/api"
	"github.com/tocsin-alerts/tocsin/store"
)

// newAPI builds the JSON API over the store and the live rules: the same
// queries and filters as the web console and Discord's commands.
func (a *App) newAPI() (*api.Server, error) {
	h := a.cfg.HTTP
	srv, err := api.New(api.Options{Incidents: &apiIncidents{s: a.Store}, Events: a.Store, Silences: a.Store,
		Rules: a.Rules, Token: h.APIToken.Reveal(), ReadToken: h.APIReadToken.Reveal(), Now: a.clock.Now, Logger: a.log})
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	return srv, nil
}

// apiScan bounds how many recently active incidents one API listing
// filters through.
const apiScan = 2000

// apiIncidents answers the API's incident list and timelines.
type apiIncidents struct{ s *store.Store }

var _ api.Incidents = (*apiIncidents)(nil)

// Incidents lists incidents newest first, filtered by selector and by state
// as the web console filters them.
func (i *apiIncidents) Incidents(ctx context.Context, f api.Filter) ([]alerts.Incident, error) {
	all, err := i.s.RecentIncidents(ctx, f.Since, apiScan)
	if err != nil {
		return nil, err
	}
	var out []alerts.Incident
	for _, inc := range all {
		if len(out) == f.Limit {
			break
		}
		if f.State.Matches(inc) && f.Select.Matches(inc) {
			out = append(out, inc)
		}
	}
	return out, nil
}

func (i *apiIncidents) IncidentTimeline(ctx context.Context, id string) (alerts.Incident, []alerts.Alert, bool, error) {
	return incidentTimeline(ctx, i.s, id)
}

package app

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules/geo"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/vocab"
	"github.com/tocsin-alerts/tocsin/web"
)

// The adapters below give the web console (package web) what it reads,
// through the same store queries and filters as the Discord commands, so
// the console, Discord and GET /status agree. Silences and recent reports
// are the store's own methods.

// newWeb builds the console over the store and the live rules.
func (a *App) newWeb() (*web.Server, error) {
	c := a.cfg.Web
	if c.ReadToken == "" && !loopback(a.cfg.HTTP.Addr) {
		a.log.Warn("the web console is open to anyone who reaches http.addr: set web.read_token", "addr", a.cfg.HTTP.Addr)
	}
	srv, err := web.New(web.Options{
		Incidents: &webIncidents{s: a.Store}, Locator: &webLocator{g: a.Rules.Gazetteer()},
		Status: &webStatus{s: a.Store}, Rules: a.Rules, Editor: a.Rules, Reports: a.Store, Silences: a.Store,
		ReadToken: c.ReadToken.Reveal(), AdminToken: c.AdminToken.Reveal(), PreviewReports: c.PreviewReports,
		Version: a.version, Now: a.clock.Now, Logger: a.log,
	})
	if err != nil {
		return nil, fmt.Errorf("web console: %w", err)
	}
	return srv, nil
}

// loopback reports whether addr listens on a loopback address only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// webIncidents answers the incident list and timeline.
type webIncidents struct{ s *store.Store }

var _ web.Incidents = (*webIncidents)(nil)

// Incidents lists incidents newest first, filtered as /alerts filters
// (route matching) and by state.
func (w *webIncidents) Incidents(ctx context.Context, f web.IncidentFilter) ([]alerts.Incident, error) {
	all, err := w.s.RecentIncidents(ctx, time.Time{}, f.Limit)
	if err != nil {
		return nil, err
	}
	// The console parsed the category with the live vocabulary already.
	match := incidentRoute(f.MinSeverity, vocab.Category(f.Category), f.Place)
	out := all[:0]
	for _, inc := range all {
		if f.State.Matches(inc) && match.Matches(inc) {
			out = append(out, inc)
		}
	}
	return out, nil
}

func (w *webIncidents) IncidentDetail(ctx context.Context, id string) (web.Detail, bool, error) {
	inc, evs, ok, err := incidentTimeline(ctx, w.s, id)
	if err != nil || !ok {
		return web.Detail{}, ok, err
	}
	return web.Detail{Incident: inc, Events: evs}, true, nil
}

// webLocator places "City, Country", "Region, Country", "Country" and
// Palestinian "City, Territory" locations (as geo.Place.String writes them)
// with the gazetteer.
type webLocator struct{ g *geo.Gazetteer }

var _ web.Locator = (*webLocator)(nil)

func (l *webLocator) Locate(location string) (float64, float64, bool) {
	name, within, _ := strings.Cut(location, ",")
	name, within = strings.TrimSpace(name), strings.TrimSpace(within)
	if name == "" {
		return 0, 0, false
	}
	for _, p := range l.g.Lookup(name) {
		if !p.Located() {
			continue
		}
		if within == "" || strings.EqualFold(p.Country, within) || strings.EqualFold(p.Region, within) {
			return p.Lat, p.Lon, true
		}
	}
	return 0, 0, false
}

// webStatus answers the sources page with what GET /status shows.
type webStatus struct{ s *store.Store }

var _ web.StatusReader = (*webStatus)(nil)

func (w *webStatus) Status(ctx context.Context) (web.Status, error) {
	st, err := ReadStatus(ctx, w.s)
	if err != nil {
		return web.Status{}, fmt.Errorf("read status: %w", err)
	}
	out := web.Status{Outbox: st.Outbox, OpenIncidents: st.OpenIncidents, RulesVersion: st.RulesVersion,
		RulesReload: st.RulesReload, RulesReloadAt: st.RulesReloadAt}
	for _, src := range st.Sources {
		out.Sources = append(out.Sources, web.SourceHealth{ID: src.ID, Kind: src.Kind, Enabled: src.Enabled,
			LastSuccessAt: src.LastSuccessAt, LastCheckAt: src.LastCheckAt, NextCheckAt: src.NextCheckAt,
			ErrorStreak: src.ErrorStreak, LastError: src.LastError})
	}
	return out, nil
}

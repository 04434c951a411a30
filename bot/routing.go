package bot

import (
	"context"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// Route says which incidents a channel receives and whom to ping.
type Route struct {
	ChannelID string
	// Categories the channel wants, in the rule set's vocabulary; empty
	// means all.
	Categories []vocab.Category
	// Places (countries or regions, e.g. "Ukraine", "Odesa, Ukraine") the
	// channel wants, matched against the incident's location and its
	// country; empty means everywhere.
	Places []string
	// MinSeverity is the lowest severity posted.
	MinSeverity rules.Severity
	// Labels the incident's sources must carry (region: sahel); empty:
	// any source. See alerts.Incident.HasLabel.
	Labels map[string]string
	// MentionRoles lists the role ids pinged at each severity.
	MentionRoles map[rules.Severity][]string
}

// RouteSource yields the routes added at run time with /subscribe; the
// configured routes come from options.
type RouteSource interface {
	Routes(ctx context.Context) ([]Route, error)
}

// Matches reports whether the incident belongs in the route's channel: the
// route as an alerts.Selector, so a Discord route means what every other
// notifier's route, the API's filters and inhibition rules mean.
func (r Route) Matches(inc alerts.Incident) bool {
	sel := alerts.Selector{MinSeverity: r.MinSeverity, Places: r.Places, Labels: r.Labels}
	for _, c := range r.Categories {
		sel.Categories = append(sel.Categories, string(c))
	}
	return sel.Matches(inc)
}

// RolesFor returns the roles to ping at a severity.
func (r Route) RolesFor(s rules.Severity) []string { return r.MentionRoles[s] }

// placeMatches is alerts.PlaceMatches: a route's places mean what they
// mean in every other notifier's route and in the HTTP API.
func placeMatches(places []string, location string) bool {
	return alerts.PlaceMatches(places, location)
}

// channelPlan is what one channel gets for one alert: whether the incident
// matches its routes and the roles to ping (union of matching routes).
type channelPlan struct {
	channelID string
	matches   bool
	roles     []string
}

// plan groups routes by channel, in first-seen order, so that a channel
// listed twice gets one message.
func plan(routes []Route, inc alerts.Incident, sev rules.Severity) []channelPlan {
	var out []channelPlan
	idx := map[string]int{}
	for _, r := range routes {
		if r.ChannelID == "" {
			continue
		}
		i, ok := idx[r.ChannelID]
		if !ok {
			i = len(out)
			idx[r.ChannelID] = i
			out = append(out, channelPlan{channelID: r.ChannelID})
		}
		if r.Matches(inc) {
			out[i].matches = true
			for _, role := range r.RolesFor(sev) {
				if !contains(out[i].roles, role) {
					out[i].roles = append(out[i].roles, role)
				}
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

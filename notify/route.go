package notify

import (
	"fmt"
	"slices"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/notify/notifyconfig"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// Route sends the incidents a selector picks to a channel, notifying the
// configured mentions at each severity.
type Route struct {
	Channel  string
	Select   alerts.Selector
	Mentions map[vocab.Severity][]string
}

// Routes compiles route specs with the rule set's categories.
func Routes(specs []notifyconfig.RouteSpec, cats vocab.Categories) ([]Route, error) {
	out := make([]Route, 0, len(specs))
	for i, s := range specs {
		sel, err := alerts.SelectorOf(s.Spec, cats)
		if err != nil {
			return nil, fmt.Errorf("channels[%d].%w", i, err)
		}
		r := Route{Channel: s.Channel, Select: sel, Mentions: map[vocab.Severity][]string{}}
		for name, ids := range s.Mention {
			sev, err := vocab.ParseSeverity(name)
			if err != nil {
				return nil, fmt.Errorf("channels[%d].mention: %w", i, err)
			}
			r.Mentions[sev] = append(r.Mentions[sev], ids...)
		}
		out = append(out, r)
	}
	return out, nil
}

// ChannelPlan is what one channel gets for one alert.
type ChannelPlan struct {
	Channel string
	// Matches: the incident belongs in the channel now. A channel that
	// already shows the incident still gets its edits and resolution.
	Matches  bool
	Mentions []string
}

// Plan groups routes by channel, in first-seen order, so a channel routed
// twice gets one message; mentions are the union of matching routes'.
func Plan(routes []Route, inc alerts.Incident) []ChannelPlan {
	var out []ChannelPlan
	idx := map[string]int{}
	for _, r := range routes {
		i, ok := idx[r.Channel]
		if !ok {
			i = len(out)
			idx[r.Channel] = i
			out = append(out, ChannelPlan{Channel: r.Channel})
		}
		if r.Select.Matches(inc) {
			out[i].Matches = true
			for _, m := range r.Mentions[inc.Severity] {
				if !slices.Contains(out[i].Mentions, m) {
					out[i].Mentions = append(out[i].Mentions, m)
				}
			}
		}
	}
	return out
}

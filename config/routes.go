package config

import (
	"fmt"
	"maps"
	"slices"

	"github.com/tocsin-alerts/tocsin/route"
)

// Routes lists every route of an enabled destination and every inhibition
// rule's two sides, each at its field path ("discord.channels[0]",
// "slack.channels[1]", "webhook.endpoints[0]",
// "alerts.inhibit_rules[0].source"), in a stable order. Their categories
// can only be checked with the rule set, which declares them: the app
// checks them all, with route.UnknownCategories, at start and before a
// reloaded rule set goes live, so that a rules edit that drops or renames
// a category a route names is refused with the route named.
func (c *Config) Routes() []route.Named {
	var out []route.Named
	if c.Discord.Enabled() {
		for i, ch := range c.Discord.Channels {
			out = append(out, route.Named{Path: fmt.Sprintf("discord.channels[%d]", i),
				Spec: route.Spec{Categories: ch.Categories, Places: ch.Places, MinSeverity: ch.MinSeverity, Labels: ch.Labels}})
		}
	}
	sections := c.notifierSections()
	for _, name := range slices.Sorted(maps.Keys(sections)) {
		if s := sections[name]; s.Enabled() {
			out = append(out, route.Prefixed(name, s.Routes())...)
		}
	}
	for i, r := range c.Alerts.InhibitRules {
		p := fmt.Sprintf("alerts.inhibit_rules[%d]", i)
		out = append(out, route.Named{Path: p + ".source", Spec: r.Source}, route.Named{Path: p + ".target", Spec: r.Target})
	}
	return out
}

package route

import (
	"fmt"

	"github.com/tocsin-alerts/tocsin/vocab"
)

// Named is a route spec and where the config holds it: "slack.channels[0]",
// "alerts.inhibit_rules[1].source".
type Named struct {
	Path string
	Spec Spec
}

// Prefixed returns routes with prefix+"." before each path: a notifier
// names its routes within its section ("channels[0]"), config puts the
// section's key in front.
func Prefixed(prefix string, routes []Named) []Named {
	out := make([]Named, len(routes))
	for i, r := range routes {
		out[i] = Named{Path: prefix + "." + r.Path, Spec: r.Spec}
	}
	return out
}

// UnknownCategories checks every route's categories with a rule set's
// vocabulary and reports each one it does not declare at its full path
// ("slack.channels[1].categories[0]"), with the category meant. The app
// runs it at start and before a reloaded rule set goes live: a rules edit
// that drops or renames a category a route names would make the route
// match nothing, silently.
func UnknownCategories(routes []Named, cats vocab.Categories) []Problem {
	var out []Problem
	for _, r := range routes {
		for i, c := range r.Spec.Categories {
			if _, err := cats.Parse(c); err != nil {
				out = append(out, Problem{Field: fmt.Sprintf("%s.categories[%d]", r.Path, i), Msg: err.Error()})
			}
		}
	}
	return out
}

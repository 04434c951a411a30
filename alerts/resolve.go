package alerts

import (
	"slices"

	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// IsDeescalation reports whether a verdict says an incident is over: the
// rules found de-escalation (a ceasefire agreed, an airport reopened) and
// nothing alerting in the report, and the place the de-escalation is about
// is the incident's own place, level for level. A ceasefire for a country
// does not close an incident in one of its cities, and a report that names
// no place closes nothing: a wrong all-clear is worse than an incident that
// resolves when it has been quiet for a while.
//
// Only the rules decide: phrases are not matched here, so "as hopes for a
// ceasefire faded" resolves nothing unless the rules call it de-escalation.
func IsDeescalation(inc Incident, res rules.Result) bool {
	return !res.Alert && slices.Contains(res.Categories, string(vocab.DeEscalation)) && IsPlace(inc.Location, res.Location)
}

package alerts

import (
	"fmt"
	"slices"
)

// StateFilter narrows an incident list by lifecycle. The web console's
// state filter and the API's ?state= take these strings and mean the same
// by them; the default, StateAnnounced, is what Discord's /alerts lists.
type StateFilter string

// Incident list states.
const (
	// StateAnnounced: incidents that were announced, open or resolved.
	StateAnnounced StateFilter = ""
	StateOpen      StateFilter = "open"
	StateResolved  StateFilter = "resolved"
	// StatePending: tracked but never announced (waiting for
	// corroboration, or silenced or inhibited before it opened).
	StatePending StateFilter = "pending"
	StateAll     StateFilter = "all"
)

// StateFilters lists the filters, the default first.
func StateFilters() []StateFilter {
	return []StateFilter{StateAnnounced, StateOpen, StateResolved, StatePending, StateAll}
}

// ParseStateFilter checks a state filter as typed ("" is the default).
func ParseStateFilter(s string) (StateFilter, error) {
	if f := StateFilter(s); slices.Contains(StateFilters(), f) {
		return f, nil
	}
	return StateAnnounced, fmt.Errorf("%q is not one of open, resolved, pending, all (default: announced)", s)
}

// Matches reports whether the incident is in the list the filter keeps.
func (f StateFilter) Matches(inc Incident) bool {
	switch f {
	case StateOpen:
		return inc.Alerted && inc.Open()
	case StateResolved:
		return inc.Alerted && !inc.Open()
	case StatePending:
		return !inc.Alerted
	case StateAll:
		return true
	}
	return inc.Alerted
}

// StateOf is where an incident stands: pending, open or resolved.
func StateOf(inc Incident) StateFilter {
	switch {
	case !inc.Alerted:
		return StatePending
	case inc.Open():
		return StateOpen
	}
	return StateResolved
}

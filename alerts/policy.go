package alerts

import (
	"time"

	"github.com/tocsin-alerts/tocsin/rules"
)

// Policy holds the knobs of the incident decisions. It comes from config
// (`alerts:`); DefaultPolicy documents the defaults.
type Policy struct {
	// MinSeverity is the lowest severity that opens an incident.
	MinSeverity rules.Severity
	// Corroboration is how many distinct sources an incident of a given
	// severity needs before it is announced. Missing severities need 1.
	Corroboration map[rules.Severity]int
	// GroupWindow is how long after its last report an incident still
	// absorbs reports about the same place and category.
	GroupWindow time.Duration
	// QuietAfter resolves an incident that has heard nothing for this long.
	QuietAfter time.Duration
	// RepeatInterval is the minimum time between two "updated" events of one
	// incident; new sources arriving faster are folded in silently and shown
	// in the next event. Escalations and resolutions are never throttled.
	RepeatInterval time.Duration
	// DupThreshold is the Jaccard similarity of word 3-grams above which two
	// texts are the same story (wire copy carried by several outlets).
	DupThreshold float64
	// Inhibit are the inhibition rules (config alerts.inhibit_rules): an
	// announced incident holds back the events of lesser ones like it.
	Inhibit []InhibitRule
}

// DefaultPolicy is the policy used when config says nothing.
func DefaultPolicy() Policy {
	return Policy{
		MinSeverity:    rules.SevMedium,
		Corroboration:  map[rules.Severity]int{rules.SevLow: 2, rules.SevMedium: 1, rules.SevHigh: 1, rules.SevCritical: 1},
		GroupWindow:    12 * time.Hour,
		QuietAfter:     24 * time.Hour,
		RepeatInterval: 10 * time.Minute,
		DupThreshold:   0.5,
	}
}

// needed returns the corroboration a severity requires (at least 1).
func (p Policy) needed(s rules.Severity) int {
	if n := p.Corroboration[s]; n > 1 {
		return n
	}
	return 1
}

package route

import (
	"fmt"
	"strings"

	"github.com/tocsin-alerts/tocsin/vocab"
)

// Inhibit is an inhibition rule as configured (alerts.inhibit_rules);
// alerts.InhibitRuleOf compiles it.
type Inhibit struct {
	// Source selects the incidents that hold others back.
	Source Spec `yaml:"source"`
	// Target selects the incidents held back.
	Target Spec `yaml:"target"`
	// Equal lists what both must share: place, category, labels.NAME.
	Equal []string `yaml:"equal"`
}

// Check reports every problem config can see without the rule set.
func (r Inhibit) Check() []Problem {
	var out []Problem
	for _, p := range r.Source.Check() {
		out = append(out, Problem{"source." + p.Field, p.Msg})
	}
	for _, p := range r.Target.Check() {
		out = append(out, Problem{"target." + p.Field, p.Msg})
	}
	for i, e := range r.Equal {
		if _, err := ParseEqual(e); err != nil {
			out = append(out, Problem{fmt.Sprintf("equal[%d]", i), err.Error()})
		}
	}
	if len(r.Equal) == 0 && r.Source.MinSeverity == "" && r.Target.MaxSeverity == "" {
		out = append(out, Problem{"equal", "a rule with no equal and no severity band would let any incident hold back any other"})
	}
	return out
}

// ParseEqual checks one Equal field name and returns it normalised:
// "place", "category" or "labels.NAME" (alerts.InhibitRule.Equal).
func ParseEqual(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "place" || s == "category" {
		return s, nil
	}
	if name, ok := strings.CutPrefix(s, "labels."); ok && vocab.ValidLabelName(name) {
		return s, nil
	}
	return "", fmt.Errorf("%q is not place, category or labels.NAME", s)
}

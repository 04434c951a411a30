// Package route is the configuration form of "which incidents does this
// destination want": a channel route's categories, places, severity band
// and source labels, as every notifier's config section writes them, and
// the two sides of an inhibition rule. It checks what config can check
// alone (severity names, label syntax) and compiles a Spec into an
// alerts.Selector with the live rule set's category vocabulary, so a
// category typo is refused at start with the closest name.
//
// The package is pure: no I/O.
package route

import (
	"fmt"
	"strings"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// Spec is a route filter as configured. Empty fields match everything.
type Spec struct {
	// Categories wanted (any of), in the rule set's vocabulary.
	Categories []string `yaml:"categories"`
	// Places: countries, regions, "City, Country" (any of).
	Places []string `yaml:"places"`
	// MinSeverity and MaxSeverity bound the severity band (low, medium,
	// high, critical); empty: open.
	MinSeverity string `yaml:"min_severity"`
	MaxSeverity string `yaml:"max_severity"`
	// Labels the incident's sources must carry (region: sahel).
	Labels map[string]string `yaml:"labels"`
}

// Problem is one mistake in a Spec, at a field relative to it.
type Problem struct{ Field, Msg string }

// Check reports every problem config can see without the rule set.
func (s Spec) Check() []Problem {
	var out []Problem
	add := func(f, format string, args ...any) { out = append(out, Problem{f, fmt.Sprintf(format, args...)}) }
	lo, errLo := severity(s.MinSeverity)
	if errLo != nil {
		add("min_severity", "%v", errLo)
	}
	hi, errHi := severity(s.MaxSeverity)
	if errHi != nil {
		add("max_severity", "%v", errHi)
	}
	if errLo == nil && errHi == nil && hi != vocab.SevNone && lo > hi {
		add("max_severity", "%s is below min_severity %s", hi, lo)
	}
	for i, c := range s.Categories {
		if strings.TrimSpace(c) == "" {
			add(fmt.Sprintf("categories[%d]", i), "empty")
		}
	}
	for i, p := range s.Places {
		if strings.TrimSpace(p) == "" {
			add(fmt.Sprintf("places[%d]", i), "empty")
		}
	}
	for k, v := range s.Labels {
		switch {
		case !report.ValidLabelName(k):
			add("labels."+k, "label names are lower-case letters, digits and _, starting with a letter (at most 32)")
		case strings.TrimSpace(v) == "" || strings.ContainsAny(v, "\r\n"):
			add("labels."+k, "the value must be one non-empty line")
		}
	}
	return out
}

// Selector compiles the spec with the rule set's categories. The error
// names the field and, for a typo, the closest category.
func (s Spec) Selector(cats vocab.Categories) (alerts.Selector, error) {
	var sel alerts.Selector
	var err error
	if sel.MinSeverity, err = severity(s.MinSeverity); err != nil {
		return sel, fmt.Errorf("min_severity: %w", err)
	}
	if sel.MaxSeverity, err = severity(s.MaxSeverity); err != nil {
		return sel, fmt.Errorf("max_severity: %w", err)
	}
	for _, c := range s.Categories {
		cat, err := cats.Parse(c)
		if err != nil {
			return sel, fmt.Errorf("categories: %w", err)
		}
		sel.Categories = append(sel.Categories, string(cat))
	}
	for _, p := range s.Places {
		sel.Places = append(sel.Places, strings.TrimSpace(p))
	}
	if len(s.Labels) > 0 {
		sel.Labels = make(map[string]string, len(s.Labels))
		for k, v := range s.Labels {
			sel.Labels[k] = strings.TrimSpace(v)
		}
	}
	return sel, nil
}

// severity reads a severity that can alert; "" is no bound.
func severity(s string) (vocab.Severity, error) {
	if strings.TrimSpace(s) == "" {
		return vocab.SevNone, nil
	}
	sev, err := vocab.ParseSeverity(s)
	if err != nil {
		return vocab.SevNone, err
	}
	if sev == vocab.SevNone {
		return vocab.SevNone, fmt.Errorf("%q never alerts; want low, medium, high or critical", s)
	}
	return sev, nil
}

// Inhibit is an inhibition rule as configured (alerts.inhibit_rules).
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
		if _, err := alerts.ParseEqual(e); err != nil {
			out = append(out, Problem{fmt.Sprintf("equal[%d]", i), err.Error()})
		}
	}
	if len(r.Equal) == 0 && r.Source.MinSeverity == "" && r.Target.MaxSeverity == "" {
		out = append(out, Problem{"equal", "a rule with no equal and no severity band would let any incident hold back any other"})
	}
	return out
}

// Rule compiles the rule with the rule set's categories.
func (r Inhibit) Rule(cats vocab.Categories) (alerts.InhibitRule, error) {
	var out alerts.InhibitRule
	var err error
	if out.Source, err = r.Source.Selector(cats); err != nil {
		return out, fmt.Errorf("source.%w", err)
	}
	if out.Target, err = r.Target.Selector(cats); err != nil {
		return out, fmt.Errorf("target.%w", err)
	}
	for _, e := range r.Equal {
		f, err := alerts.ParseEqual(e)
		if err != nil {
			return out, fmt.Errorf("equal: %w", err)
		}
		out.Equal = append(out.Equal, f)
	}
	return out, nil
}

// Package route is the configuration form of "which incidents does this
// destination want": a channel route's categories, places, severity band
// and source labels, as every notifier's config section writes them, and
// the two sides of an inhibition rule. It checks what config can check
// alone (severity names, label syntax) and, with the live rule set's
// category vocabulary, the categories, so that a typo is refused at start
// and on every rules reload with the route named and the closest category.
// alerts compiles a Spec into an alerts.Selector (alerts.SelectorOf).
//
// The package is a leaf that config imports: it is pure (no I/O) and
// imports only the standard library and vocab (arch_test.go checks it).
package route

import (
	"fmt"
	"strings"

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
		case !vocab.ValidLabelName(k):
			add("labels."+k, "%v", vocab.ErrLabelName)
		case strings.TrimSpace(v) == "" || strings.ContainsAny(v, "\r\n"):
			add("labels."+k, "the value must be one non-empty line")
		}
	}
	return out
}

// Band is the severity band; SevNone leaves a side open. The error names
// the field.
func (s Spec) Band() (lo, hi vocab.Severity, err error) {
	if lo, err = severity(s.MinSeverity); err != nil {
		return lo, hi, fmt.Errorf("min_severity: %w", err)
	}
	if hi, err = severity(s.MaxSeverity); err != nil {
		return lo, hi, fmt.Errorf("max_severity: %w", err)
	}
	return lo, hi, nil
}

// ParseCategories reads the categories with the rule set's vocabulary. The
// error names the first unknown one's field and the category meant.
func (s Spec) ParseCategories(cats vocab.Categories) ([]vocab.Category, error) {
	var out []vocab.Category
	for i, c := range s.Categories {
		cat, err := cats.Parse(c)
		if err != nil {
			return nil, fmt.Errorf("categories[%d]: %w", i, err)
		}
		out = append(out, cat)
	}
	return out, nil
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

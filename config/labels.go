package config

import (
	"strings"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/vocab"
)

// Limits of source labels: a handful of short words an operator routes on,
// not a place to store documents.
const (
	maxLabels          = 16
	maxLabelValueRunes = 100
)

// validateLabels checks one source's labels: names are lower-case words
// (region, trust, desk), values one line of text.
func validateLabels(path string, labels map[string]string, errs *Errors) {
	if len(labels) > maxLabels {
		errs.Add(path, "%d labels; at most %d", len(labels), maxLabels)
	}
	for k, v := range labels {
		p := path + "." + k
		if !vocab.ValidLabelName(k) {
			errs.Add(p, "%v", vocab.ErrLabelName)
		}
		switch {
		case strings.TrimSpace(v) == "":
			errs.Add(p, "empty value")
		case utf8.RuneCountInString(v) > maxLabelValueRunes:
			errs.Add(p, "value longer than %d characters", maxLabelValueRunes)
		case strings.ContainsAny(v, "\r\n"):
			errs.Add(p, "value must be one line")
		}
	}
}

package rules

import "github.com/tocsin-alerts/tocsin/vocab"

// Severity is an escalation level; it is vocab.Severity, re-exported so that
// rule-engine callers need one import.
type Severity = vocab.Severity

// Severity levels, ordered: a larger value is more severe.
const (
	SevNone     = vocab.SevNone
	SevLow      = vocab.SevLow
	SevMedium   = vocab.SevMedium
	SevHigh     = vocab.SevHigh
	SevCritical = vocab.SevCritical
)

// ParseSeverity reads a severity name, case-insensitively.
func ParseSeverity(name string) (Severity, error) { return vocab.ParseSeverity(name) }

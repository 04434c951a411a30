package vocab

import (
	"fmt"
	"strings"
)

// Severity is an escalation level. The zero value is SevNone.
type Severity uint8

// Severity levels, ordered: a larger value is more severe.
const (
	SevNone Severity = iota
	SevLow
	SevMedium
	SevHigh
	SevCritical
)

var severityNames = [...]string{"none", "low", "medium", "high", "critical"}

// Severities lists every level, least severe first.
func Severities() []Severity { return []Severity{SevNone, SevLow, SevMedium, SevHigh, SevCritical} }

// String returns the lower-case name used in rule files, JSON and chat.
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", s)
}

// ParseSeverity reads a severity name, case-insensitively.
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for i, s := range severityNames {
		if s == n {
			return Severity(i), nil
		}
	}
	return SevNone, fmt.Errorf("unknown severity %q (want none, low, medium, high or critical)", name)
}

// MarshalText encodes the severity by name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

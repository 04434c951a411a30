package report

import (
	"encoding/json"
	"sort"
	"strings"
)

// Labels are the labels of a source (name → value: region: sahel, trust:
// wire). They are kept in one canonical string ("name=value" lines, sorted
// by name) so that a Report, and an incident's record of its sources, stay
// comparable with ==. The zero value has no labels. In JSON they are an
// object.
type Labels struct{ enc string }

// NewLabels makes Labels from a map. Names cannot hold "=" or a line break
// and values cannot hold a line break (config refuses both); here they are
// replaced by "_" and a space.
func NewLabels(m map[string]string) Labels {
	if len(m) == 0 {
		return Labels{}
	}
	lines := make([]string, 0, len(m))
	for k, v := range m {
		k = strings.NewReplacer("=", "_", "\n", "_", "\r", "_").Replace(k)
		v = strings.NewReplacer("\n", " ", "\r", " ").Replace(v)
		lines = append(lines, k+"="+v)
	}
	sort.Strings(lines)
	return Labels{enc: strings.Join(lines, "\n")}
}

// IsZero reports whether there are no labels.
func (l Labels) IsZero() bool { return l.enc == "" }

// Get returns the value of one label.
func (l Labels) Get(name string) (string, bool) {
	for _, line := range l.lines() {
		if k, v, _ := strings.Cut(line, "="); k == name {
			return v, true
		}
	}
	return "", false
}

// Map returns the labels as a new map (nil when there are none).
func (l Labels) Map() map[string]string {
	if l.enc == "" {
		return nil
	}
	out := map[string]string{}
	for _, line := range l.lines() {
		k, v, _ := strings.Cut(line, "=")
		out[k] = v
	}
	return out
}

func (l Labels) lines() []string {
	if l.enc == "" {
		return nil
	}
	return strings.Split(l.enc, "\n")
}

// String is "name=value, name=value".
func (l Labels) String() string { return strings.ReplaceAll(l.enc, "\n", ", ") }

// MarshalJSON writes the labels as a JSON object.
func (l Labels) MarshalJSON() ([]byte, error) {
	m := l.Map()
	if m == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads a JSON object of strings (or null).
func (l *Labels) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*l = NewLabels(m)
	return nil
}

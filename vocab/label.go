package vocab

import "errors"

// ErrLabelName says what a label name may be; config, routes and silence
// matchers show it for a bad one.
var ErrLabelName = errors.New("label names are lower-case letters, digits and _, starting with a letter (at most 32)")

// ValidLabelName reports whether s is a source label name: lower-case
// letters, digits and _, starting with a letter, at most 32 bytes (region,
// trust, desk). Label values are free text; their names are typed into
// source labels, routes, inhibition rules and silences, so they are
// checked here, once.
func ValidLabelName(s string) bool {
	if s == "" || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_') {
			return false
		}
	}
	return true
}

package feed

import (
	"encoding"
	"fmt"
	"log/slog"
)

var (
	_ fmt.Stringer           = Secret("")
	_ fmt.GoStringer         = Secret("")
	_ encoding.TextMarshaler = Secret("")
	_ slog.LogValuer         = Secret("")
)

// Secret is a credential (the push endpoint's bearer token). Every way of
// printing it — fmt verbs, JSON/YAML text marshalling, slog — shows
// "<secret>", so it cannot leak through a log line or a status dump by
// accident. Reveal is the one deliberate way to read it.
type Secret string

// String implements fmt.Stringer.
func (Secret) String() string { return "<secret>" }

// GoString implements fmt.GoStringer (%#v).
func (Secret) GoString() string { return "<secret>" }

// MarshalText implements encoding.TextMarshaler.
func (Secret) MarshalText() ([]byte, error) { return []byte("<secret>"), nil }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue("<secret>") }

// Reveal returns the secret itself, for comparison or sending.
func (s Secret) Reveal() string { return string(s) }

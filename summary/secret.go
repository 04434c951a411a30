package summary

import "log/slog"

// Secret holds an API key. Every way of printing it — fmt verbs, %#v, JSON or
// text marshalling, slog — yields "<secret>", so an Options value can be
// logged or shown in /status without leaking the key.
type Secret string

const redacted = "<secret>"

// Reveal returns the key itself, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer (%#v).
func (s Secret) GoString() string { return redacted }

// MarshalText implements encoding.TextMarshaler (JSON, YAML, text).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// Package secret holds credentials so that they cannot leak by accident:
// every way of printing a Secret (fmt, JSON, YAML, slog) shows "<secret>".
// The config and each notifier's own config section use it, and Ref lets a
// notifier declare its secrets so that config reads their *_file keys the
// one way it reads every secret.
package secret

import (
	"log/slog"
)

// Secret is a credential. Reveal is the one deliberate way to read it.
type Secret string

const redacted = "<secret>"

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

func (Secret) String() string   { return redacted }
func (Secret) GoString() string { return redacted }

// MarshalText implements encoding.TextMarshaler (JSON too).
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalYAML hides the value in dumped config.
func (Secret) MarshalYAML() (any, error) { return redacted, nil }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// Ref is one secret a config section holds: the key of its value, the
// value of its *_file key, and how to set it. A notifier returns its Refs
// with paths relative to its section ("token", "endpoints[0].secret").
type Ref struct {
	Path string
	File string
	// Set stores the value read from File.
	Set func(string)
	// IsSet reports whether the value key is set too (an error: choose one).
	IsSet func() bool
}

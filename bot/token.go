package bot

import "log/slog"

// Token is the bot token. It prints as <secret> so that a logged options
// struct, an error or a panic never shows it.
type Token string

// String hides the token.
func (Token) String() string { return "<secret>" }

// GoString hides the token from %#v.
func (Token) GoString() string { return "<secret>" }

// MarshalText hides the token from JSON, YAML and slog.
func (Token) MarshalText() ([]byte, error) { return []byte("<secret>"), nil }

// LogValue hides the token from slog.
func (Token) LogValue() slog.Value { return slog.StringValue("<secret>") }

// reveal returns the token itself, for the Authorization header only.
func (t Token) reveal() string { return string(t) }

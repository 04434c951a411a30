package config

import (
	"fmt"
	"strings"
)

// FieldError is one problem with one config field, named by its YAML path
// (e.g. "sources[2].url").
type FieldError struct {
	Path string
	Msg  string
}

func (e FieldError) Error() string { return e.Path + ": " + e.Msg }

// Errors collects every problem found in a config so that an operator sees
// all of them at once instead of fixing them one run at a time.
type Errors []FieldError

// Add records a problem at path.
func (e *Errors) Add(path, format string, args ...any) {
	*e = append(*e, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Err returns nil when there are no problems, else the list as an error.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		parts[i] = fe.Error()
	}
	return fmt.Sprintf("%d config problem(s):\n  %s", len(e), strings.Join(parts, "\n  "))
}

package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// enumValue is a string flag that takes one of a few words. A wrong word is
// refused while the flags are parsed, with the choices: `--format xml` says
// `invalid argument "xml" for "--format" flag: must be text or jsonl`.
type enumValue struct {
	val     *string
	allowed []string
}

func (e *enumValue) Set(s string) error {
	if !slices.Contains(e.allowed, s) {
		return fmt.Errorf("must be %s", orList(e.allowed))
	}
	*e.val = s
	return nil
}

func (e *enumValue) String() string { return *e.val }
func (e *enumValue) Type() string   { return strings.Join(e.allowed, "|") }

// enumFlag adds --name taking one of allowed (or "" when def is "" and the
// config decides).
func enumFlag(fs *pflag.FlagSet, p *string, name, def, usage string, allowed ...string) {
	*p = def
	fs.Var(&enumValue{val: p, allowed: allowed}, name, usage)
}

func orList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// noArgs refuses positional arguments, naming them.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("unexpected arguments %q", args)
	}
	return nil
}

// needArgs requires at least one positional argument, described by what.
func needArgs(what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == 0 {
			return usageErrorf("missing %s", what)
		}
		return nil
	}
}

// argRange requires between lo and hi positional arguments, described by
// what.
func argRange(lo, hi int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		switch {
		case len(args) < lo:
			return usageErrorf("missing %s", what)
		case len(args) > hi:
			return usageErrorf("too many arguments %q (want %s)", args, what)
		}
		return nil
	}
}

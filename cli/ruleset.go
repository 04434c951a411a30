package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tocsin-alerts/tocsin/rules"
)

// rulesFlag adds --rules to a command's flags.
func rulesFlag(fs *flag.FlagSet) *string {
	return fs.String("rules", "", "directory of rule files replacing the built-in rule set")
}

// loadRules loads the rule set named by --rules, or the built-in one. A bad
// rule file is reported as file:line: field: message lines.
func loadRules(dir string, stderr io.Writer) (*rules.Set, int) {
	var (
		set *rules.Set
		err error
	)
	if dir == "" {
		set, err = rules.Default()
	} else {
		set, err = rules.LoadDir(dir)
	}
	if err != nil {
		var ps rules.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(stderr, p.String())
			}
			fmt.Fprintf(stderr, "tocsin: %d problem(s) in rule files; nothing loaded\n", len(ps))
			return nil, ExitUsage
		}
		fmt.Fprintln(stderr, "tocsin:", err)
		return nil, ExitUsage
	}
	return set, ExitOK
}

func newFlagSet(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

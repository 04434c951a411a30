package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/rules/prior"
)

// ruleFlags are the flags that choose the rule set and the learned prior.
type ruleFlags struct {
	dir       *string
	noPrior   *bool
	threshold *float64
}

// rulesFlag adds --rules, --no-prior and --prior-threshold to a command's
// flags.
func rulesFlag(fs *pflag.FlagSet) ruleFlags {
	return ruleFlags{
		dir:     fs.String("rules", "", "directory of rule files replacing the built-in rule set"),
		noPrior: fs.Bool("no-prior", false, "score with the rules alone, without the learned conflict-context prior"),
		threshold: fs.Float64("prior-threshold", rules.DefaultPriorThreshold,
			"combined probability an alert needs when the prior is on (0-1)"),
	}
}

// loadRules loads the rule set named by --rules, or the built-in one, with
// the prior as the flags say. A bad rule file is reported as
// file:line: field: message lines.
func loadRules(f ruleFlags, stderr io.Writer) (*rules.Set, int) {
	var (
		set *rules.Set
		err error
	)
	if t := *f.threshold; t < 0 || t > 1 {
		fmt.Fprintf(stderr, "tocsin: --prior-threshold %g: want a probability from 0 to 1\n", t)
		return nil, ExitUsage
	}
	var opts []rules.Option
	if *f.noPrior {
		opts = append(opts, rules.WithPrior(nil, 0))
	} else if *f.threshold != rules.DefaultPriorThreshold {
		m, err := prior.Builtin()
		if err != nil {
			fmt.Fprintln(stderr, "tocsin:", err)
			return nil, ExitFailure
		}
		opts = append(opts, rules.WithPrior(m, *f.threshold))
	}
	if *f.dir == "" {
		set, err = rules.Default(opts...)
	} else {
		set, err = rules.LoadDir(*f.dir, opts...)
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

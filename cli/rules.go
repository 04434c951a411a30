package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tocsin-alerts/tocsin/rules"
)

// newRulesCmd is `tocsin rules lint|test|export|list`.
func newRulesCmd(env *Env) *cobra.Command {
	dirCmd := func(name, short string, run func(env Env, rf ruleFlags) int) *cobra.Command {
		c := &cobra.Command{
			Use:   name + " [flags] [DIR]",
			Short: short,
			Long:  short + ".\nDIR (or --rules DIR) is a directory of .yaml rule files; without it the built-in rule set is used.",
			Args:  argRange(0, 1, "at most one rule directory"),
		}
		rf := rulesFlag(c.Flags())
		c.RunE = func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				*rf.dir = args[0]
			}
			return exit(run(*env, rf))
		}
		return c
	}
	export := &cobra.Command{
		Use:   "export DIR",
		Short: "Write the built-in rule set out, for admins to edit",
		Args:  argRange(1, 1, "one directory DIR to write the rule files to"),
		RunE:  func(_ *cobra.Command, args []string) error { return exit(rulesExport(*env, args[0])) },
	}
	return group("rules", "Lint, test, export or list the rule set",
		dirCmd("lint", "Report every problem in rule files as file:line: field: message (exit 2), and vocabulary warnings (exit 1)", rulesLint),
		dirCmd("test", "Run the examples embedded in rule files (exit 1 when one fails)", rulesTest),
		export,
		dirCmd("list", "Print one line per rule", rulesList),
	)
}

func rulesLint(env Env, rf ruleFlags) int {
	set, code := loadRules(rf, env.Stdout)
	if set == nil {
		return code
	}
	// The set loads; now the vocabulary's hygiene: stems that also cover
	// common words of another meaning. Warnings, not errors: the set works,
	// but a term may fire (or suppress) where its author did not mean it.
	warns, err := set.Hygiene(nil)
	if err != nil {
		fmt.Fprintln(env.Stderr, "tocsin rules lint:", err)
		return ExitFailure
	}
	for _, w := range warns {
		fmt.Fprintln(env.Stdout, "warning: "+w.String())
	}
	if len(warns) > 0 {
		fmt.Fprintf(env.Stdout, "%d rules, version %s: %d warning(s)\n", len(set.Rules()), set.Version(), len(warns))
		return ExitFailure
	}
	fmt.Fprintf(env.Stdout, "ok: %d rules, version %s\n", len(set.Rules()), set.Version())
	return ExitOK
}

func rulesTest(env Env, rf ruleFlags) int {
	set, code := loadRules(rf, env.Stderr)
	if set == nil {
		return code
	}
	passed, fails := set.TestExamples()
	for _, f := range fails {
		want := "match"
		if !f.WantMatch {
			want = "not match"
		}
		fmt.Fprintf(env.Stdout, "FAIL %s:%d %s: should %s %q\n", f.File, f.Line, f.Rule, want, f.Text)
		for _, ev := range f.Got.Evidence {
			fmt.Fprintf(env.Stdout, "       fired %s\n", ev.Why)
		}
		for _, ev := range f.Got.Suppressed {
			if ev.Rule == f.Rule {
				fmt.Fprintf(env.Stdout, "       suppressed %s\n", ev.Why)
			}
		}
	}
	fmt.Fprintf(env.Stdout, "%d passed, %d failed\n", passed, len(fails))
	if len(fails) > 0 {
		return ExitFailure
	}
	return ExitOK
}

func rulesExport(env Env, dir string) int {
	files, err := rules.DefaultFiles()
	if err != nil {
		fmt.Fprintln(env.Stderr, "tocsin:", err)
		return ExitFailure
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(env.Stderr, "tocsin:", err)
		return ExitFailure
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			fmt.Fprintf(env.Stderr, "tocsin: %s exists; not overwriting (remove it or export elsewhere)\n", p)
			return ExitFailure
		}
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), files[n], 0o644); err != nil {
			fmt.Fprintln(env.Stderr, "tocsin:", err)
			return ExitFailure
		}
	}
	fmt.Fprintf(env.Stdout, "wrote %d rule files to %s: %s\n", len(names), dir, strings.Join(names, ", "))
	return ExitOK
}

func rulesList(env Env, rf ruleFlags) int {
	set, code := loadRules(rf, env.Stderr)
	if set == nil {
		return code
	}
	for _, r := range set.Rules() {
		state := ""
		if !r.Enabled {
			state = " (disabled)"
		}
		fmt.Fprintf(env.Stdout, "%-24s %-18s %-8s %s:%d  %s%s\n", r.ID, r.Category, r.Severity, r.File, r.Line, r.Title, state)
	}
	return ExitOK
}

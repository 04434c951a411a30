package cli

import (
	"context"
	"fmt"
	"github.com/tocsin-alerts/tocsin/rules"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// cmdRules runs `tocsin rules lint|test|export|list`.
func cmdRules(_ context.Context, env Env) int {
	if len(env.Args) == 0 {
		fmt.Fprintln(env.Stderr, "usage: tocsin rules lint [DIR] | test [DIR] | export DIR | list [--rules DIR]")
		return ExitUsage
	}
	sub, args := env.Args[0], env.Args[1:]
	switch sub {
	case "lint":
		return rulesLint(env, args)
	case "test":
		return rulesTest(env, args)
	case "export":
		return rulesExport(env, args)
	case "list":
		return rulesList(env, args)
	}
	fmt.Fprintf(env.Stderr, "tocsin rules: unknown subcommand %q (want lint, test, export or list)\n", sub)
	return ExitUsage
}

// dirArg reads an optional DIR argument, also accepted as --rules DIR.
func dirArg(env Env, name string, args []string) (ruleFlags, bool) {
	fs := newFlagSet("rules "+name, env)
	rf := rulesFlag(fs)
	if err := fs.Parse(args); err != nil {
		return rf, false
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(env.Stderr, "usage: tocsin rules %s [DIR]\n", name)
		return rf, false
	}
	if fs.NArg() == 1 {
		*rf.dir = fs.Arg(0)
	}
	return rf, true
}

func rulesLint(env Env, args []string) int {
	dir, ok := dirArg(env, "lint", args)
	if !ok {
		return ExitUsage
	}
	set, code := loadRules(dir, env.Stdout)
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

func rulesTest(env Env, args []string) int {
	dir, ok := dirArg(env, "test", args)
	if !ok {
		return ExitUsage
	}
	set, code := loadRules(dir, env.Stderr)
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

func rulesExport(env Env, args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(env.Stderr, "usage: tocsin rules export DIR")
		return ExitUsage
	}
	dir := args[0]
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

func rulesList(env Env, args []string) int {
	dir, ok := dirArg(env, "list", args)
	if !ok {
		return ExitUsage
	}
	set, code := loadRules(dir, env.Stderr)
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

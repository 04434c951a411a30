// Package cli implements tocsin's command line. main.go only sets up the
// signal context and calls Main; every command lives in a file named after
// it and is built as a github.com/spf13/cobra command, so all of them follow
// one convention: subcommands, -h/--help on every command (exit 0), flags
// before or after arguments (`eval FILE -v`), GNU-style --long and -s flags,
// `help CMD`, and usage errors that say what was wrong and exit 2.
//
// Commands run in-process (Env carries their arguments and streams), which
// is how the tests drive them.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Env is what a command may touch: its arguments and standard streams.
// Commands never reach for os.Stdout or os.Args themselves, so tests run them
// in-process.
type Env struct {
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment (os.Getenv in production).
	Getenv func(string) string
}

// Exit codes shared by all commands (README "Exit status").
const (
	ExitOK      = 0
	ExitFailure = 1 // the command ran and found a failure (a rule example failed, the store is unreachable)
	ExitUsage   = 2 // bad usage or bad input (unknown flag, malformed rule or config file)
)

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3".
var Version = "dev"

// exitCode is what a command returns once it has said what went wrong
// itself: Main exits with it and prints nothing more.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// exit turns a command's exit code into its RunE result.
func exit(code int) error {
	if code == ExitOK {
		return nil
	}
	return exitCode(code)
}

// usageError is a mistake on the command line. Main prints it with the
// command's name and a pointer to its --help, and exits 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

const exitStatusHelp = `Exit status:
  0  success (also -h, --help and help)
  1  the command ran and failed: a rule example failed, the store or a port was unavailable
  2  usage or input error: unknown command or flag, bad flag value, missing argument,
     malformed rule, config or report file`

// Main runs the command named by env.Args and returns the exit code.
func Main(ctx context.Context, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	root := newRoot(&env)
	root.SetArgs(env.Args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	// Everything else is cobra's or an argument check's complaint about
	// the command line: say it once, with where to look.
	name := "tocsin"
	if cmd != nil && cmd.Name() != "help" {
		name = cmd.CommandPath()
	}
	fmt.Fprintf(env.Stderr, "%s: %s\nRun '%s --help' for usage.\n", name, strings.TrimRight(err.Error(), "\n"), name)
	return ExitUsage
}

// newRoot builds the command tree. Adding a command is one line here and a
// file with its constructor.
func newRoot(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "tocsin",
		Short: "Escalation alerts from report sources",
		Long: `tocsin polls report sources (RSS/Atom/JSON feeds, a folder, an HTTP push endpoint), scores every new
report against escalation rules, groups reports about one event into one incident and posts a short,
sourced, explained alert to the console, Discord and other channels.

` + exitStatusHelp,
		Version:       Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		// No command: say so, show the commands, exit 2.
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(env.Stderr, "tocsin: a command is required\n\n")
			cmd.SetOut(env.Stderr)
			_ = cmd.Usage()
			return exitCode(ExitUsage)
		},
	}
	root.SetVersionTemplate("tocsin {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.SetHelpCommand(newHelpCmd())
	root.InitDefaultCompletionCmd() // `tocsin completion bash|zsh|fish|powershell`
	root.AddCommand(
		newRunCmd(env), newOnceCmd(env), newStatusCmd(env),
		newScoreCmd(env), newEvalCmd(env), newRulesCmd(env), newSummarizeCmd(env),
		newSourcesCmd(env), newSilenceCmd(env), newIncidentsCmd(env), newHealthcheckCmd(env), newVersionCmd(env),
	)
	return root
}

// newHelpCmd replaces cobra's help command, which prints "Unknown help
// topic" and exits 0: an unknown topic is a usage error here.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "help CMD prints the same help as CMD --help.",
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return usageErrorf("unknown help topic %q", strings.Join(args, " "))
			}
			target.InitDefaultHelpFlag()
			return target.Help()
		},
	}
}

// group makes a command whose work is done by its subcommands (rules,
// sources): without one, or with an unknown one, it is a usage error
// naming the subcommands, not a silent help page.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var names []string
			for _, c := range cmd.Commands() {
				if c.IsAvailableCommand() {
					names = append(names, c.Name())
				}
			}
			if len(args) == 0 {
				return usageErrorf("a subcommand is required: %s", strings.Join(names, ", "))
			}
			msg := fmt.Sprintf("unknown subcommand %q (want %s)", args[0], strings.Join(names, ", "))
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return usageErrorf("%s", msg)
		},
	}
	g.SuggestionsMinimumDistance = 2
	g.AddCommand(subs...)
	return g
}

func newVersionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(env.Stdout, "tocsin", Version)
			return nil
		},
	}
}

// Package cli implements tocsin's subcommands. main.go only parses nothing,
// sets up the signal context and calls Main; each subcommand lives in a file
// named after it and receives its own flag set, so commands stay independent.
package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
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

// Exit codes shared by all commands.
const (
	ExitOK      = 0
	ExitFailure = 1 // the command ran and found a failure (e.g. a rule example failed)
	ExitUsage   = 2 // bad usage or bad input (malformed rule file, unknown flag)
)

type command struct {
	summary string
	run     func(ctx context.Context, env Env) int
}

func commands() map[string]command {
	return map[string]command{
		"score":       {"score reports from files, .jsonl corpora or stdin (-)", cmdScore},
		"eval":        {"measure detection against a labelled .jsonl corpus", cmdEval},
		"rules":       {"lint | test | export | list the rule set", cmdRules},
		"run":         {"run the service: poll sources, alert, until interrupted", cmdRun},
		"once":        {"run one poll cycle, deliver alerts, then exit", cmdOnce},
		"status":      {"print sources, outbox and rules state from the store", cmdStatus},
		"summarize":   {"print the summary of report files", cmdSummarize},
		"version":     {"print the version", cmdVersion},
		"healthcheck": {"probe a running tocsin's /healthz (Docker HEALTHCHECK)", cmdHealthcheck},
	}
}

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3".
var Version = "dev"

// Main runs the subcommand named by env.Args[0] and returns the exit code.
func Main(ctx context.Context, env Env) int {
	cmds := commands()
	if len(env.Args) == 0 || env.Args[0] == "-h" || env.Args[0] == "--help" || env.Args[0] == "help" {
		usage(env.Stderr, cmds)
		if len(env.Args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	c, ok := cmds[env.Args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "tocsin: unknown command %q\n\n", env.Args[0])
		usage(env.Stderr, cmds)
		return ExitUsage
	}
	sub := env
	sub.Args = env.Args[1:]
	return c.run(ctx, sub)
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: tocsin <command> [flags] [args]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nRun 'tocsin <command> -h' for a command's flags.\n")
	io.WriteString(w, b.String())
}

func cmdVersion(_ context.Context, env Env) int {
	fmt.Fprintln(env.Stdout, "tocsin", Version)
	return ExitOK
}

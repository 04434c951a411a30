package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tocsin-alerts/tocsin/config"
)

// serviceFlags are the flags shared by run, once and status. Each overrides
// one config key; the config is validated once, after they are applied.
type serviceFlags struct {
	config, format, rules, db, http, logLevel string
	fs                                        *pflag.FlagSet
}

// serviceCmd completes a command that runs on the config (run, once,
// status): its flags, no positional arguments, and run as its body.
func serviceCmd(env *Env, cmd *cobra.Command, withRun bool, run func(ctx context.Context, env Env, f *serviceFlags) int) *cobra.Command {
	f := &serviceFlags{}
	f.register(cmd.Flags(), env, withRun)
	cmd.Args = noArgs
	cmd.RunE = func(c *cobra.Command, _ []string) error { return exit(run(c.Context(), *env, f)) }
	return cmd
}

// register adds the flags; withRun adds those only run and once use.
// --config defaults to $TOCSIN_CONFIG, so a container sets it once.
func (f *serviceFlags) register(fs *pflag.FlagSet, env *Env, withRun bool) {
	f.fs = fs
	fs.StringVarP(&f.config, "config", "c", env.Getenv("TOCSIN_CONFIG"), "YAML config file (env TOCSIN_CONFIG; default: none, built-in defaults)")
	fs.StringVar(&f.db, "db", "", "store: SQLite file path or postgres:// URL (overrides store.dsn)")
	if withRun {
		enumFlag(fs, &f.format, "format", "", "console output: text or jsonl (overrides console.format)", "text", "jsonl")
		fs.StringVar(&f.rules, "rules", "", "directory of rule files (overrides rules.dir; default built-in rules)")
		fs.StringVar(&f.http, "http", "", `HTTP listen address (overrides http.addr; "" disables the server)`)
		enumFlag(fs, &f.logLevel, "log-level", "", "debug, info, warn or error (overrides log.level)", "debug", "info", "warn", "error")
	}
}

// load reads the config (or the defaults), reading only the sections
// given (nil: all), applies the flags and validates once.
func (f *serviceFlags) load(env Env, sections []string) (*config.Config, error) {
	return config.LoadWith(f.config, config.Options{Getenv: env.Getenv, Sections: sections, Override: f.override})
}

func (f *serviceFlags) override(cfg *config.Config) {
	if f.db != "" {
		cfg.Store.DSN = f.db
	}
	if f.format != "" {
		cfg.Console.Format = f.format
	}
	if f.rules != "" {
		cfg.Rules.Dir = f.rules
	}
	if f.fs.Lookup("http") != nil && f.fs.Changed("http") {
		cfg.HTTP.Addr = f.http
	}
	if f.logLevel != "" {
		cfg.Log.Level = f.logLevel
	}
}

// listenHint explains a busy HTTP port: which address it was, where that
// came from, and the two ways to choose another.
func (f *serviceFlags) listenHint(err error, cfg *config.Config) string {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return ""
	}
	from := "the default http.addr"
	switch {
	case f.fs.Changed("http"):
		from = "--http"
	case f.config != "":
		from = "http.addr in " + f.config
	}
	return fmt.Sprintf("\nThe HTTP address %s (from %s) is in use, probably by another tocsin: "+
		"choose another with --http ADDR or http.addr in the config (--http \"\" runs without the HTTP server).", cfg.HTTP.Addr, from)
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level)) // validated by config
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/store"
)

// serviceFlags are the flags shared by run, once and status.
type serviceFlags struct {
	config, format, rules, db, http, logLevel string
	// httpSet distinguishes --http "" (disable) from no flag.
	httpSet bool
}

func (f *serviceFlags) register(fs *flag.FlagSet, withRun bool) {
	fs.StringVar(&f.config, "config", "", "YAML config file (default: none, built-in defaults)")
	fs.StringVar(&f.db, "db", "", "store: SQLite file path or postgres:// URL (overrides store.dsn)")
	if withRun {
		fs.StringVar(&f.format, "format", "", "console output: text or jsonl (overrides console.format)")
		fs.StringVar(&f.rules, "rules", "", "directory of rule files (overrides rules.dir; default built-in rules)")
		fs.StringVar(&f.http, "http", "", `HTTP listen address (overrides http.addr; "" disables)`)
		fs.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error (overrides log.level)")
	}
}

// load reads the config and applies flag overrides, then validates again.
func (f *serviceFlags) load(env Env) (*config.Config, error) {
	cfg := config.Default()
	if f.config != "" {
		var err error
		if cfg, err = config.Load(f.config, env.Getenv); err != nil {
			return nil, err
		}
	}
	if f.db != "" {
		cfg.Store.DSN = f.db
	}
	if f.format != "" {
		cfg.Console.Format = f.format
	}
	if f.rules != "" {
		cfg.Rules.Dir = f.rules
	}
	if f.httpSet {
		cfg.HTTP.Addr = f.http
	}
	if f.logLevel != "" {
		cfg.Log.Level = f.logLevel
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func parseServiceFlags(name string, env Env, withRun bool) (*serviceFlags, *config.Config, int) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var f serviceFlags
	f.register(fs, withRun)
	if err := fs.Parse(env.Args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, ExitOK
		}
		return nil, nil, ExitUsage
	}
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "http" {
			f.httpSet = true
		}
	})
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "tocsin %s: unexpected arguments %q\n", name, fs.Args())
		return nil, nil, ExitUsage
	}
	cfg, err := f.load(env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin %s: %v\n", name, err)
		return nil, nil, ExitUsage
	}
	return &f, cfg, -1
}

// cmdRun runs the service until ctx is cancelled (Ctrl-C, SIGTERM).
func cmdRun(ctx context.Context, env Env) int {
	_, cfg, code := parseServiceFlags("run", env, true)
	if code >= 0 {
		return code
	}
	logger := newLogger(env.Stderr, cfg.Log)
	a, err := app.New(ctx, cfg, app.Deps{Stdout: env.Stdout, Logger: logger, Version: Version})
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin run: %v\n", err)
		return ExitFailure
	}
	if err := a.Run(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "tocsin run: %v\n", err)
		return ExitFailure
	}
	return ExitOK
}

// cmdOnce runs one poll cycle, delivers, and exits.
func cmdOnce(ctx context.Context, env Env) int {
	_, cfg, code := parseServiceFlags("once", env, true)
	if code >= 0 {
		return code
	}
	cfg.HTTP.Addr = "" // one cycle serves nothing
	logger := newLogger(env.Stderr, cfg.Log)
	a, err := app.New(ctx, cfg, app.Deps{Stdout: env.Stdout, Logger: logger, Version: Version})
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin once: %v\n", err)
		return ExitFailure
	}
	defer a.Stop()
	st, sent, err := a.Once(ctx)
	logger.Info("cycle done", "sources", st.Sources, "failed", st.Failed, "scored", st.Scored, "events", st.Events, "delivered", sent)
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin once: %v\n", err)
		return ExitFailure
	}
	return ExitOK
}

// cmdStatus prints the state kept in the store.
func cmdStatus(ctx context.Context, env Env) int {
	_, cfg, code := parseServiceFlags("status", env, false)
	if code >= 0 {
		return code
	}
	dsn := cfg.Store.DSN
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		// Status reads; it must not create an empty store by accident.
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintf(env.Stderr, "tocsin status: no store at %s (run tocsin there first, or pass --db): %v\n", path, err)
			return ExitFailure
		}
	}
	s, err := store.Open(ctx, dsn, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin status: %v\n", err)
		return ExitFailure
	}
	defer s.Close()
	if err := printStatus(ctx, env.Stdout, s, time.Now()); err != nil {
		fmt.Fprintf(env.Stderr, "tocsin status: %v\n", err)
		return ExitFailure
	}
	return ExitOK
}

func printStatus(ctx context.Context, w io.Writer, s *store.Store, now time.Time) error {
	st, err := app.ReadStatus(ctx, s)
	if err != nil {
		return err
	}
	ago := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		d := now.Sub(t).Round(time.Second)
		if d < 0 {
			return "in " + (-d).String()
		}
		return d.String() + " ago"
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tKIND\tLAST SUCCESS\tERRORS\tNEXT POLL\tLAST ERROR")
	for _, src := range st.Sources {
		next := ago(src.NextCheckAt)
		if !src.Enabled {
			next = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", src.ID, src.Kind, ago(src.LastSuccessAt), src.ErrorStreak, next,
			oneLine(src.LastError, 80))
	}
	tw.Flush()
	states := make([]string, 0, len(st.Outbox))
	for s := range st.Outbox {
		states = append(states, s)
	}
	sort.Strings(states)
	parts := make([]string, len(states))
	for i, s := range states {
		parts[i] = fmt.Sprintf("%s %d", s, st.Outbox[s])
	}
	fmt.Fprintf(w, "\noutbox: %s\n", strings.Join(parts, ", "))
	fmt.Fprintf(w, "open incidents: %d\n", st.OpenIncidents)
	ver := st.RulesVersion
	if ver == "" {
		ver = "unknown (never run)"
	}
	fmt.Fprintf(w, "rules version: %s\n", ver)
	if st.RulesReload != "" {
		fmt.Fprintf(w, "rules last load: %s (%s)\n", oneLine(st.RulesReload, 300), ago(st.RulesReloadAt))
	}
	return nil
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

// cmdHealthcheck probes a running tocsin's /healthz and exits 0 when it
// answers 200: the Docker HEALTHCHECK of an image without curl. (Register
// it in commands() as "healthcheck".)
func cmdHealthcheck(ctx context.Context, env Env) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	u := fs.String("url", "http://127.0.0.1:8080/healthz", "health URL to probe")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(env.Args); err != nil {
		return ExitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *u, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin healthcheck: %v\n", err)
		return ExitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin healthcheck: %v\n", err)
		return ExitFailure
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(env.Stderr, "tocsin healthcheck: %s\n", resp.Status)
		return ExitFailure
	}
	return ExitOK
}

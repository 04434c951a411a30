package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/store"
)

func newStatusCmd(env *Env) *cobra.Command {
	return serviceCmd(env, &cobra.Command{
		Use:   "status [flags]",
		Short: "Print sources, outbox and rules state from the store",
		Long: `Status reads the store a tocsin runs on (store.dsn, or --db) and prints each source's health, the
outbox depth and the rules version. It reads only the store section of the config: no secret needs to
be set for it.`,
		Example: "  tocsin status\n  tocsin status --config tocsin.yaml\n  tocsin status --db /var/lib/tocsin/tocsin.db",
	}, false, runStatus)
}

// runStatus prints the state kept in the store.
func runStatus(ctx context.Context, env Env, f *serviceFlags) int {
	cfg, err := f.load(env, []string{"store"})
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin status: %v\n", err)
		return ExitUsage
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
	fmt.Fprintf(w, "silences in force: %d\n", len(st.Silences))
	for _, sl := range st.Silences {
		fmt.Fprintf(w, "  %s  %s  until %s  by %s: %s\n", sl.ID, oneLine(sl.Describe(), 100),
			sl.ExpiresAt.UTC().Format(time.RFC3339), oneLine(sl.Author, 40), oneLine(sl.Reason, 100))
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

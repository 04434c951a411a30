package cli

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/store"
)

func newStatusCmd(env *Env) *cobra.Command {
	var token string
	cmd := serviceCmd(env, &cobra.Command{
		Use:   "status [flags]",
		Short: "Print sources, outbox and rules state from the store",
		Long: `Status reads the store a tocsin runs on (store.dsn, or --db) and prints each source's health, the
outbox depth, the rules version and the silences in force. It needs no secret: it reads the store
section of the config, and the http section only for the API tokens.

Like the public GET /status, it lists each silence's id, matchers and end; who added it and why are
shown when it has an API token: http.api_token or http.api_read_token of --config, or --token
(env TOCSIN_API_TOKEN) equal to one of them.`,
		Example: "  tocsin status\n  tocsin status --config tocsin.yaml\n  tocsin status --db /var/lib/tocsin/tocsin.db\n" +
			"  TOCSIN_API_TOKEN=... tocsin status --config tocsin.yaml",
	}, false, func(ctx context.Context, env Env, f *serviceFlags) int { return runStatus(ctx, env, f, token) })
	cmd.Flags().StringVar(&token, "token", "", "API token that shows who added each silence and why (default env TOCSIN_API_TOKEN)")
	return cmd
}

// runStatus prints the state kept in the store.
func runStatus(ctx context.Context, env Env, f *serviceFlags, token string) int {
	if token == "" {
		token = env.Getenv("TOCSIN_API_TOKEN")
	}
	detail, note := statusDetail(env, f, token)
	if note != "" {
		fmt.Fprintf(env.Stderr, "tocsin status: %s\n", note)
	}
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
	if err := printStatus(ctx, env.Stdout, s, time.Now(), detail); err != nil {
		fmt.Fprintf(env.Stderr, "tocsin status: %v\n", err)
		return ExitFailure
	}
	return ExitOK
}

// statusDetail decides whether status shows who added each silence and
// why: it does with an API token, the config's own (whoever can read it
// holds it) or a presented one that equals it. A presented token that does
// not is named in the note, and the silences are listed without.
func statusDetail(env Env, f *serviceFlags, presented string) (bool, string) {
	var configured []string
	var loadErr error
	if f.config != "" {
		var cfg *config.Config
		cfg, loadErr = config.LoadWith(f.config, config.Options{Getenv: env.Getenv, Sections: []string{"http"}})
		if loadErr == nil {
			for _, t := range []config.Secret{cfg.HTTP.APIToken, cfg.HTTP.APIReadToken} {
				if t != "" {
					configured = append(configured, t.Reveal())
				}
			}
		}
	}
	if presented == "" {
		return len(configured) > 0, ""
	}
	for _, t := range configured {
		if subtle.ConstantTimeCompare([]byte(t), []byte(presented)) == 1 {
			return true, ""
		}
	}
	if loadErr != nil {
		return false, fmt.Sprintf("the API tokens of --config cannot be read to check the token (%v): silences are shown without who and why", loadErr)
	}
	if len(configured) == 0 {
		return false, "no http.api_token or http.api_read_token in --config to check the token against: silences are shown without who and why"
	}
	return false, "the token is neither http.api_token nor http.api_read_token: silences are shown without who and why"
}

func printStatus(ctx context.Context, w io.Writer, s *store.Store, now time.Time, detail bool) error {
	st, err := app.ReadStatus(ctx, s)
	if err != nil {
		return err
	}
	if !detail {
		st = st.Public()
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
		fmt.Fprintf(w, "  %s  %s  until %s", sl.ID, oneLine(sl.Silence().Describe(), 100), sl.ExpiresAt.UTC().Format(time.RFC3339))
		if detail {
			fmt.Fprintf(w, "  by %s: %s", oneLine(sl.Author, 40), oneLine(sl.Comment, 100))
		}
		fmt.Fprintln(w)
	}
	if !detail && len(st.Silences) > 0 {
		fmt.Fprintln(w, "  (who added them and why: with the API token, in --config or --token)")
	}
	printCluster(w, st.Cluster, ago)
	return nil
}

// printCluster lists the replicas seen on the store, which one leads and
// what each holds now (claimed sources, outbox rows being sent).
func printCluster(w io.Writer, c app.ClusterStatus, ago func(time.Time) string) {
	leader := c.Leader
	switch {
	case c.Store != "postgres":
		leader = "the one process (SQLite)"
	case leader == "":
		leader = "none right now"
	}
	fmt.Fprintf(w, "\nreplicas (%s store; leader: %s):\n", c.Store, leader)
	seen := map[string]time.Time{}
	ids := []string{}
	for _, r := range c.Replicas {
		seen[r.ID] = r.SeenAt
		ids = append(ids, r.ID)
	}
	for id := range c.Holdings {
		if _, ok := seen[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPLICA\tLEADER\tLAST SEEN\tCLAIMED SOURCES\tOUTBOX LEASES")
	for _, id := range ids {
		lead := ""
		if id == c.Leader {
			lead = "yes"
		}
		h := c.Holdings[id]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", id, lead, ago(seen[id]), len(h.Sources), h.OutboxLeases)
	}
	tw.Flush()
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

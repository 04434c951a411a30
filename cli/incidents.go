package cli

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tocsin-alerts/tocsin/api"
)

func newIncidentsCmd(env *Env) *cobra.Command {
	var rf remoteFlags
	var place, category, severity, state, since string
	var limit int
	cmd := &cobra.Command{
		Use:   "incidents [ID] [flags]",
		Short: "List a running tocsin's incidents, or show one with its timeline",
		Long: `Incidents asks a running tocsin's JSON API (see tocsin silence --help for --url and the token) for its
incidents, newest first, filtered like Discord's /alerts and the web console: --place (a country matches
its cities), --category (the rule set's vocabulary), --severity (a minimum), --state (default: announced
ones; open, resolved, pending, all), --since (24h, 7d or an RFC 3339 time). With an ID it shows that
incident: sources, evidence and its timeline.`,
		Example: "  tocsin incidents --place Ukraine --severity high --since 24h\n  tocsin incidents inc-0c0ffee123 --output json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return exit(rf.remote(cmd.Context(), *env, "tocsin incidents", func(ctx context.Context, c *api.Client) error {
				if len(args) == 1 {
					inc, err := c.Incident(ctx, args[0])
					if err != nil {
						return err
					}
					if rf.output == "json" {
						return printJSON(env.Stdout, inc)
					}
					printIncident(env, inc)
					return nil
				}
				q := url.Values{}
				for k, v := range map[string]string{"place": place, "category": category, "severity": severity,
					"state": state, "since": since} {
					if v != "" {
						q.Set(k, v)
					}
				}
				q.Set("limit", strconv.Itoa(limit))
				list, err := c.Incidents(ctx, q)
				if err != nil {
					return err
				}
				if rf.output == "json" {
					return printJSON(env.Stdout, list)
				}
				tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSEVERITY\tSTATE\tLAST SEEN\tPLACE\tCATEGORIES\tSOURCES\tTITLE")
				for _, inc := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", inc.ID, inc.Severity, inc.State,
						inc.LastSeen.UTC().Format(time.RFC3339), oneLine(inc.Location, 40), oneLine(strings.Join(inc.Categories, ","), 40),
						inc.Corroboration, oneLine(inc.Title, 70))
				}
				return tw.Flush()
			}))
		},
	}
	rf.register(cmd.Flags(), env)
	f := cmd.Flags()
	f.StringVar(&place, "place", "", "only this country, region or city")
	f.StringVar(&category, "category", "", "only this category")
	f.StringVar(&severity, "severity", "", "at least this severity (low, medium, high, critical)")
	enumFlag(f, &state, "state", "", "open, resolved, pending or all (default: announced)", "open", "resolved", "pending", "all")
	f.StringVar(&since, "since", "", "active since (24h, 7d, or an RFC 3339 time)")
	f.IntVar(&limit, "limit", 50, "at most this many (1-500)")
	return cmd
}

func printIncident(env *Env, inc api.Incident) {
	w := env.Stdout
	fmt.Fprintf(w, "%s  %s  %s  %s\n", inc.ID, strings.ToUpper(inc.Severity), inc.State, oneLine(inc.Title, 200))
	fmt.Fprintf(w, "place: %s\ncategories: %s\nfirst seen: %s\nlast seen: %s\n", oneLine(inc.Location, 100),
		strings.Join(inc.Categories, ", "), inc.FirstSeen.UTC().Format(time.RFC3339), inc.LastSeen.UTC().Format(time.RFC3339))
	if inc.Summary != "" {
		fmt.Fprintf(w, "summary: %s\n", oneLine(inc.Summary, 500))
	}
	fmt.Fprintf(w, "sources (%d):\n", inc.Corroboration)
	for _, s := range inc.Sources {
		fmt.Fprintf(w, "  - %s: %s %s\n", oneLine(firstNonEmpty(s.Outlet, s.Source), 60), oneLine(s.Title, 100), oneLine(s.URL, 200))
	}
	fmt.Fprintln(w, "evidence:")
	for _, e := range inc.Evidence {
		fmt.Fprintf(w, "  - [%s %s] %s\n", e.Rule, e.Severity, oneLine(e.Sentence, 200))
	}
	fmt.Fprintln(w, "timeline:")
	for _, ev := range inc.Timeline {
		sev := ev.Severity
		if ev.PrevSeverity != "" && ev.PrevSeverity != ev.Severity {
			sev = ev.PrevSeverity + " → " + ev.Severity
		}
		fmt.Fprintf(w, "  %s  %-9s %s  %s\n", ev.At.UTC().Format(time.RFC3339), ev.Kind, sev, oneLine(ev.Reason, 120))
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

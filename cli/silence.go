package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/api"
)

func newSilenceCmd(env *Env) *cobra.Command {
	g := group("silence", "Add, list and expire silences on a running tocsin (like amtool silence)",
		newSilenceAddCmd(env), newSilenceListCmd(env), newSilenceExpireCmd(env))
	g.Long = `The silence commands talk to a running tocsin over its JSON API (--url, the token with --token,
TOCSIN_API_TOKEN or --config): the server checks categories and rule ids against its live rule set and
applies the silence to the next event. They are the same silences as Discord's Mute and the web console's.`
	return g
}

func newSilenceAddCmd(env *Env) *cobra.Command {
	var rf remoteFlags
	var duration, expires, comment, author string
	cmd := &cobra.Command{
		Use:   "add MATCHER... [flags]",
		Short: "Silence events whose incident matches every MATCHER",
		Long: `Add silences the events of incidents that match every matcher, for --duration (default 4h, at most
90d) or until --expires. A matcher is kind=value:

  place=Kharkiv            the incident is in that place (a country matches its cities)
  category=airstrike       one of its categories (the rule set's vocabulary)
  rule=missile-strike      a rule that fired for it
  incident=inc-0c0ffee123  that incident
  labels.region=sahel      one of its sources has that label

It prints the new silence's id.`,
		Example: `  tocsin silence add place=Kharkiv category=airstrike --duration 6h --comment "live desk covers it"
  tocsin silence add labels.trust=social --expires 2025-03-03T08:00:00Z -c tocsin.yaml --comment "rumour wave"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ms := make([]alerts.Matcher, 0, len(args))
			for _, a := range args {
				m, err := alerts.ParseMatcher(a)
				if err != nil {
					return usageError{err}
				}
				ms = append(ms, m)
			}
			body := api.NewSilence{Matchers: ms, Author: author, Comment: comment}
			if body.Author == "" {
				body.Author = currentUser(*env)
			}
			switch {
			case expires != "" && cmd.Flags().Changed("duration"):
				return usageErrorf("give --duration or --expires, not both")
			case expires != "":
				t, err := time.Parse(time.RFC3339, expires)
				if err != nil {
					return usageErrorf("--expires %q: want an RFC 3339 time such as 2025-03-03T08:00:00Z", expires)
				}
				body.ExpiresAt = &t
			default:
				body.Duration = duration
			}
			if strings.TrimSpace(comment) == "" {
				return usageErrorf("--comment is required: say why (it is shown wherever the silence is listed)")
			}
			return exit(rf.remote(cmd.Context(), *env, "tocsin silence add", func(ctx context.Context, c *api.Client) error {
				s, err := c.AddSilence(ctx, body)
				if err != nil {
					return err
				}
				if rf.output == "json" {
					return printJSON(env.Stdout, s)
				}
				fmt.Fprintln(env.Stdout, s.ID)
				return nil
			}))
		},
	}
	rf.register(cmd.Flags(), env)
	cmd.Flags().StringVarP(&duration, "duration", "d", "4h", "how long the silence lasts (e.g. 90m, 6h, 7d)")
	cmd.Flags().StringVar(&expires, "expires", "", "when the silence ends (RFC 3339), instead of --duration")
	cmd.Flags().StringVar(&comment, "comment", "", "why (required)")
	cmd.Flags().StringVar(&author, "author", "", "who silences (default $USER@host)")
	return cmd
}

func newSilenceListCmd(env *Env) *cobra.Command {
	var rf remoteFlags
	var expired, all, quiet bool
	cmd := &cobra.Command{
		Use:     "list [flags]",
		Aliases: []string{"query", "ls"},
		Short:   "List the active silences (--expired, --all for the history)",
		Example: "  tocsin silence list\n  tocsin silence list --expired --output json\n  tocsin silence list -q | xargs tocsin silence expire",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			state := "active"
			switch {
			case all:
				state = "all"
			case expired:
				state = "expired"
			}
			return exit(rf.remote(cmd.Context(), *env, "tocsin silence list", func(ctx context.Context, c *api.Client) error {
				list, err := c.Silences(ctx, state)
				if err != nil {
					return err
				}
				switch {
				case quiet:
					for _, s := range list {
						fmt.Fprintln(env.Stdout, s.ID)
					}
				case rf.output == "json":
					return printJSON(env.Stdout, list)
				default:
					printSilences(env, list)
				}
				return nil
			}))
		},
	}
	rf.register(cmd.Flags(), env)
	cmd.Flags().BoolVar(&expired, "expired", false, "list expired silences instead")
	cmd.Flags().BoolVar(&all, "all", false, "list active and expired silences")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print the ids only")
	return cmd
}

func printSilences(env *Env, list []api.Silence) {
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tMATCHERS\tSTATE\tENDS\tAUTHOR\tCOMMENT")
	for _, s := range list {
		ms := make([]string, len(s.Matchers))
		for i, m := range s.Matchers {
			ms[i] = m.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, oneLine(strings.Join(ms, " "), 80), s.State,
			s.ExpiresAt.UTC().Format(time.RFC3339), oneLine(s.Author, 30), oneLine(s.Comment, 60))
	}
	tw.Flush()
}

func newSilenceExpireCmd(env *Env) *cobra.Command {
	var rf remoteFlags
	cmd := &cobra.Command{
		Use:     "expire ID... [flags]",
		Short:   "End silences now (they stay in the history)",
		Example: "  tocsin silence expire sil-3f9a0c1d2e4b5a6c",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return exit(rf.remote(cmd.Context(), *env, "tocsin silence expire", func(ctx context.Context, c *api.Client) error {
				for _, id := range args {
					if _, err := c.ExpireSilence(ctx, id); err != nil {
						return fmt.Errorf("%s: %w", id, err)
					}
					fmt.Fprintln(env.Stdout, "expired", id)
				}
				return nil
			}))
		},
	}
	rf.register(cmd.Flags(), env)
	return cmd
}

package cli

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

func newHealthcheckCmd(env *Env) *cobra.Command {
	var u string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck [flags]",
		Short: "Probe a running tocsin's /healthz (the Docker HEALTHCHECK)",
		Long:  "Healthcheck exits 0 when the URL answers 200 within the timeout, else 1: the health probe of an image without curl.",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exit(runHealthcheck(cmd.Context(), *env, u, timeout))
		},
	}
	cmd.Flags().StringVar(&u, "url", "http://127.0.0.1:8080/healthz", "health URL to probe")
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "give up after this long")
	return cmd
}

func runHealthcheck(ctx context.Context, env Env, u string, timeout time.Duration) int {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
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

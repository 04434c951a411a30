package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tocsin-alerts/tocsin/app"
)

func newRunCmd(env *Env) *cobra.Command {
	return serviceCmd(env, &cobra.Command{
		Use:   "run [flags]",
		Short: "Run the service: poll sources, alert, until interrupted",
		Long: `Run polls the configured sources on a schedule, scores new reports, groups them into incidents and
delivers alerts until interrupted (Ctrl-C, SIGTERM). With no config file it is a demo on the sample
reports in seeds/. State is kept in store.dsn (default ./tocsin.db in the working directory).`,
		Example: "  tocsin run\n  tocsin run --config tocsin.yaml\n  tocsin run -c tocsin.yaml --http 127.0.0.1:9090 --db /var/lib/tocsin/tocsin.db",
	}, true, runService)
}

// runService runs the service until ctx is cancelled.
func runService(ctx context.Context, env Env, f *serviceFlags) int {
	cfg, err := f.load(env, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin run: %v\n", err)
		return ExitUsage
	}
	a, err := app.New(ctx, cfg, app.Deps{Stdout: env.Stdout, Logger: newLogger(env.Stderr, cfg.Log), Version: Version})
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin run: %v%s\n", err, f.listenHint(err, cfg))
		return ExitFailure
	}
	if err := a.Run(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "tocsin run: %v\n", err)
		return ExitFailure
	}
	return ExitOK
}

func newOnceCmd(env *Env) *cobra.Command {
	return serviceCmd(env, &cobra.Command{
		Use:   "once [flags]",
		Short: "Run one poll cycle, deliver alerts, then exit",
		Long: "Once polls every due source once, delivers what is pending, prunes what store.retention no longer keeps " +
			"and exits: for cron jobs and tests. It serves no HTTP.",
	}, true, runOnce)
}

// runOnce runs one poll cycle, delivers, and exits.
func runOnce(ctx context.Context, env Env, f *serviceFlags) int {
	cfg, err := f.load(env, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "tocsin once: %v\n", err)
		return ExitUsage
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

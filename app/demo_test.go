package app_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/config"
)

// TestDemoOnlyWithNothingButTheConsole: the sample stories are polled only
// when nothing but the console is configured, and the first log line says
// so; with Discord or a push token configured and no sources, nothing is
// polled and nothing made-up is posted (issue 10: the demo stories went to
// real Discord channels).
func TestDemoOnlyWithNothingButTheConsole(t *testing.T) {
	cases := []struct {
		name      string
		configure func(*config.Config)
		demo      bool
	}{
		{"nothing configured", func(*config.Config) {}, true},
		{"custom rules only", func(c *config.Config) { c.Rules.Dir = "../rules/default" }, true},
		{"discord configured", func(c *config.Config) {
			c.Discord.Token = "test.token.value"
			c.Discord.ApplicationID = "123456789012345678"
			c.Discord.APIURL = "http://127.0.0.1:1/api/v9" // never reached: Once does not start the bot
		}, false},
		{"push token configured", func(c *config.Config) { c.HTTP.PushToken = "push-secret" }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(t)
			if !c.demo {
				// The store saw a demo before the operator configured a
				// real destination: the seeds must stop.
				demo, err := app.New(context.Background(), cfg, app.Deps{})
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := demo.Once(context.Background()); err != nil {
					t.Fatal(err)
				}
				demo.Stop()
			}
			c.configure(cfg)
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			var logs, out syncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			a, err := app.New(context.Background(), cfg, app.Deps{Stdout: &out, Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Stop()
			st, _, err := a.Once(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(logs.String(), "\n")
			if c.demo {
				if !strings.Contains(first, "DEMO") || !strings.Contains(first, "demo=true") {
					t.Errorf("first log line does not say demo: %s", first)
				}
				if st.Sources != 1 || !strings.Contains(out.String(), "Aleppo") {
					t.Errorf("demo polled %d sources, printed:\n%s", st.Sources, out.String())
				}
				return
			}
			if strings.Contains(logs.String(), "DEMO") || !strings.Contains(first, "no sources configured") {
				t.Errorf("first log line: %s", first)
			}
			if st.Sources != 0 || st.Scored != 0 || out.String() != "" {
				t.Errorf("not a demo, yet polled %d sources, scored %d, printed %q", st.Sources, st.Scored, out.String())
			}
			srcs, err := a.Store.Sources(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range srcs {
				if s.Enabled {
					t.Errorf("source %s enabled", s.ID)
				}
			}
		})
	}
}

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/tocsin-alerts/tocsin/api"
	"github.com/tocsin-alerts/tocsin/config"
)

// remoteFlags are the flags of the commands that talk to a running tocsin
// over its JSON API (silence, incidents), as amtool talks to Alertmanager:
// the running process checks silences against its live rule set, logs them
// and applies them at once, and with PostgreSQL every replica sees them.
type remoteFlags struct {
	url, token, config, output string
	timeout                    time.Duration
}

func (f *remoteFlags) register(fs *pflag.FlagSet, env *Env) {
	fs.StringVar(&f.url, "url", env.Getenv("TOCSIN_URL"), "tocsin's HTTP server (env TOCSIN_URL; default http://<http.addr of --config>, else http://127.0.0.1:8080)")
	fs.StringVar(&f.token, "token", "", "API token (default env TOCSIN_API_TOKEN, else http.api_token of --config)")
	fs.StringVarP(&f.config, "config", "c", env.Getenv("TOCSIN_CONFIG"), "config file to read http.addr and http.api_token from (env TOCSIN_CONFIG)")
	enumFlag(fs, &f.output, "output", "table", "output format: table or json", "table", "json")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "give up on the server after this long")
}

// client builds the API client: flags, then the environment, then the
// config's http section (only it is read: no other secret is needed).
func (f *remoteFlags) client(env Env) (*api.Client, error) {
	base, token := f.url, f.token
	if token == "" {
		token = env.Getenv("TOCSIN_API_TOKEN")
	}
	if f.config != "" && (base == "" || token == "") {
		cfg, err := config.LoadWith(f.config, config.Options{Getenv: env.Getenv, Sections: []string{"http"}})
		if err != nil {
			return nil, err
		}
		if base == "" && cfg.HTTP.Addr != "" {
			base = "http://" + dialable(cfg.HTTP.Addr)
		}
		if token == "" {
			token = cfg.HTTP.APIToken.Reveal()
		}
	}
	if base == "" {
		base = "http://127.0.0.1:8080"
	}
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return &api.Client{BaseURL: base, Token: token}, nil
}

// dialable turns a listen address into one to connect to: ":8080" and
// "0.0.0.0:8080" listen everywhere, so connect to loopback.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// remote runs fn with a client and a bounded context, and turns its error
// into an exit code with one line on stderr: a refused request (the API
// said what was wrong) is a usage error, anything else a failure.
func (f *remoteFlags) remote(ctx context.Context, env Env, name string, fn func(ctx context.Context, c *api.Client) error) int {
	c, err := f.client(env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return ExitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	err = fn(ctx, c)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
	var ae *api.Error
	if errors.As(err, &ae) {
		if ae.Status == 401 && c.Token == "" {
			fmt.Fprintf(env.Stderr, "Give the API token with --token, TOCSIN_API_TOKEN or --config (http.api_token).\n")
		}
		if ae.Status == 400 || ae.Status == 404 {
			return ExitUsage
		}
	}
	return ExitFailure
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// currentUser names the author of a silence when --author is not given.
func currentUser(env Env) string {
	u := env.Getenv("USER")
	if u == "" {
		u = "cli"
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		u += "@" + h
	}
	return u
}

package app

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/report"
)

// handler serves /healthz (the process is up), /readyz (running, the store
// takes writes and the outbox moves), /status (sources, outbox, rules, the cluster and this replica; JSON), /metrics (the app's own registry), POST /v1/reports and,
// with discord.public_key, Discord's interactions endpoint and, with web.enabled, the web console at /.
func (a *App) handler() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !a.ready.Load() {
			http.Error(w, "not ready: starting or stopping", http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := a.Store.Ping(ctx); err != nil {
			http.Error(w, "not ready: store unreachable", http.StatusServiceUnavailable)
			return
		}
		st := a.Rules.Last()
		body := map[string]any{"ready": true, "rules_version": a.Rules.Version(), "rules_reload_ok": st.OK,
			"rules_reload_error": st.Err}
		w.Header().Set("Content-Type", "application/json")
		if problems := a.health.check(ctx); len(problems) > 0 {
			body["ready"], body["problems"] = false, problems
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(body)
	})
	apiSrv, err := a.newAPI()
	if err != nil {
		return nil, err
	}
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		// Public: counts, ids, matchers, expiries. With an API token, also
		// who added each silence and why; a wrong token is refused rather
		// than answered with less.
		detail := r.Header.Get("Authorization") != ""
		if detail && !apiSrv.CanRead(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin", error="invalid_token"`)
			feed.WriteErrors(w, http.StatusUnauthorized, feed.FieldError{Message: "invalid token (without one, /status shows the public view)"})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		st, err := ReadStatus(ctx, a.Store)
		if err != nil {
			http.Error(w, "status unavailable", http.StatusServiceUnavailable)
			return
		}
		if !detail {
			st = st.Public()
		}
		rs := a.replica.status(ctx)
		st.Replica = &rs
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Vary", "Authorization")
		json.NewEncoder(w).Encode(st)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.Reg, promhttp.HandlerOpts{Registry: a.Reg}))
	mux.Handle(feed.PushPath, feed.PushHandler(feed.PushOptions{
		Token:        feed.Secret(a.cfg.HTTP.PushToken.Reveal()),
		MaxBodyBytes: a.cfg.HTTP.PushMaxBodyBytes,
		Source:       feed.DefaultPushSource,
		Logger:       a.log,
		Now:          a.clock.Now,
		Sink: func(ctx context.Context, rs []report.Report) error {
			return a.Poller.Ingest(ctx, feed.DefaultPushSource, rs)
		},
	}))
	apiSrv.Register(mux)
	if a.discord != nil && a.discord.key != nil {
		// Discord's "interactions endpoint URL": Ed25519-verified.
		mux.Handle(a.cfg.Discord.InteractionsPath, a.discord.http.InteractionsHandler(a.discord.key))
	}
	if a.cfg.Web.Enabled {
		w, err := a.newWeb()
		if err != nil {
			return nil, err
		}
		mux.Handle("/", w)
	}
	return mux, nil
}

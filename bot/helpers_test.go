package bot

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/bot/discordtest"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

const (
	testToken   = "MTIz.secret-token-value.xyz"
	testChannel = "700000000000000001"
	otherChan   = "700000000000000002"
	roleHigh    = "800000000000000001"
	roleCrit    = "800000000000000002"
)

// memRefs is an in-memory Refs. crash makes PutRef fail for keys with a
// prefix, simulating a process that died before recording; forget drops
// all writes (a store that lost its last transactions).
type memRefs struct {
	mu     sync.Mutex
	m      map[string]string
	crash  string
	forget bool
}

func newMemRefs() *memRefs { return &memRefs{m: map[string]string{}} }

var errCrash = errors.New("simulated crash before the ref was recorded")

func (r *memRefs) GetRef(_ context.Context, key string) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[key]
	return v, ok, nil
}

func (r *memRefs) PutRef(_ context.Context, key, value string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.crash != "" && strings.HasPrefix(key, r.crash) {
		return errCrash
	}
	if r.forget {
		return nil
	}
	r.m[key] = value
	return nil
}

func (r *memRefs) set(crash string, forget bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.crash, r.forget = crash, forget
}

var _ Refs = (*memRefs)(nil)

// env is an emulated Discord plus a log buffer that tests check for the
// token.
type env struct {
	t   *testing.T
	srv *discordtest.Server
	log *slog.Logger
	buf *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T, opts discordtest.Options) *env {
	t.Helper()
	opts.Token = testToken
	srv := discordtest.New(opts)
	t.Cleanup(srv.Close)
	srv.AddChannel(testChannel)
	srv.AddChannel(otherChan)
	buf := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := &env{t: t, srv: srv, log: log, buf: buf}
	t.Cleanup(e.checkNoToken)
	return e
}

// checkNoToken fails the test if the token shows up in any log line.
func (e *env) checkNoToken() {
	if strings.Contains(e.buf.String(), "secret-token-value") {
		e.t.Errorf("the bot token appears in the logs:\n%s", e.buf.String())
	}
}

func (e *env) client() *Client {
	e.t.Helper()
	c, err := NewClient(ClientOptions{Token: testToken, APIURL: e.srv.URL() + "/api/v9", Logger: e.log, OpenTimeout: 5 * time.Second})
	if err != nil {
		e.t.Fatalf("NewClient: %v", err)
	}
	// Tests never wait for real backoffs.
	c.rest.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	return c
}

func (e *env) notifier(refs Refs, routes ...Route) *Notifier {
	e.t.Helper()
	if routes == nil {
		routes = []Route{{ChannelID: testChannel, MinSeverity: rules.SevLow,
			MentionRoles: map[rules.Severity][]string{rules.SevHigh: {roleHigh}, rules.SevCritical: {roleCrit}}}}
	}
	n, err := NewNotifier(e.client(), NotifierOptions{Routes: routes, Refs: refs, Logger: e.log})
	if err != nil {
		e.t.Fatalf("NewNotifier: %v", err)
	}
	return n
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// sampleAlert is an opened incident about a strike in Odesa.
func sampleAlert() alerts.Alert {
	inc := alerts.Incident{
		ID:            "inc-odesa-1",
		Title:         "Missile strike on port infrastructure",
		Location:      "Odesa, Ukraine",
		Categories:    []string{"airstrike"},
		Severity:      rules.SevHigh,
		Corroboration: 2,
		Sources: []alerts.SourceRef{
			{Source: "wire", Outlet: "Example Wire", Title: "Missiles hit Odesa port", URL: "https://news.example/odesa-port", Seen: t0},
			{Source: "paper", Outlet: "Daily Example", Title: "Port struck overnight", URL: "https://daily.example/a?id=1", Seen: t0.Add(10 * time.Minute)},
		},
		Evidence: []rules.Evidence{{
			Rule: "strike.missile", Category: "airstrike", Severity: rules.SevHigh,
			Sentence: "Russian missiles struck the port of Odesa overnight, officials said.",
			Field:    "text", Match: "missiles struck", Why: "missile strike verb with a military subject, asserted",
			Modality: rules.Asserted,
		}},
		Summary:   "Missiles struck port infrastructure in Odesa overnight; two outlets report damage to grain terminals.",
		FirstSeen: t0,
		LastSeen:  t0.Add(10 * time.Minute),
	}
	return alerts.Alert{
		ID: "alert-1", Kind: alerts.Opened, Incident: inc,
		Report: report.Report{Title: "Missiles hit Odesa port", URL: "https://news.example/odesa-port"},
		Reason: "new incident", At: t0,
	}
}

func updated(a alerts.Alert, id string, kind alerts.EventKind) alerts.Alert {
	a.ID = id
	a.Kind = kind
	a.At = a.At.Add(30 * time.Minute)
	a.Incident.LastSeen = a.At
	a.Incident.Corroboration++
	a.Incident.Sources = append(append([]alerts.SourceRef(nil), a.Incident.Sources...),
		alerts.SourceRef{Source: "tv", Outlet: "Example TV", Title: "More strikes reported", URL: "https://tv.example/x", Seen: a.At})
	switch kind {
	case alerts.Escalated:
		a.PrevSeverity = a.Incident.Severity
		a.Incident.Severity = rules.SevCritical
		a.Reason = "severity rose: casualties reported"
	case alerts.Resolved:
		a.Incident.ResolvedAt = a.At
		a.Reason = "no new reports for 24h"
	default:
		a.Reason = "new source"
	}
	return a
}

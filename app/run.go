package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// group runs an App's components: each is owned, its failure is reported
// once and cancels the others, and wait is bounded by a deadline.
type group struct {
	a      *App
	cancel context.CancelFunc
	wg     sync.WaitGroup
	errc   chan error
}

func newGroup(a *App, cancel context.CancelFunc) *group {
	return &group{a: a, cancel: cancel, errc: make(chan error, 1)}
}

// goFn runs fn; an error while the group still runs is the component's
// failure, and ends the run.
func (g *group) goFn(ctx context.Context, name string, fn func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := fn(); err != nil && ctx.Err() == nil {
			g.fail(name, err)
		}
	}()
}

// fail reports a component's failure (the first one counts) and ends the
// run.
func (g *group) fail(name string, err error) {
	g.a.log.Error("component failed", "name", name, "error", err)
	select {
	case g.errc <- fmt.Errorf("%s: %w", name, err):
	default:
	}
	g.cancel()
}

// wait waits for the group's components, at most until ctx ends; it says
// whether they all returned.
func (g *group) wait(ctx context.Context) bool {
	return waitFor(ctx, g.wg.Wait)
}

func (g *group) failure() error {
	select {
	case err := <-g.errc:
		return err
	default:
		return nil
	}
}

// waitFor runs fn (a wait) and returns true when it returned before ctx
// ended. A wait still blocked then is abandoned to the process exit.
func waitFor(ctx context.Context, fn func()) bool {
	done := make(chan struct{})
	go func() { fn(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// Run serves until ctx ends, then shuts down within shutdown_timeout,
// whatever the notifiers or the sources do: intake stops (HTTP, the
// scheduler, fetches in flight are cut and their sources released), what
// was recorded is delivered while time remains, and the rest stays pending
// in the outbox for the next start. A requested shutdown returns nil even
// when the deadline cut work short (the log says what); a component that
// failed is the error.
//
// A Discord outage at start does not stop the service: the bot is started
// in the background and retried while polling and the console go on, and
// Discord deliveries wait in the outbox meanwhile. Only a token Discord
// refuses ends the run.
func (a *App) Run(ctx context.Context) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	g := newGroup(a, cancel)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	if a.srv != nil {
		g.goFn(runCtx, "http", func() error {
			if err := a.srv.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		a.log.Info("http listening", "addr", a.Addr())
	}
	// The singletons run on the leader only (on SQLite, this process).
	g.goFn(runCtx, "leader", func() error { a.replica.elector.Run(runCtx, a.lead(runCtx, g)); return nil })
	// Delivery runs on its own context: it keeps delivering while the
	// poller stops, until the final drain is done.
	dispCtx, stopDisp := context.WithCancel(context.WithoutCancel(ctx))
	defer stopDisp()
	disp := newGroup(a, func() {})
	disp.goFn(dispCtx, "delivery", func() error { a.Delivery.Run(dispCtx); return nil })
	g.goFn(runCtx, "rules", func() error { a.Rules.Watch(runCtx, hup, 300*time.Millisecond); return nil })
	g.goFn(runCtx, "health", func() error { a.health.run(runCtx); return nil })
	g.goFn(runCtx, "replica", func() error { a.replica.run(runCtx); return nil })
	a.ready.Store(true)
	a.log.Info("tocsin running", "replica", a.replica.id, "schedule", a.cfg.Poller.Schedule, "rules_version", a.Rules.Version(), "store", a.Store.Dialect(),
		"demo", a.cfg.Demo())
	g.goFn(runCtx, "poller", func() error { return a.Poller.Run(runCtx, a.cfg.Poller.Schedule) })

	<-runCtx.Done()
	a.ready.Store(false)
	timeout := a.cfg.ShutdownTimeout.D()
	a.log.Info("shutting down", "timeout", timeout)
	// The waits below end a little before the deadline, leaving the rest
	// for closing the store and the HTTP server, so the whole stop fits.
	hard, hcancel := context.WithTimeout(context.Background(), timeout)
	defer hcancel()
	sctx, scancel := context.WithTimeout(hard, timeout-min(timeout/10, time.Second))
	defer scancel()
	// Stop accepting HTTP now; requests in flight (a push being stored)
	// finish before the store closes.
	httpDone := make(chan struct{})
	go func() {
		defer close(httpDone)
		if a.srv != nil {
			if err := a.srv.Shutdown(sctx); err != nil {
				a.log.Warn("http shutdown cut short", "error", err)
				a.srv.Close()
			}
		}
	}()
	complete := g.wait(sctx)
	if !complete {
		a.log.Warn("shutdown deadline: components still running were abandoned", "timeout", timeout)
	}
	// The poller has stopped: deliver what it recorded while time remains.
	if _, err := a.Delivery.Drain(sctx); err != nil && sctx.Err() == nil {
		a.log.Warn("final delivery incomplete; pending alerts go out at next start", "error", err)
	}
	stopDisp()
	if !disp.wait(sctx) {
		complete = false
		a.log.Warn("shutdown deadline: a delivery was still in flight; it stays pending for the next start")
	}
	if !waitFor(sctx, func() { <-httpDone }) {
		complete = false
	}
	if err := a.stop(hard); err != nil {
		a.log.Warn("stopping components", "error", err)
	}
	if sctx.Err() != nil {
		complete = false
	}
	a.log.Info("stopped", "complete", complete)
	return g.failure()
}

// lead returns what runs while this replica leads, one term at a time: the
// retention prune and Discord's gateway and command registration (the
// quiet-expiry sweep is the poller's, gated by poller.Options.Leader). A
// term ends when the lead is lost or the service stops; a Discord that
// refuses the token ends the run, as it does with one process.
func (a *App) lead(runCtx context.Context, g *group) func(ctx context.Context) {
	return func(ctx context.Context) {
		var wg sync.WaitGroup
		if a.retention != nil {
			wg.Add(1)
			go func() { defer wg.Done(); a.retention.run(ctx) }()
		}
		if a.discord != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := a.discord.lead(ctx, a.cfg.ShutdownTimeout.D()); err != nil && runCtx.Err() == nil {
					g.fail("discord", err)
				}
			}()
		}
		wg.Wait()
	}
}

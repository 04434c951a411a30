package poller

import (
	"context"
	"sync"
	"time"

	"github.com/tocsin-alerts/tocsin/store"
)

// Scheduling bounds. The scheduler sleeps until the earliest source is due
// (or a poll finishes, or the cron tick kicks it), never longer than
// maxIdle, and never spins faster than minWait.
const (
	maxIdle = 5 * time.Second
	minWait = 10 * time.Millisecond
)

// schedule is the per-source scheduler: whenever a worker is free it claims
// due sources (as many as there are free workers) and starts each at once,
// without waiting for the others. A source that hangs or drips holds one
// worker until its fetch timeout and delays nothing else; a claimed source
// is leased, so it is never polled twice at a time. It returns when ctx
// ends and every poll it started has returned.
func (p *Poller) schedule(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	done := make(chan struct{}, p.o.Workers)
	inflight := 0
	for {
		if free := p.o.Workers - inflight; free > 0 {
			now := p.o.Clock.Now()
			srcs, err := p.o.Store.ClaimSources(ctx, now, free, p.o.Lease)
			if err != nil && ctx.Err() == nil {
				p.log.Error("claiming due sources failed", "error", err)
			}
			for _, src := range srcs {
				p.o.Metrics.lag(now.Sub(src.NextCheckAt))
				inflight++
				wg.Add(1)
				go func(src store.Source) {
					defer wg.Done()
					if _, err := p.poll(ctx, src); err != nil && ctx.Err() == nil {
						p.log.Error("poll failed", "source", src.ID, "error", err)
					}
					done <- struct{}{}
				}(src)
			}
		}
		wait := maxIdle
		if inflight < p.o.Workers {
			if next, err := p.o.Store.NextCheck(ctx); err == nil && !next.IsZero() {
				wait = min(wait, max(next.Sub(p.o.Clock.Now()), minWait))
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-done:
			inflight--
		case <-p.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// releaseAll gives back claims that were never polled (shutdown).
func (p *Poller) releaseAll(ctx context.Context, srcs []store.Source) {
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for _, src := range srcs {
		if err := p.o.Store.ReleaseSource(rec, src.ID); err != nil {
			p.log.Warn("release source", "source", src.ID, "error", err)
		}
	}
}

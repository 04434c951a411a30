// Package delivery is tocsin's delivery stage: it claims due outbox rows,
// sends each to its notifier, and settles the row as sent, to retry later,
// or given up. An alert recorded is delivered, a restart sends what was
// pending and never what was sent, and an incident's events reach each
// notifier in order.
//
// Each notifier has a lane of its own, so a notifier that is slow or down
// (Discord rate-limiting, a console nobody reads) never holds up another.
// Rows are claimed with a lease (see store.ClaimOutbox), so several
// dispatchers — a final drain beside Run, or replicas sharing one
// PostgreSQL — never send one row twice at once.
//
// The conformance suite every notifier passes is in delivery/deliverytest.
package delivery

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
)

// Outbox is what delivery needs from the store.
type Outbox interface {
	// ClaimOutbox leases up to limit due rows of the notifiers, oldest
	// first, never a row behind a pending earlier event of its incident.
	ClaimOutbox(ctx context.Context, now time.Time, limit int, notifiers []string, lease time.Duration) ([]alerts.OutboxItem, error)
	// Settle records an attempt's outcome and ends the claim.
	Settle(ctx context.Context, alertID, notifier string, s alerts.Settlement) error
	// NextOutboxDue is when the notifiers' earliest pending row is due
	// (zero if none).
	NextOutboxDue(ctx context.Context, notifiers []string) (time.Time, error)
}

// Clock tells the time; tests move it by hand.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Options configure a Dispatcher.
type Options struct {
	Outbox    Outbox
	Notifiers []alerts.Notifier
	// MaxAttempts bounds the tries of a retryable failure (default 10).
	MaxAttempts int
	// Backoff gives the delay before retry n (required).
	Backoff func(attempt int) time.Duration
	// SendTimeout bounds one Notify call (default 30s).
	SendTimeout time.Duration
	// Lease is how long a claim holds a row (default SendTimeout+30s):
	// longer than its send, so a row is never sent by two claimers at once.
	// Rows are claimed one at a time, so a lease never has to cover a
	// queue of sends, and one left by a crash runs out soon.
	Lease time.Duration
	// MaxWait is the longest idle sleep between outbox checks (default 30s).
	MaxWait time.Duration
	Clock   Clock
	Logger  *slog.Logger
	Metrics *Metrics
}

// Dispatcher delivers outbox rows to notifiers.
type Dispatcher struct {
	o     Options
	lanes []*lane
	log   *slog.Logger
}

// lane is one notifier's share of the outbox.
type lane struct {
	n    alerts.Notifier
	name []string // the notifier's name, as a list for the store's queries
	wake chan struct{}
}

// New checks o and returns a Dispatcher.
func New(o Options) (*Dispatcher, error) {
	if o.Outbox == nil {
		return nil, errors.New("delivery: Outbox is required")
	}
	if o.Backoff == nil {
		return nil, errors.New("delivery: Backoff is required")
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.Lease <= 0 {
		o.Lease = o.SendTimeout + 30*time.Second
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 30 * time.Second
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{o: o, log: o.Logger.With("component", "delivery")}
	seen := map[string]bool{}
	for _, n := range o.Notifiers {
		if seen[n.Name()] {
			return nil, fmt.Errorf("delivery: two notifiers named %q", n.Name())
		}
		seen[n.Name()] = true
		d.lanes = append(d.lanes, &lane{n: n, name: []string{n.Name()}, wake: make(chan struct{}, 1)})
	}
	slices.SortFunc(d.lanes, func(a, b *lane) int { return cmp.Compare(a.name[0], b.name[0]) })
	return d, nil
}

// Names returns the notifier names, for recording events.
func (d *Dispatcher) Names() []string {
	out := make([]string, len(d.lanes))
	for i, l := range d.lanes {
		out[i] = l.name[0]
	}
	return out
}

// Wake asks Run to look at the outbox now. It never blocks.
func (d *Dispatcher) Wake() {
	for _, l := range d.lanes {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

// Drain delivers every row due now, one attempt each, every notifier's lane
// at once, and returns how many were sent. Rows whose retry lies in the
// future are left for later. It stops between sends when ctx ends; a send
// in flight then is cut, and its row released for the next start.
func (d *Dispatcher) Drain(ctx context.Context) (int, error) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		sent int
		errs []error
	)
	for _, l := range d.lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := d.drainLane(ctx, l)
			mu.Lock()
			defer mu.Unlock()
			sent += n
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", l.name[0], err))
			}
		}()
	}
	wg.Wait()
	return sent, errors.Join(errs...)
}

func (d *Dispatcher) drainLane(ctx context.Context, l *lane) (int, error) {
	sent := 0
	tried := map[string]bool{}
	for {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		items, err := d.o.Outbox.ClaimOutbox(ctx, d.o.Clock.Now(), 1, l.name, d.o.Lease)
		if err != nil {
			return sent, err
		}
		if len(items) == 0 {
			return sent, nil
		}
		it := items[0]
		if tried[it.Alert.ID] {
			// Due again within this drain (no backoff): the next drain.
			d.release(ctx, items)
			return sent, nil
		}
		tried[it.Alert.ID] = true
		if d.deliver(ctx, l.n, it) {
			sent++
		}
	}
}

func (d *Dispatcher) release(ctx context.Context, items []alerts.OutboxItem) {
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for _, it := range items {
		if err := d.o.Outbox.Settle(rec, it.Alert.ID, it.Notifier, alerts.Settlement{State: alerts.SettleReleased}); err != nil {
			d.log.Warn("release outbox row", "alert", it.Alert.ID, "notifier", it.Notifier, "error", err)
		}
	}
}

// deliver makes one attempt and settles its row. A send that shutdown cut
// is released rather than counted as an attempt.
func (d *Dispatcher) deliver(ctx context.Context, n alerts.Notifier, it alerts.OutboxItem) bool {
	sendCtx, cancel := context.WithTimeout(ctx, d.o.SendTimeout)
	retry, err := notify(sendCtx, n, it.Alert)
	cancel()
	now := d.o.Clock.Now()
	// The outcome is recorded even when shutdown began meanwhile, and
	// retried while the lease lasts: a store that restarts right after a
	// send must not leave a sent row looking unsent (its lease would run
	// out and it would go out again).
	rec, cancelRec := context.WithTimeout(context.WithoutCancel(ctx), max(d.o.Lease-d.o.SendTimeout, 5*time.Second))
	defer cancelRec()
	settle := func(st alerts.Settlement) {
		if serr := d.settle(rec, it, st); serr != nil {
			d.log.Error("recording a delivery outcome failed", "alert", it.Alert.ID, "notifier", it.Notifier,
				"outcome", string(st.State), "error", serr)
		}
	}
	attempt := it.Attempts + 1
	switch {
	case err == nil:
		settle(alerts.Settlement{State: alerts.SettleSent, At: now})
		d.o.Metrics.delivery(it.Notifier, "sent")
		d.log.Debug("alert delivered", "alert", it.Alert.ID, "notifier", it.Notifier, "attempt", attempt)
		return true
	case ctx.Err() != nil:
		settle(alerts.Settlement{State: alerts.SettleReleased})
		d.log.Info("delivery cut by shutdown; it goes out at next start", "alert", it.Alert.ID, "notifier", it.Notifier)
		return false
	case retry && attempt < d.o.MaxAttempts:
		next := now.Add(d.o.Backoff(attempt))
		d.log.Warn("delivery failed, will retry", "alert", it.Alert.ID, "notifier", it.Notifier, "attempt", attempt,
			"retry_at", next, "error", err)
		settle(alerts.Settlement{State: alerts.SettleRetry, Next: next, Cause: err.Error()})
		d.o.Metrics.delivery(it.Notifier, "retry")
		return false
	default:
		d.log.Error("delivery failed for good", "alert", it.Alert.ID, "notifier", it.Notifier, "attempt", attempt,
			"retryable", retry, "error", err)
		settle(alerts.Settlement{State: alerts.SettleFailed, Cause: err.Error()})
		d.o.Metrics.delivery(it.Notifier, "failed")
		return false
	}
}

// settle records an outcome, retrying a failing store with backoff until
// ctx ends.
func (d *Dispatcher) settle(ctx context.Context, it alerts.OutboxItem, st alerts.Settlement) error {
	wait := 50 * time.Millisecond
	for {
		err := d.o.Outbox.Settle(ctx, it.Alert.ID, it.Notifier, st)
		if err == nil {
			return nil
		}
		d.log.Warn("recording a delivery outcome failed; retrying", "alert", it.Alert.ID, "notifier", it.Notifier,
			"outcome", string(st.State), "retry_in", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (last: %w)", ctx.Err(), err)
		case <-t.C:
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// notify calls the notifier; a panic in it is a retryable failure, not a
// crash of the delivery stage.
func notify(ctx context.Context, n alerts.Notifier, a alerts.Alert) (retry bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			retry, err = true, fmt.Errorf("notifier %s panicked: %v", n.Name(), p)
		}
	}()
	return n.Notify(ctx, a)
}

// Run delivers until ctx ends, each notifier in its own lane: at once when
// woken, when the next retry is due, and at least every MaxWait. It returns
// when every lane has stopped; a send in flight is cut by ctx.
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, l := range d.lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.runLane(ctx, l)
		}()
	}
	wg.Wait()
}

func (d *Dispatcher) runLane(ctx context.Context, l *lane) {
	for {
		if _, err := d.drainLane(ctx, l); err != nil && ctx.Err() == nil {
			d.log.Error("outbox drain failed", "notifier", l.name[0], "error", err)
		}
		wait := d.o.MaxWait
		if next, err := d.o.Outbox.NextOutboxDue(ctx, l.name); err == nil && !next.IsZero() {
			wait = min(wait, max(next.Sub(d.o.Clock.Now()), 10*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-l.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

package poller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/store"
)

// Outbox is what the Dispatcher needs from the store.
type Outbox interface {
	DueOutbox(ctx context.Context, now time.Time, limit int, notifiers []string) ([]store.OutboxItem, error)
	NextOutboxDue(ctx context.Context, notifiers []string) (time.Time, error)
	MarkSent(ctx context.Context, alertID, notifier string, at time.Time) error
	MarkRetry(ctx context.Context, alertID, notifier string, next time.Time, cause string) error
	MarkFailed(ctx context.Context, alertID, notifier, cause string) error
	OutboxDepth(ctx context.Context) (map[string]int, error)
}

// DispatcherOptions configure a Dispatcher.
type DispatcherOptions struct {
	Outbox    Outbox
	Notifiers []alerts.Notifier
	// MaxAttempts bounds the tries of a retryable failure (default 10).
	MaxAttempts int
	// Backoff gives the delay before retry n (default feed-style doubling
	// from 2s to 10m, supplied by the caller).
	Backoff func(attempt int) time.Duration
	// SendTimeout bounds one Notify call (default 30s). A send in flight at
	// shutdown is allowed to finish within it, so it is marked sent.
	SendTimeout time.Duration
	// MaxWait is the longest idle sleep between outbox checks (default 30s).
	MaxWait time.Duration
	Clock   Clock
	Logger  *slog.Logger
	Metrics *Metrics
}

// Dispatcher delivers outbox rows to notifiers: an alert recorded is sent,
// retried with backoff on retryable failures, and marked sent only after
// the notifier accepted it, so a restart sends what was pending and never
// what was sent.
type Dispatcher struct {
	o     DispatcherOptions
	byNm  map[string]alerts.Notifier
	names []string
	wake  chan struct{}
	log   *slog.Logger
}

// NewDispatcher checks o and returns a Dispatcher.
func NewDispatcher(o DispatcherOptions) (*Dispatcher, error) {
	if o.Outbox == nil {
		return nil, errors.New("dispatcher: Outbox is required")
	}
	if o.Backoff == nil {
		return nil, errors.New("dispatcher: Backoff is required")
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 30 * time.Second
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{o: o, byNm: map[string]alerts.Notifier{}, wake: make(chan struct{}, 1),
		log: o.Logger.With("component", "dispatcher")}
	for _, n := range o.Notifiers {
		if _, dup := d.byNm[n.Name()]; dup {
			return nil, fmt.Errorf("dispatcher: two notifiers named %q", n.Name())
		}
		d.byNm[n.Name()] = n
		d.names = append(d.names, n.Name())
	}
	slices.Sort(d.names)
	return d, nil
}

// Names returns the notifier names, for recording events (Options.Notifiers).
func (d *Dispatcher) Names() []string { return slices.Clone(d.names) }

// Wake asks Run to look at the outbox now. It never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Drain delivers every row due now, one attempt each, and returns how many
// were sent. Rows whose retry lies in the future are left for later.
func (d *Dispatcher) Drain(ctx context.Context) (int, error) {
	sent := 0
	tried := map[string]bool{}
	for {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		items, err := d.o.Outbox.DueOutbox(ctx, d.o.Clock.Now(), 100, d.names)
		if err != nil {
			return sent, err
		}
		progress := false
		for _, it := range items {
			// Each send may take up to its own timeout: check between items
			// so a cancelled drain (shutdown) stops within one send.
			if err := ctx.Err(); err != nil {
				return sent, err
			}
			key := it.Alert.ID + "\x00" + it.Notifier
			if tried[key] {
				continue // due again within this drain (zero backoff): next drain
			}
			tried[key] = true
			progress = true
			if d.deliver(ctx, it) {
				sent++
			}
		}
		if !progress {
			d.updateDepth(ctx)
			return sent, nil
		}
	}
}

// deliver makes one attempt and records its outcome. The send runs on a
// context that survives shutdown for SendTimeout, so that a delivery in
// flight completes and is marked rather than being cut and sent again.
func (d *Dispatcher) deliver(ctx context.Context, it store.OutboxItem) bool {
	n := d.byNm[it.Notifier]
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.o.SendTimeout)
	defer cancel()
	retry, err := n.Notify(sendCtx, it.Alert)
	now := d.o.Clock.Now()
	rec := context.WithoutCancel(ctx)
	if err == nil {
		if merr := d.o.Outbox.MarkSent(rec, it.Alert.ID, it.Notifier, now); merr != nil {
			d.log.Error("delivered but not marked sent; it may be sent again", "alert", it.Alert.ID, "notifier", it.Notifier, "error", merr)
		}
		d.o.Metrics.delivery(it.Notifier, "sent")
		d.log.Debug("alert delivered", "alert", it.Alert.ID, "notifier", it.Notifier, "attempt", it.Attempts+1)
		return true
	}
	attempt := it.Attempts + 1
	if retry && attempt < d.o.MaxAttempts {
		next := now.Add(d.o.Backoff(attempt))
		d.log.Warn("delivery failed, will retry", "alert", it.Alert.ID, "notifier", it.Notifier, "attempt", attempt,
			"retry_at", next, "error", err)
		if merr := d.o.Outbox.MarkRetry(rec, it.Alert.ID, it.Notifier, next, err.Error()); merr != nil {
			d.log.Error("mark retry", "alert", it.Alert.ID, "error", merr)
		}
		d.o.Metrics.delivery(it.Notifier, "retry")
		return false
	}
	d.log.Error("delivery failed for good", "alert", it.Alert.ID, "notifier", it.Notifier, "attempt", attempt,
		"retryable", retry, "error", err)
	if merr := d.o.Outbox.MarkFailed(rec, it.Alert.ID, it.Notifier, err.Error()); merr != nil {
		d.log.Error("mark failed", "alert", it.Alert.ID, "error", merr)
	}
	d.o.Metrics.delivery(it.Notifier, "failed")
	return false
}

// Run delivers until ctx ends: at once when woken, when the next retry is
// due, and at least every MaxWait.
func (d *Dispatcher) Run(ctx context.Context) {
	for {
		if _, err := d.Drain(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("outbox drain failed", "error", err)
		}
		wait := d.o.MaxWait
		if next, err := d.o.Outbox.NextOutboxDue(ctx, d.names); err == nil && !next.IsZero() {
			wait = min(wait, max(next.Sub(d.o.Clock.Now()), 10*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-d.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

func (d *Dispatcher) updateDepth(ctx context.Context) {
	if d.o.Metrics == nil {
		return
	}
	depth, err := d.o.Outbox.OutboxDepth(ctx)
	if err != nil {
		return
	}
	d.o.Metrics.outboxDepth(depth)
}

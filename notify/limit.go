package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/tocsin-alerts/tocsin/notify/notifyconfig"
)

// RateLimited is a platform's "slow down" (HTTP 429 with Retry-After, or
// the platform's own field for it).
type RateLimited struct {
	After time.Duration
	Err   error
}

func (e *RateLimited) Error() string {
	return fmt.Sprintf("rate limited, retry after %v: %v", e.After, e.Err)
}
func (e *RateLimited) Unwrap() error { return e.Err }

// Temporary marks a failure worth retrying later (a 5xx, a timeout).
type Temporary struct{ Err error }

func (e *Temporary) Error() string { return e.Err.Error() }
func (e *Temporary) Unwrap() error { return e.Err }

// Retryable reports whether an error is worth an outbox retry: a rate
// limit, a temporary failure, a network error or a cut context. Anything
// else (the platform refused the request) is final.
func Retryable(err error) bool {
	var rl *RateLimited
	var tmp *Temporary
	var ne net.Error
	return errors.As(err, &rl) || errors.As(err, &tmp) || errors.As(err, &ne) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// Limiter honours rate limits inside one delivery attempt: a RateLimited
// answer is waited out (ctx-aware) and the request tried again, up to
// Budget attempts and MaxWait per wait; beyond that the error goes back to
// the outbox, which retries later with its own backoff.
type Limiter struct {
	Budget  int           // attempts per request; default 4
	MaxWait time.Duration // longest wait honoured; default 30s
}

// LimiterOf is the Limiter of a section's retry settings.
func LimiterOf(r notifyconfig.Retry) Limiter {
	return Limiter{Budget: r.RetryBudget, MaxWait: r.MaxRetryWait}
}

// Do runs fn under the limiter.
func (l Limiter) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	budget, maxWait := l.Budget, l.MaxWait
	if budget <= 0 {
		budget = 4
	}
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		var rl *RateLimited
		if err == nil || !errors.As(err, &rl) || attempt >= budget || rl.After > maxWait {
			return err
		}
		t := time.NewTimer(max(rl.After, 10*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (while waiting out a rate limit)", ctx.Err())
		case <-t.C:
		}
	}
}

package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"golang.org/x/time/rate"
)

// Discord error codes tocsin reacts to.
const (
	codeUnknownMessage = 10008
	codeUnknownChannel = 10003
	codeThreadExists   = 160004
)

// rest sends requests through discordgo with tocsin's own retry policy:
// ctx-bound waits, a retry budget, 429 retry_after honoured but capped.
type rest struct {
	s   *discordgo.Session
	log *slog.Logger
	// budget is the number of attempts per request.
	budget int
	// maxWait caps one retry_after wait; a longer limit ends the attempt
	// (retry=true) so the outbox can come back later.
	maxWait time.Duration
	global  *rate.Limiter
	sleep   func(ctx context.Context, d time.Duration) error
}

func newRest(s *discordgo.Session, log *slog.Logger) *rest {
	return &rest{
		s: s, log: log, budget: 4, maxWait: 30 * time.Second,
		// Discord's global limit is 50 requests per second per bot.
		global: rate.NewLimiter(50, 50),
		sleep:  sleepCtx,
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// apiError is a failed Discord request: whether retrying may help, the
// HTTP status and Discord's error code when known.
type apiError struct {
	op     string
	status int
	code   int
	retry  bool
	err    error
}

func (e *apiError) Error() string { return e.op + ": " + e.err.Error() }
func (e *apiError) Unwrap() error { return e.err }

// retryable reports whether err is worth another attempt later.
func retryable(err error) bool {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.retry
	}
	return !errors.Is(err, context.Canceled)
}

// hasCode reports whether err is a Discord error with the given code.
func hasCode(err error, code int) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.code == code
}

// do sends one request, retrying within the budget. op names the request
// in errors (method and route, never headers).
func (r *rest) do(ctx context.Context, method, endpoint, bucket string, body any) ([]byte, error) {
	op := method + " " + route(endpoint)
	var last error
	backoff := 200 * time.Millisecond
	for attempt := 1; attempt <= r.budget; attempt++ {
		if err := r.global.Wait(ctx); err != nil {
			return nil, &apiError{op: op, retry: true, err: fmt.Errorf("waiting for the global rate limit: %w", err)}
		}
		// discordgo sleeps out a bucket's (or the global) reset without
		// looking at ctx; wait here instead, where ctx and maxWait apply.
		if wait := r.bucketWait(bucket); wait > 0 {
			if wait > r.maxWait {
				return nil, &apiError{op: op, status: http.StatusTooManyRequests, retry: true, err: fmt.Errorf("rate limited for another %s", wait.Round(time.Second))}
			}
			if err := r.sleep(ctx, wait); err != nil {
				return nil, &apiError{op: op, retry: true, err: fmt.Errorf("waiting for the rate limit: %w", err)}
			}
		}
		resp, err := r.s.RequestWithBucketID(method, endpoint, body, bucket,
			discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false), discordgo.WithRestRetries(0))
		if err == nil {
			return resp, nil
		}
		var wait time.Duration
		var rl *discordgo.RateLimitError
		var re *discordgo.RESTError
		switch {
		case errors.As(err, &rl):
			wait = rl.RetryAfter
			last = &apiError{op: op, status: http.StatusTooManyRequests, retry: true, err: fmt.Errorf("rate limited, retry after %s", rl.RetryAfter)}
			if wait > r.maxWait {
				return nil, last
			}
		case errors.As(err, &re):
			ae := &apiError{op: op, status: re.Response.StatusCode, err: fmt.Errorf("HTTP %d: %s", re.Response.StatusCode, truncateBytes(re.ResponseBody, 300))}
			if re.Message != nil {
				ae.code = re.Message.Code
			}
			if re.Response.StatusCode >= 500 {
				ae.retry = true
				last = ae
				wait = backoff
				backoff *= 2
				break
			}
			return nil, ae // 4xx: the same request will fail the same way
		default:
			if ctx.Err() != nil {
				return nil, &apiError{op: op, retry: true, err: ctx.Err()}
			}
			// Transport errors and discordgo's "Exceeded Max retries" (a 502
			// it chose not to retry) are worth another try.
			last = &apiError{op: op, retry: true, err: scrub(err)}
			wait = backoff
			backoff *= 2
		}
		if attempt == r.budget {
			break
		}
		r.log.Info("discord request failed, retrying", "op", op, "attempt", attempt, "wait", wait.String(), "err", last.Error())
		if err := r.sleep(ctx, wait); err != nil {
			return nil, &apiError{op: op, retry: true, err: fmt.Errorf("%v; then %w", last, err)}
		}
	}
	return nil, last
}

// bucketWait is how long discordgo would sleep before sending to bucket.
func (r *rest) bucketWait(bucket string) time.Duration {
	b := r.s.Ratelimiter.GetBucket(bucket)
	b.Lock()
	defer b.Unlock()
	return r.s.Ratelimiter.GetWaitTime(b, 1)
}

// json sends a request and decodes the answer into out (if not nil).
func (r *rest) json(ctx context.Context, method, endpoint, bucket string, body, out any) error {
	b, err := r.do(ctx, method, endpoint, bucket, body)
	if err != nil {
		return err
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &apiError{op: method + " " + route(endpoint), err: fmt.Errorf("decode answer: %w", err)}
	}
	return nil
}

// route strips the host from an endpoint for error messages and logs.
func route(endpoint string) string {
	if i := strings.Index(endpoint, "/api/v9"); i >= 0 {
		endpoint = endpoint[i+len("/api/v9"):]
	}
	// Interaction and webhook tokens are credentials too.
	parts := strings.Split(endpoint, "/")
	for i := 1; i+1 < len(parts); i++ {
		if parts[i-1] == "webhooks" || parts[i-1] == "interactions" {
			parts[i+1] = "<token>"
		}
	}
	return strings.Join(parts, "/")
}

// scrub rewrites a transport error so that its URL shows the route only
// (no host, no interaction or webhook token).
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, route(ue.URL), ue.Err)
	}
	return err
}

func truncateBytes(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

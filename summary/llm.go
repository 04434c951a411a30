package summary

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/time/rate"
)

// maxResponseBytes bounds a model response: a broken or hostile server must
// not make tocsin read gigabytes.
const maxResponseBytes = 1 << 20

// maxAttempts bounds retries of one call (429/503 with Retry-After, 5xx).
const maxAttempts = 3

// serverErrorBackoff is the pause before retrying a 5xx that gave no
// Retry-After.
const serverErrorBackoff = 500 * time.Millisecond

// FailureError is why a model call produced nothing usable. Reason is a short
// code suitable as a metric label and for Summary.Fallback: "timeout",
// "budget", "rate_limited", "server_error", "unreachable", "http_401",
// "malformed_json", "refusal", "busy", "canceled", "injection_suspected", ...
type FailureError struct {
	Reason string
	Err    error
}

func (e *FailureError) Error() string {
	if e.Err == nil {
		return "summary: model " + e.Reason
	}
	return "summary: model " + e.Reason + ": " + e.Err.Error()
}

func (e *FailureError) Unwrap() error { return e.Err }

// FailureReason returns the Reason of a *FailureError in err's chain, or ""
// when there is none.
func FailureReason(err error) string {
	var fe *FailureError
	if errors.As(err, &fe) {
		return fe.Reason
	}
	return ""
}

func fail(reason string, err error) *FailureError { return &FailureError{Reason: reason, Err: err} }

// retryAfterKey carries a *retryAfter through a request's context, so that
// the HTTP layer can tell the caller what go-openai does not: the
// Retry-After header of a 429 or 503.
type retryAfterKey struct{}

type retryAfter struct{ wait time.Duration }

// doer is the HTTP client given to go-openai. It records Retry-After and
// bounds response bodies.
type doer struct {
	client *http.Client
	clock  Clock
}

func (d doer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, err
	}
	if ra, ok := req.Context().Value(retryAfterKey{}).(*retryAfter); ok && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500) {
		ra.wait = parseRetryAfter(resp.Header.Get("Retry-After"), d.clock.Now())
	}
	resp.Body = &limitedBody{rc: resp.Body, left: maxResponseBytes}
	return resp, nil
}

var _ openai.HTTPDoer = doer{}

// parseRetryAfter reads delay-seconds or an HTTP date; -1 when absent or
// unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return -1
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
		return 0
	}
	return -1
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, fmt.Errorf("model response larger than %d bytes", maxResponseBytes)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// model is the go-openai adapter: one chat completion with JSON output,
// within a deadline, behind the concurrency cap and the rate limiter,
// retrying 429/5xx only while the deadline allows.
type model struct {
	client      *openai.Client
	name        string
	maxTokens   int
	temperature float32
	clock       Clock
	sem         chan struct{}
	limiter     *rate.Limiter // nil: unlimited
	onRequest   func()
}

// complete sends system+user and returns the assistant's content. ctx carries
// the caller's budget; deadline is the same instant by the injected clock.
func (m *model) complete(ctx context.Context, deadline time.Time, system, user string) (string, error) {
	select {
	case m.sem <- struct{}{}:
		defer func() { <-m.sem }()
	case <-ctx.Done():
		return "", ctxFailure(ctx, "busy")
	}
	req := openai.ChatCompletionRequest{
		Model: m.name,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
		MaxTokens:      m.maxTokens,
		Temperature:    m.temperature,
		ResponseFormat: &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject},
	}
	var lastErr error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		if err := m.waitLimiter(ctx, deadline); err != nil {
			return "", err
		}
		ra := &retryAfter{wait: -1}
		if m.onRequest != nil {
			m.onRequest()
		}
		resp, err := m.client.CreateChatCompletion(context.WithValue(ctx, retryAfterKey{}, ra), req)
		if err == nil {
			return contentOf(resp)
		}
		reason, retry := classify(ctx, err)
		lastErr = fail(reason, err)
		if !retry || attempt == maxAttempts {
			return "", lastErr
		}
		wait := ra.wait
		if wait < 0 {
			if reason == "rate_limited" {
				return "", lastErr // a 429 without Retry-After: no basis for a wait
			}
			wait = serverErrorBackoff
		}
		if m.clock.Now().Add(wait).After(deadline) {
			return "", lastErr // waiting would break the budget
		}
		if err := sleep(ctx, m.clock, wait); err != nil {
			return "", ctxFailure(ctx, "budget")
		}
	}
	return "", lastErr
}

// waitLimiter takes a requests-per-minute token, waiting by the injected
// clock when that fits the deadline.
func (m *model) waitLimiter(ctx context.Context, deadline time.Time) error {
	if m.limiter == nil {
		return nil
	}
	now := m.clock.Now()
	r := m.limiter.ReserveN(now, 1)
	if !r.OK() {
		return fail("rate_limited_local", errors.New("requests_per_minute limit"))
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if now.Add(d).After(deadline) {
		r.CancelAt(now)
		return fail("rate_limited_local", fmt.Errorf("next request slot in %s is past the budget", d))
	}
	if err := sleep(ctx, m.clock, d); err != nil {
		r.CancelAt(m.clock.Now())
		return ctxFailure(ctx, "budget")
	}
	return nil
}

// contentOf extracts the assistant's text, turning refusals into errors.
func contentOf(resp openai.ChatCompletionResponse) (string, error) {
	if len(resp.Choices) == 0 {
		return "", fail("empty", errors.New("no choices in response"))
	}
	c := resp.Choices[0]
	if c.Message.Refusal != "" || c.FinishReason == openai.FinishReasonContentFilter {
		return "", fail("refusal", nil)
	}
	if strings.TrimSpace(c.Message.Content) == "" {
		return "", fail("empty", errors.New("empty content"))
	}
	return c.Message.Content, nil
}

// classify maps a go-openai error to a reason and whether a retry may help.
// *openai.RequestError is checked before *openai.APIError: a non-JSON error
// body comes as a RequestError that may wrap an APIError.
func classify(ctx context.Context, err error) (string, bool) {
	if ctx.Err() != nil {
		return ctxFailure(ctx, "budget").Reason, false
	}
	status := 0
	var reqErr *openai.RequestError
	var apiErr *openai.APIError
	switch {
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	}
	switch {
	case status == http.StatusTooManyRequests:
		return "rate_limited", true
	case status >= 500:
		return "server_error", true
	case status != 0:
		return "http_" + strconv.Itoa(status), false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return "timeout", false
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "malformed_response", false
	}
	return "unreachable", false
}

// errBudget is the cancel cause when the budget runs out.
var errBudget = errors.New("summary budget exceeded")

// ctxFailure explains a done context: the budget ran out, or the caller
// gave up.
func ctxFailure(ctx context.Context, otherwise string) *FailureError {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errBudget):
		return fail("budget", cause)
	case cause != nil:
		return fail("canceled", cause)
	}
	return fail(otherwise, nil)
}

// sleep waits d by clock, or until ctx is done.
func sleep(ctx context.Context, clock Clock, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	select {
	case <-clock.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// withBudget derives a context that is cancelled with errBudget when budget
// has passed by clock. The watcher goroutine is owned by the call: stop
// (always deferred) ends it.
func withBudget(ctx context.Context, clock Clock, budget time.Duration) (context.Context, time.Time, func()) {
	deadline := clock.Now().Add(budget)
	bctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		select {
		case <-clock.After(budget):
			cancel(errBudget)
		case <-done:
		case <-bctx.Done():
		}
	}()
	return bctx, deadline, func() {
		close(done)
		cancel(context.Canceled)
	}
}

// Package webhook is tocsin's generic webhook notifier: every alert event
// is POSTed as JSON to each endpoint whose route takes the incident, signed
// with HMAC-SHA256 (GitHub's scheme: X-Tocsin-Signature-256: sha256=<hex of
// HMAC(secret, body)>), with a stable X-Tocsin-Delivery id (the alert's) so
// a receiver can drop a repeat. A 5xx, a timeout or a 429 is retried
// within the attempt (Retry-After honoured, exponential backoff otherwise)
// up to retry_budget, then handed back to the outbox; a 4xx is final. A
// webhook cannot edit what it sent, so there is no living message: the
// receiver gets each event with the whole incident. net/http is the client:
// a webhook is one POST, there is no platform library to prefer.
// webhooktest is a loopback receiver that verifies signatures.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/api"
	"github.com/tocsin-alerts/tocsin/notify"
	"github.com/tocsin-alerts/tocsin/vocab"
	"github.com/tocsin-alerts/tocsin/webhook/webhookconfig"
)

// Name keys the webhook notifier's outbox rows and refs.
const Name = "webhook"

// Config is the `webhook:` section (package webhookconfig).
type Config = webhookconfig.Config

// Endpoint is one receiver and the incidents it takes.
type Endpoint = webhookconfig.Endpoint

// Notifier posts alerts to the endpoints.
type Notifier struct {
	c      Config
	routes []alerts.Selector
	refs   notify.Refs
	hc     *http.Client
	log    *slog.Logger
}

var _ alerts.Notifier = (*Notifier)(nil)

// New builds the notifier; categories are checked with the rule set's.
func New(c Config, cats vocab.Categories, refs notify.Refs, hc *http.Client, logger *slog.Logger) (*Notifier, error) {
	if refs == nil {
		return nil, errors.New("webhook: refs are required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if hc == nil {
		hc = &http.Client{Timeout: c.Timeout}
	}
	n := &Notifier{c: c, refs: refs, hc: hc, log: logger.With("component", "webhook_notifier")}
	for i, e := range c.Endpoints {
		sel, err := alerts.SelectorOf(e.Spec, cats)
		if err != nil {
			return nil, fmt.Errorf("webhook.endpoints[%d].%w", i, err)
		}
		n.routes = append(n.routes, sel)
	}
	return n, nil
}

// Name implements alerts.Notifier.
func (n *Notifier) Name() string { return Name }

// Payload is the body of every POST.
type Payload struct {
	// Version of this shape; it changes only with a breaking change.
	Version  int          `json:"version"`
	Event    api.Event    `json:"event"`
	Incident api.Incident `json:"incident"`
}

// Notify implements alerts.Notifier: each endpoint that takes the incident
// gets the event once (what was delivered is recorded per endpoint).
func (n *Notifier) Notify(ctx context.Context, a alerts.Alert) (bool, error) {
	body, err := json.Marshal(Payload{Version: 1, Event: api.EventOf(a), Incident: api.IncidentOf(a.Incident)})
	if err != nil {
		return false, fmt.Errorf("webhook: encode %s: %w", a.ID, err)
	}
	var errs []error
	retry := false
	for i, e := range n.c.Endpoints {
		if !n.routes[i].Matches(a.Incident) {
			continue
		}
		key := fmt.Sprintf("done:%d/%s", i, a.ID)
		if _, done, err := n.refs.GetRef(ctx, key); err != nil {
			return true, err
		} else if done {
			continue
		}
		err := n.post(ctx, e, a, body)
		if err == nil {
			if err := n.refs.PutRef(ctx, key, "ok"); err != nil {
				return true, err
			}
			continue
		}
		errs = append(errs, fmt.Errorf("endpoint %d: %w", i, err))
		if notify.Retryable(err) || ctx.Err() != nil {
			retry = true
		} else if err := n.refs.PutRef(ctx, key, "failed"); err != nil {
			retry = true
		}
	}
	if len(errs) > 0 {
		return retry, fmt.Errorf("webhook: alert %s: %w", a.ID, errors.Join(errs...))
	}
	return false, nil
}

// post delivers one event to one endpoint, retrying within the budget.
func (n *Notifier) post(ctx context.Context, e Endpoint, a alerts.Alert, body []byte) error {
	backoff := time.Second
	for attempt := 1; ; attempt++ {
		err := n.once(ctx, e, a, body)
		if err == nil || !notify.Retryable(err) || attempt >= n.c.RetryBudget || ctx.Err() != nil {
			return err
		}
		wait := backoff
		var rl *notify.RateLimited
		if errors.As(err, &rl) {
			wait = rl.After
		}
		if wait > n.c.MaxRetryWait {
			return err
		}
		backoff *= 2
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (waiting to retry: %v)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

func (n *Notifier) once(ctx context.Context, e Endpoint, a alerts.Alert, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return errors.New("bad endpoint URL") // the URL may hold a token
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tocsin-webhook/1")
	req.Header.Set("X-Tocsin-Event", string(a.Kind))
	req.Header.Set("X-Tocsin-Delivery", a.ID)
	if s := e.Secret.Reveal(); s != "" {
		req.Header.Set("X-Tocsin-Signature-256", Sign([]byte(s), body))
	}
	resp, err := n.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a token
		}
		return &notify.Temporary{Err: fmt.Errorf("post: %w", err)}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == http.StatusTooManyRequests || c == http.StatusServiceUnavailable:
		after := time.Second
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			after = time.Duration(s) * time.Second
		}
		return &notify.RateLimited{After: after, Err: fmt.Errorf("HTTP %d", c)}
	case c >= 500 || c == http.StatusRequestTimeout:
		return &notify.Temporary{Err: fmt.Errorf("HTTP %d", c)}
	}
	return fmt.Errorf("refused: HTTP %d", resp.StatusCode)
}

// Sign is the signature header's value: "sha256=" and the hex HMAC-SHA256
// of the body under the secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

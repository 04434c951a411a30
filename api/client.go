package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/feed"
)

// Client talks to a running tocsin's API, as `tocsin silence` and `tocsin
// incidents` do (amtool talks to Alertmanager the same way).
type Client struct {
	// BaseURL is the tocsin HTTP server, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Token is http.api_token (or the read token, for reads).
	Token string
	HTTP  *http.Client
}

// Error is an API error answer: its status and problems.
type Error struct {
	Status   int
	Problems []feed.FieldError
}

func (e *Error) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		if p.Field != "" {
			parts = append(parts, p.Field+": "+p.Message)
		} else {
			parts = append(parts, p.Message)
		}
	}
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), strings.Join(parts, "; "))
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, rd)
	if err != nil {
		return fmt.Errorf("tocsin api: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("tocsin api: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("tocsin api: read answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode}
		var eb feed.ErrorBody
		if json.Unmarshal(data, &eb) == nil && len(eb.Errors) > 0 {
			e.Problems = eb.Errors
		} else {
			e.Problems = []feed.FieldError{{Message: strings.TrimSpace(string(data))}}
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("tocsin api: decode answer: %w", err)
		}
	}
	return nil
}

// Incidents lists incidents; q holds the filters (place, category,
// severity, state, since, limit).
func (c *Client) Incidents(ctx context.Context, q url.Values) ([]Incident, error) {
	var out struct {
		Incidents []Incident `json:"incidents"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/incidents?"+q.Encode(), nil, &out)
	return out.Incidents, err
}

// Incident returns one incident with its timeline.
func (c *Client) Incident(ctx context.Context, id string) (Incident, error) {
	var out Incident
	err := c.do(ctx, http.MethodGet, "/v1/incidents/"+url.PathEscape(id), nil, &out)
	return out, err
}

// Silences lists silences in a state (active, expired, all).
func (c *Client) Silences(ctx context.Context, state string) ([]Silence, error) {
	var out struct {
		Silences []Silence `json:"silences"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/silences?state="+url.QueryEscape(state), nil, &out)
	return out.Silences, err
}

// AddSilence creates a silence.
func (c *Client) AddSilence(ctx context.Context, s NewSilence) (Silence, error) {
	var out Silence
	err := c.do(ctx, http.MethodPost, "/v1/silences", s, &out)
	return out, err
}

// ExpireSilence ends a silence now.
func (c *Client) ExpireSilence(ctx context.Context, id string) (Silence, error) {
	var out Silence
	err := c.do(ctx, http.MethodDelete, "/v1/silences/"+url.PathEscape(id), nil, &out)
	return out, err
}

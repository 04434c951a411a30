package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// TestPushErrorsHaveOneShape: every failure the push endpoint can answer
// is an ErrorBody and nothing else (issue 10: errors came as "error" or
// "errors"), with Content-Type application/json and a message in each
// problem.
func TestPushErrorsHaveOneShape(t *testing.T) {
	p := newPush(t, PushOptions{MaxBodyBytes: 256, MaxReports: 2})
	failing := newPush(t, PushOptions{})
	failing.sink.fail = errors.New("database is locked")
	auth := "Bearer " + testToken
	cases := []struct {
		name        string
		fx          pushFixture
		method, ct  string
		auth, body  string
		status      int
		wantField   string // "" when the problem is the whole request
		wantMessage string
	}{
		{"invalid JSON", p, "POST", "application/json", auth, `{"text":`, 400, "", "invalid JSON"},
		{"field problems", p, "POST", "application/json", auth, `[{"text":"ok"},{"txt":"x"}]`, 400, "[1].txt", "unknown field"},
		{"too many reports", p, "POST", "application/json", auth, `[{"text":"a"},{"text":"b"},{"text":"c"}]`, 400, "", "at most 2"},
		{"no token", p, "POST", "application/json", "", `{"text":"x"}`, 401, "", "bearer token required"},
		{"wrong token", p, "POST", "application/json", "Bearer nope", `{"text":"x"}`, 401, "", "invalid token"},
		{"GET", p, "GET", "", auth, "", 405, "", "use POST"},
		{"too large", p, "POST", "application/json", auth, `{"text":"` + strings.Repeat("a", 300) + `"}`, 413, "", "body over 256 bytes"},
		{"form body", p, "POST", "application/x-www-form-urlencoded", auth, "text=x", 415, "", "Content-Type must be application/json"},
		{"unknown charset", p, "POST", "application/json; charset=x-klingon", auth, `{"text":"x"}`, 415, "", `unknown charset "x-klingon"`},
		{"store down", failing, "POST", "application/json", auth, `{"text":"x"}`, 503, "", "retry later"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, c.fx.srv.URL+PushPath, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.ct != "" {
				req.Header.Set("Content-Type", c.ct)
			}
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := c.fx.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, raw)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			var body ErrorBody
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&body); err != nil || len(body.Errors) == 0 {
				t.Fatalf("not an ErrorBody (%v): %s", err, raw)
			}
			var found bool
			for _, e := range body.Errors {
				if e.Message == "" {
					t.Errorf("problem without a message: %s", raw)
				}
				if e.Field == c.wantField && strings.Contains(e.Message, c.wantMessage) {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem {field %q, message ~%q}: %s", c.wantField, c.wantMessage, raw)
			}
			if c.wantField == "" && bytes.Contains(raw, []byte(`"field"`)) {
				t.Errorf("a whole-request problem names a field: %s", raw)
			}
		})
	}
}

// TestPushCharset: a client that sends another charset and says so is
// understood; one that says nothing is read as UTF-8.
func TestPushCharset(t *testing.T) {
	p := newPush(t, PushOptions{})
	body, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(`{"id":"g-1","title":"Genève","text":"Frappe près de la frontière."}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range []string{"application/json; charset=ISO-8859-1", "application/vnd.tocsin+json; charset=latin1"} {
		req, _ := http.NewRequest("POST", p.srv.URL+PushPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := p.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s: %d", ct, resp.StatusCode)
		}
	}
	for _, rs := range p.sink.got {
		if rs[0].Title != "Genève" || rs[0].Text != "Frappe près de la frontière." {
			t.Errorf("decoded %q / %q", rs[0].Title, rs[0].Text)
		}
	}
	if len(p.sink.got) != 2 {
		t.Fatalf("%d pushes stored", len(p.sink.got))
	}
}

// Package webhooktest is a loopback webhook receiver for tests: it refuses
// a request that is not a JSON POST, lacks X-Tocsin-Delivery or carries a
// wrong X-Tocsin-Signature-256 (401), as a receiver checking signatures
// does, answers 429 + Retry-After or 5xx on demand, and keeps what it
// accepted.
package webhooktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
)

// Delivery is one accepted POST.
type Delivery struct {
	ID, Event string
	Body      []byte
}

// Server is the receiver.
type Server struct {
	*httptest.Server
	secret []byte
	mu     sync.Mutex
	got    []Delivery
	deliverytest.Faults
	// Refused counts requests refused for a bad signature or shape.
	Refused int
}

// New starts a receiver checking signatures with secret ("" checks none).
func New(secret string) *Server {
	s := &Server{secret: []byte(secret)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Deliveries returns what was accepted, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.got...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	code := s.Take()
	if code != 0 {
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		http.Error(w, "try later", code)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	refuse := func(status int, why string) {
		s.mu.Lock()
		s.Refused++
		s.mu.Unlock()
		http.Error(w, why, status)
	}
	switch {
	case err != nil || r.Method != http.MethodPost:
		refuse(http.StatusMethodNotAllowed, "POST only")
		return
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || !utf8.Valid(body) || !json.Valid(body):
		refuse(http.StatusBadRequest, "not JSON")
		return
	case r.Header.Get("X-Tocsin-Delivery") == "":
		refuse(http.StatusBadRequest, "no delivery id")
		return
	}
	if len(s.secret) > 0 {
		m := hmac.New(sha256.New, s.secret)
		m.Write(body)
		want := "sha256=" + hex.EncodeToString(m.Sum(nil))
		if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Tocsin-Signature-256"))) {
			refuse(http.StatusUnauthorized, "bad signature")
			return
		}
	}
	s.mu.Lock()
	s.got = append(s.got, Delivery{ID: r.Header.Get("X-Tocsin-Delivery"), Event: r.Header.Get("X-Tocsin-Event"), Body: body})
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

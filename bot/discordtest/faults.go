package discordtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is an injected misbehaviour of the REST API, matched by method and
// path prefix (relative to /api/v9, e.g. "/channels/").
type Fault struct {
	Method string // "" matches any method
	Path   string // prefix; "" matches any path
	// Status to answer instead of handling the request: 429, 500, 502, 503…
	// Zero with a Delay just slows the request down.
	Status int
	// RetryAfter is sent with a 429 in the body and headers.
	RetryAfter time.Duration
	// Global marks a 429 as the global rate limit.
	Global bool
	// Delay is waited before answering (or handling).
	Delay time.Duration
	// Times is how many requests the fault affects; default 1. The emulator
	// never answers 429 forever, because discordgo would retry forever.
	Times int
}

// Inject adds a fault; faults apply in the order injected.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults drops the faults not yet used up: the platform is well
// again.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the first fault matching the request and consumes one
// of its uses.
func (s *Server) takeFault(method, path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == method) && strings.HasPrefix(path, f.Path) {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			c := *f
			return &c
		}
	}
	return nil
}

// applyFault answers the request per the fault; it reports whether the
// request was fully answered.
func applyFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return true
		}
	}
	switch {
	case f.Status == 0:
		return false
	case f.Status == http.StatusTooManyRequests:
		secs := strconv.FormatFloat(f.RetryAfter.Seconds(), 'f', 3, 64)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Retry-After", strconv.Itoa(int(f.RetryAfter.Seconds()+0.999)))
		h.Set("X-RateLimit-Limit", "5")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset-After", secs)
		h.Set("X-RateLimit-Bucket", "emulated")
		scope := "user"
		if f.Global {
			h.Set("X-RateLimit-Global", "true")
			scope = "global"
		}
		h.Set("X-RateLimit-Scope", scope)
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprintf(w, `{"message":"You are being rate limited.","retry_after":%s,"global":%t,"code":0}`, secs, f.Global)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, `{"message":"%d: %s","code":0}`, f.Status, http.StatusText(f.Status))
	}
	return true
}

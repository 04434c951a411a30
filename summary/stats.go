package summary

import (
	"strings"
	"sync"
)

// Stats are the summarizer's counters since start, as plain numbers: the app
// publishes them to Prometheus and /status (this package imports neither).
type Stats struct {
	// Summaries counts Summarize calls.
	Summaries int64 `json:"summaries"`
	// LLM counts summaries whose model text was accepted.
	LLM int64 `json:"llm"`
	// CacheHits counts summaries served from the cache.
	CacheHits int64 `json:"cache_hits"`
	// Requests counts HTTP requests sent to the model (retries included).
	Requests int64 `json:"requests"`
	// Fallbacks counts extractive fallbacks by reason class ("timeout",
	// "rate_limited", "unverified", ...; the part of Summary.Fallback before
	// any ":"). "disabled" counts summaries made with no model configured.
	Fallbacks map[string]int64 `json:"fallbacks"`
	// Opinions counts second opinions obtained; OpinionFailures counts those
	// that failed or were refused, by reason.
	Opinions        int64            `json:"opinions"`
	OpinionFailures map[string]int64 `json:"opinion_failures"`
	// CacheEntries is the current cache size.
	CacheEntries int `json:"cache_entries"`
}

// counters is the mutable side of Stats, guarded by a mutex: updates are a
// few per alert, so contention does not matter.
type counters struct {
	mu sync.Mutex
	s  Stats
}

func (c *counters) add(f func(*Stats)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s.Fallbacks == nil {
		c.s.Fallbacks = map[string]int64{}
		c.s.OpinionFailures = map[string]int64{}
	}
	f(&c.s)
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.s
	out.Fallbacks = make(map[string]int64, len(c.s.Fallbacks))
	for k, v := range c.s.Fallbacks {
		out.Fallbacks[k] = v
	}
	out.OpinionFailures = make(map[string]int64, len(c.s.OpinionFailures))
	for k, v := range c.s.OpinionFailures {
		out.OpinionFailures[k] = v
	}
	return out
}

// reasonClass is the metric label of a fallback reason: "unverified: 42"
// counts as "unverified", so labels stay few.
func reasonClass(reason string) string {
	if i := strings.IndexByte(reason, ':'); i >= 0 {
		return reason[:i]
	}
	return reason
}

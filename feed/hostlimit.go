package feed

import (
	"context"
	"strings"
	"sync"
)

// hostLimiter caps concurrent requests per host. It lives in a Fetcher (no
// package state), so every fetch through one Fetcher — feeds and article
// pages — shares the caps. Entries are dropped when no one holds or waits
// for them, so the map stays as small as the set of busy hosts.
type hostLimiter struct {
	limit int
	mu    sync.Mutex
	hosts map[string]*hostSlot
}

type hostSlot struct {
	sem   chan struct{}
	users int // holders plus waiters, guarded by hostLimiter.mu
}

func newHostLimiter(limit int) *hostLimiter {
	return &hostLimiter{limit: max(limit, 1), hosts: map[string]*hostSlot{}}
}

// acquire waits for a slot on host (host[:port], case-insensitive) and returns
// the function that releases it. It fails only when ctx ends first.
func (l *hostLimiter) acquire(ctx context.Context, host string) (release func(), err error) {
	host = strings.ToLower(host)
	l.mu.Lock()
	s := l.hosts[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, l.limit)}
		l.hosts[host] = s
	}
	s.users++
	l.mu.Unlock()

	done := func() {
		l.mu.Lock()
		s.users--
		if s.users == 0 {
			delete(l.hosts, host)
		}
		l.mu.Unlock()
	}
	select {
	case s.sem <- struct{}{}:
		var once sync.Once
		return func() {
			once.Do(func() {
				<-s.sem
				done()
			})
		}, nil
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
}

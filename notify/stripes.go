package notify

import (
	"context"
	"hash/fnv"
	"sync"
)

// Stripes serialise a notifier's deliveries per incident, so that an
// update handed over while the opening is still in flight waits for the
// living message's id instead of opening a second message. Incident ids
// hash onto a fixed set of locks (unrelated incidents rarely share one);
// each is a channel of capacity 1, so a wait honours ctx. The zero value
// is ready to use; it must not be copied after first use.
type Stripes struct {
	once sync.Once
	ch   [64]chan struct{}
}

// Lock takes id's stripe, waiting until it is free or ctx ends; the
// returned func releases it.
func (s *Stripes) Lock(ctx context.Context, id string) (func(), error) {
	s.once.Do(func() {
		for i := range s.ch {
			s.ch[i] = make(chan struct{}, 1)
		}
	})
	h := fnv.New32a()
	h.Write([]byte(id))
	ch := s.ch[h.Sum32()%uint32(len(s.ch))]
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

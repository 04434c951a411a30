package notify

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestStripesSerialisePerIncident: a second delivery of the same incident
// waits for the first, gives up when its ctx ends, and goes once the first
// is done; the zero value works.
func TestStripesSerialisePerIncident(t *testing.T) {
	var s Stripes
	unlock, err := s.Lock(context.Background(), "inc-1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := s.Lock(ctx, "inc-1")
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a second lock of inc-1 did not wait: %v", err)
	case <-time.After(20 * time.Millisecond): // it waits (a failure guard, not a timing assertion)
	}
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Errorf("waiting lock after cancel = %v, want context.Canceled", err)
	}
	unlock()
	again, err := s.Lock(context.Background(), "inc-1")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again()
}

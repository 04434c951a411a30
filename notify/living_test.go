package notify_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
	"github.com/tocsin-alerts/tocsin/notify"
)

// platform is an in-memory chat platform: what was sent, in order (edits
// change nothing it is asked about). Like Matrix with its transaction ids,
// it answers a send repeated with the same key with the message it made.
type platform struct {
	mu   sync.Mutex
	sent []notify.Part
	keys map[string]string
}

func (p *platform) Send(_ context.Context, _ string, part notify.Part, key string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ref, ok := p.keys[key]; ok {
		return ref, nil
	}
	p.sent = append(p.sent, part)
	ref := fmt.Sprint("m", len(p.sent))
	if p.keys == nil {
		p.keys = map[string]string{}
	}
	p.keys[key] = ref
	return ref, nil
}

func (p *platform) Edit(context.Context, string, string, notify.Part) error { return nil }

func living(t *testing.T, p *platform, refs notify.Refs) *notify.Living {
	t.Helper()
	n, err := notify.NewLiving(notify.LivingOptions{Name: "chat", Platform: p, Refs: refs,
		Routes: []notify.Route{{Channel: "C1"}}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOpeningCutAnywhereIsFinishedNotTimelined: an opening killed before
// any of its writes to the store is handed again by the outbox (another
// replica, a restart). The retry must end where an uncut opening ends: the
// card once, and after the next update one line. A retry that found the
// card it had sent itself took the opening for an update of it and added
// a line no event stood for.
func TestOpeningCutAnywhereIsFinishedNotTimelined(t *testing.T) {
	evs := deliverytest.Lifecycle()
	open, upd := evs[0], evs[1]
	probe := &deliverytest.CutRefs{Refs: &deliverytest.MemRefs{}}
	if _, err := living(t, &platform{}, probe).Notify(context.Background(), open); err != nil {
		t.Fatal(err)
	}
	if probe.Puts == 0 {
		t.Fatal("the opening recorded nothing")
	}
	for k := 1; k <= probe.Puts; k++ {
		t.Run(fmt.Sprintf("killed before write %d of %d", k, probe.Puts), func(t *testing.T) {
			p := &platform{}
			refs := &deliverytest.CutRefs{Refs: &deliverytest.MemRefs{}, CutAt: k}
			if _, err := living(t, p, refs).Notify(context.Background(), open); err == nil {
				t.Fatal("the cut attempt reported success")
			}
			refs.CutAt = 0
			for _, a := range []alerts.Alert{open, upd} {
				if _, err := living(t, p, refs).Notify(context.Background(), a); err != nil {
					t.Fatalf("%s: %v", a.ID, err)
				}
			}
			var kinds []string
			for _, s := range p.sent {
				kinds = append(kinds, fmt.Sprintf("%v:%s", s.Kind, s.Alert.Kind))
			}
			want := []string{fmt.Sprintf("%v:%s", notify.PartCard, alerts.Opened), fmt.Sprintf("%v:%s", notify.PartLine, alerts.Updated)}
			if fmt.Sprint(kinds) != fmt.Sprint(want) {
				t.Errorf("sent %v; want the card, then the update's line %v", kinds, want)
			}
		})
	}
}

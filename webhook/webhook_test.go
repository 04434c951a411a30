package webhook

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
	"github.com/tocsin-alerts/tocsin/route"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/webhook/webhookconfig"
	"github.com/tocsin-alerts/tocsin/webhook/webhooktest"
)

const key = "0123456789abcdef0123456789abcdef"

func rig(t *testing.T, budget int, eps ...Endpoint) (*webhooktest.Server, func() alerts.Notifier) {
	srv := webhooktest.New(key)
	t.Cleanup(srv.Close)
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	refs := &deliverytest.MemRefs{}
	c := webhookconfig.Default()
	c.RetryBudget = budget
	if len(eps) == 0 {
		eps = []Endpoint{{URL: srv.URL + "/hook"}}
	}
	for i := range eps {
		eps[i].URL, eps[i].Secret = srv.URL+"/hook", key
	}
	c.Endpoints = eps
	return srv, func() alerts.Notifier {
		n, err := New(c, set.Categories(), refs, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// readBack shows each delivery's incident as a member of the receiving
// end would read it.
func readBack(srv *webhooktest.Server) deliverytest.ReadBack {
	return func(t *testing.T) []deliverytest.Message {
		var out []deliverytest.Message
		for _, d := range srv.Deliveries() {
			var p Payload
			if err := json.Unmarshal(d.Body, &p); err != nil {
				t.Fatal(err)
			}
			text := strings.Join([]string{p.Event.Kind, p.Incident.Title, p.Incident.Location, p.Incident.Severity, p.Incident.Summary}, "\n")
			for _, s := range p.Incident.Sources {
				text += "\n" + s.Outlet
			}
			if p.Incident.State == "resolved" {
				text += "\nresolved"
			}
			out = append(out, deliverytest.Message{Text: text})
		}
		return out
	}
}

// TestConformance runs the suite, and its fault cases, against the
// loopback receiver.
func TestConformance(t *testing.T) {
	deliverytest.Run(t, func(t *testing.T) (alerts.Notifier, deliverytest.ReadBack) {
		srv, mk := rig(t, 4)
		return mk(), readBack(srv)
	})
	deliverytest.RunFaults(t, func(t *testing.T) deliverytest.Platform {
		srv, mk := rig(t, 4)
		return deliverytest.Platform{New: mk, Read: readBack(srv), Fail: srv.Fail}
	})
}

// TestSignedRoutedAndRetried: the receiver accepts the signature; a 5xx and
// a 429 are retried within one Notify; an endpoint routed elsewhere gets
// nothing; a 4xx is final and not retried.
func TestSignedRoutedAndRetried(t *testing.T) {
	srv, mk := rig(t, 4, Endpoint{}, Endpoint{Spec: route.Spec{Places: []string{"Mali"}}})
	srv.Fail(502, 1)
	n := mk()
	if _, err := n.Notify(context.Background(), deliverytest.Lifecycle()[0]); err != nil {
		t.Fatalf("Notify through a 502: %v", err)
	}
	srv.Fail(429, 1)
	if _, err := n.Notify(context.Background(), deliverytest.Lifecycle()[1]); err != nil {
		t.Fatalf("Notify through a 429: %v", err)
	}
	got := srv.Deliveries()
	if len(got) != 2 || got[0].Event != "opened" || got[1].ID != deliverytest.Lifecycle()[1].ID || srv.Refused != 0 {
		t.Fatalf("deliveries = %+v (refused %d); want opened and updated once each, to the Ukraine endpoint only", got, srv.Refused)
	}
	srv.Fail(410, 1)
	retry, err := n.Notify(context.Background(), deliverytest.Lifecycle()[2])
	if err == nil || retry {
		t.Errorf("a 410 = retry %v, %v; want final", retry, err)
	}
}

// TestBadSignatureIsRefused: a receiver with another secret refuses, and
// the refusal (401) is final.
func TestBadSignatureIsRefused(t *testing.T) {
	srv := webhooktest.New("another-secret-0123456789")
	defer srv.Close()
	set, _ := rules.Default()
	c := webhookconfig.Default()
	c.Endpoints = []Endpoint{{URL: srv.URL, Secret: key}}
	n, err := New(c, set.Categories(), &deliverytest.MemRefs{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	retry, err := n.Notify(context.Background(), deliverytest.Lifecycle()[0])
	if err == nil || retry || srv.Refused != 1 {
		t.Errorf("Notify = %v, %v, refused %d", retry, err, srv.Refused)
	}
}

func TestSign(t *testing.T) {
	// The example of GitHub's webhook documentation.
	if got := Sign([]byte("It's a Secret to Everybody"), []byte("Hello, World!")); got != "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" {
		t.Errorf("Sign = %s", got)
	}
}

package alerts

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// TestSourceLabelsReachTheIncident: the labels of each source that reports
// an incident are kept on it (the record of its sources), so routes can
// match them, and they survive the store's JSON round trip.
func TestSourceLabelsReachTheIncident(t *testing.T) {
	p := DefaultPolicy()
	p.RepeatInterval = 0
	res := result(rules.SevHigh, "Gao, Mali", "airstrike")
	wire := rep("wire", "Air strikes hit Gao")
	wire.Labels = report.NewLabels(map[string]string{"region": "sahel", "trust": "wire"})
	d, _ := Decide(nil, res, wire, t0, p)
	if d.Emit != Opened {
		t.Fatalf("emit %q", d.Emit)
	}
	inc := d.Incident
	social := rep("social", "Gao hit by strikes, residents say")
	social.Labels = report.NewLabels(map[string]string{"region": "sahel", "trust": "social"})
	d, _ = Decide(&inc, res, social, t0.Add(time.Minute), p)
	inc = d.Incident
	if len(inc.Sources) != 2 || inc.Sources[0].Labels != wire.Labels || inc.Sources[1].Labels != social.Labels {
		t.Fatalf("sources = %+v", inc.Sources)
	}
	want := map[string][]string{"region": {"sahel"}, "trust": {"social", "wire"}}
	if got := inc.Labels(); !reflect.DeepEqual(got, want) {
		t.Errorf("Labels() = %v, want %v", got, want)
	}
	for _, c := range []struct {
		name, value string
		want        bool
	}{{"region", "sahel", true}, {"trust", "wire", true}, {"trust", "official", false}, {"desk", "", false}} {
		if got := inc.HasLabel(c.name, c.value); got != c.want {
			t.Errorf("HasLabel(%s, %s) = %v", c.name, c.value, got)
		}
	}
	// The store keeps incidents as JSON.
	b, err := json.Marshal(inc)
	if err != nil {
		t.Fatal(err)
	}
	var back Incident
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Labels(), want) || back.Sources[0].Labels != wire.Labels {
		t.Errorf("after JSON: %v / %+v\n%s", back.Labels(), back.Sources[0], b)
	}
	// A source without labels adds none, and its ref stays comparable.
	plain := rep("plain", "Gao strikes confirmed")
	d, _ = Decide(&back, res, plain, t0.Add(2*time.Minute), p)
	if got := d.Incident.Labels(); !reflect.DeepEqual(got, want) {
		t.Errorf("after an unlabelled source: %v", got)
	}
	if last := d.Incident.Sources[2]; last != (SourceRef{Source: "plain", Title: "T", Seen: t0.Add(2 * time.Minute)}) {
		t.Errorf("unlabelled ref = %+v", last)
	}
}

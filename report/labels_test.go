package report

import (
	"encoding/json"
	"testing"
)

func TestLabels(t *testing.T) {
	a := NewLabels(map[string]string{"trust": "wire", "region": "sahel"})
	b := NewLabels(map[string]string{"region": "sahel", "trust": "wire"})
	if a != b {
		t.Error("same labels, different values: not canonical")
	}
	if v, ok := a.Get("region"); !ok || v != "sahel" {
		t.Errorf("Get(region) = %q %v", v, ok)
	}
	if _, ok := a.Get("desk"); ok {
		t.Error("Get(desk) found")
	}
	if a.String() != "region=sahel, trust=wire" {
		t.Errorf("String() = %q", a.String())
	}
	// Values may hold "="; a line break cannot split a label in two.
	odd := NewLabels(map[string]string{"note": "a=b", "x": "line\nbreak"})
	if v, _ := odd.Get("note"); v != "a=b" {
		t.Errorf("note = %q", v)
	}
	if v, _ := odd.Get("x"); v != "line break" || len(odd.Map()) != 2 {
		t.Errorf("x = %q, map %v", v, odd.Map())
	}
	js, err := json.Marshal(struct {
		L Labels `json:"labels,omitzero"`
		Z Labels `json:"zero,omitzero"`
	}{L: a})
	if err != nil || string(js) != `{"labels":{"region":"sahel","trust":"wire"}}` {
		t.Fatalf("json %s %v", js, err)
	}
	var back struct {
		L Labels `json:"labels"`
	}
	if err := json.Unmarshal(js, &back); err != nil || back.L != a {
		t.Errorf("round trip %v %v", back.L, err)
	}
	if (Labels{}).Map() != nil || !(Labels{}).IsZero() || NewLabels(nil) != (Labels{}) {
		t.Error("zero labels")
	}
}

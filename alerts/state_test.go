package alerts

import (
	"strings"
	"testing"
	"time"
)

// TestStateFilter: each list state keeps the incidents it names, and
// StateOf says where one stands.
func TestStateFilter(t *testing.T) {
	open := Incident{ID: "o", Alerted: true}
	resolved := Incident{ID: "r", Alerted: true, ResolvedAt: time.Unix(1, 0)}
	pending := Incident{ID: "p"}
	for _, tc := range []struct {
		f    StateFilter
		want []string
	}{
		{StateAnnounced, []string{"o", "r"}}, {StateOpen, []string{"o"}}, {StateResolved, []string{"r"}},
		{StatePending, []string{"p"}}, {StateAll, []string{"o", "r", "p"}},
	} {
		var got []string
		for _, inc := range []Incident{open, resolved, pending} {
			if tc.f.Matches(inc) {
				got = append(got, inc.ID)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%q keeps %v, want %v", tc.f, got, tc.want)
		}
	}
	if StateOf(open) != StateOpen || StateOf(resolved) != StateResolved || StateOf(pending) != StatePending {
		t.Error("StateOf")
	}
	if f, err := ParseStateFilter("pending"); err != nil || f != StatePending {
		t.Errorf("ParseStateFilter(pending) = %q, %v", f, err)
	}
	if _, err := ParseStateFilter("later"); err == nil {
		t.Error("ParseStateFilter(later) accepted")
	}
}

package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/poller"
)

// TestRetentionPrunesAndCounts: with store.retention, `once` prunes what is
// older, the metric counts it, and nothing pruned comes back as an alert.
func TestRetentionPrunesAndCounts(t *testing.T) {
	cfg := testConfig(t)
	cfg.Store.Retention = 90 * 24 * 3600e9
	clock := poller.NewManualClock(time.Now())
	var out syncBuffer
	a, err := app.New(context.Background(), cfg, app.Deps{Stdout: &out, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	if _, sent, err := a.Once(context.Background()); err != nil || sent == 0 {
		t.Fatalf("first cycle: sent %d, %v", sent, err)
	}
	if got := pruned(t, a, "reports"); got != 0 {
		t.Fatalf("pruned %v reports on day one", got)
	}
	before, _, err := a.Store.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A hundred days on: the trap reports (no incident cites them) go; the
	// incidents are resolved by quiet expiry now, so they and their reports
	// stay for another 90 days.
	clock.Advance(100 * 24 * time.Hour)
	printed := len(out.String())
	if _, _, err := a.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	after, _, err := a.Store.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := pruned(t, a, "reports")
	if got == 0 || float64(before-after) != got {
		t.Errorf("reports %d -> %d, metric says %v pruned", before, after, got)
	}
	if runs := counter(t, a, "tocsin_store_prune_runs_total", "result", "ok"); runs != 2 {
		t.Errorf("prune runs ok = %v, want 2", runs)
	}
	if strings.Contains(out.String()[printed:], "OPENED") {
		t.Errorf("a pruned report alerted again:\n%s", out.String()[printed:])
	}
}

func TestRetentionBadSchedule(t *testing.T) {
	cfg := testConfig(t)
	cfg.Store.PruneSchedule = "every hour"
	if _, err := app.New(context.Background(), cfg, app.Deps{}); err == nil || !strings.Contains(err.Error(), "store.prune_schedule") {
		t.Errorf("bad schedule: %v", err)
	}
}

func pruned(t *testing.T, a *app.App, kind string) float64 {
	return counter(t, a, "tocsin_store_pruned_total", "kind", kind)
}

func counter(t *testing.T, a *app.App, name, label, value string) float64 {
	t.Helper()
	mfs, err := a.Reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabel(m, label, value) {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no metric %s{%s=%q}", name, label, value)
	return 0
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

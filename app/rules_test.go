package app

import (
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

// TestPriorConfig: the config turns the learned prior off or moves its
// threshold, and its default is the engine's.
func TestPriorConfig(t *testing.T) {
	if got := config.Default().Rules.Prior; !got.Enabled || got.Threshold != rules.DefaultPriorThreshold {
		t.Fatalf("config default prior %+v, want enabled at %v", got, rules.DefaultPriorThreshold)
	}
	// A factory blast: the rules see a mass-casualty explosion, the prior
	// sees an industrial accident and holds the alert back.
	blast := report.Report{Title: "Blast at fertiliser plant kills 14 workers",
		Text: "An explosion ripped through a fertiliser plant in Zhejiang on Tuesday, killing 14 workers and injuring 30, " +
			"the provincial emergency bureau said."}
	st, _ := storetest.SQLite(t)
	for _, tc := range []struct {
		name      string
		prior     config.Prior
		wantPrior bool
	}{
		{"default", config.Default().Rules.Prior, true},
		{"off", config.Prior{Enabled: false}, false},
		{"threshold 0 lets every rules alert through", config.Prior{Enabled: true, Threshold: 0}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt, err := priorOption(tc.prior)
			if err != nil {
				t.Fatal(err)
			}
			r, err := NewRules("", st, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), opt)
			if err != nil {
				t.Fatal(err)
			}
			res := r.Score(blast)
			if (res.Prior != nil) != tc.wantPrior {
				t.Fatalf("prior part %+v, want present=%v", res.Prior, tc.wantPrior)
			}
			switch {
			case !tc.prior.Enabled && !res.Alert:
				t.Errorf("prior off: the rules alone alert on this report (evidence %v)", res.Evidence)
			case tc.prior.Enabled && tc.prior.Threshold == 0 && !res.Alert:
				t.Errorf("threshold 0 held the alert: %+v", res.Prior)
			case tc.name == "default" && (res.Alert || !res.Prior.Held):
				t.Errorf("default prior should hold the factory blast: alert=%v %+v", res.Alert, res.Prior)
			}
		})
	}
}

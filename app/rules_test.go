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
	// A tavern shooting (synthetic-train's sa-028): the rules see gunmen
	// killing 16, the prior sees a crime story and holds the alert back.
	// (A factory shooting no longer serves: the rules' non-violent-cause
	// frame drops it before the prior is asked.)
	shooting := report.Report{Title: "Gunmen kill 16 at Soweto tavern; police hunt suspects",
		Text: "Police in South Africa are searching for a group of armed men who opened fire on customers at a tavern " +
			"in Soweto in the early hours of Sunday, killing 16 people.\nGauteng police commissioner Elias Mawela said " +
			"the men arrived in a minibus taxi and fired randomly at patrons with rifles and a pistol. Fourteen people " +
			"died at the scene and two more in hospital, and several others were wounded.\nPolice are investigating " +
			"whether the shooting was linked to a dispute between criminal gangs or to illegal mining syndicates " +
			"operating in the area. No arrests have been made."}
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
			res := r.Score(shooting)
			if (res.Prior != nil) != tc.wantPrior {
				t.Fatalf("prior part %+v, want present=%v", res.Prior, tc.wantPrior)
			}
			switch {
			case !tc.prior.Enabled && !res.Alert:
				t.Errorf("prior off: the rules alone alert on this report (evidence %v)", res.Evidence)
			case tc.prior.Enabled && tc.prior.Threshold == 0 && !res.Alert:
				t.Errorf("threshold 0 held the alert: %+v", res.Prior)
			case tc.name == "default" && (res.Alert || !res.Prior.Held):
				t.Errorf("default prior should hold the tavern shooting: alert=%v %+v", res.Alert, res.Prior)
			}
		})
	}
}

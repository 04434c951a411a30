package rules

import (
	"slices"
	"testing"

	"github.com/tocsin-alerts/tocsin/report"
)

// TestClauseModality: the cases issue 8 names, in words of our own. Each
// says whether the report alerts and, when it does, a category it must
// carry; scored by the rules alone (the prior is tested elsewhere), so the
// test pins the modality mechanism itself.
func TestClauseModality(t *testing.T) {
	set, err := Default(WithPrior(nil, 0), WithGazetteer(shared(t).Gazetteer()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, text string
		alert      bool
		category   string
	}{
		{"denial after the event", "Reports that tanks were massing near the border at Kupiansk are baseless, the defence ministry said.", false, ""},
		{"without bound to its noun phrase", "Soldiers without insignia seized the airport at Simferopol overnight.", true, "territory_seized"},
		{"without negating the act", "The convoy crossed into the town of Bor without firing a shot and left again.", false, ""},
		{"conditional opening the sentence", "If the talks fail, rebels will seize the airport at Goma, a local official said.", false, ""},
		{"refrain from", "The envoy urged the army to refrain from attacking the city of Tarhuna.", false, ""},
		{"speculation is no threat", "Analysts said the rebels could seize Bentiu within weeks.", false, ""},
		{"a threat by an armed party", "The army commander threatened to launch an offensive on Kidal if the rebels did not withdraw.", true, "threat"},
		{"a state's threat", "Russia warned it could strike Kyiv's government quarter in response.", true, "threat"},
		{"background clause keeps the fresh fact", "A car bomb killed 40 people at a market in Mogadishu on Friday, the deadliest attack since the war began.", true, "mass_casualty"},
		{"past perfect is background", "The rebels had seized the town of Kibati in 2012.", false, ""},
		{"had to: an obligation, not the past", "Government troops had to withdraw from the town of Kibati after heavy shelling.", true, "withdrawal"},
		{"cumulative toll", "The war has killed more than 20,000 people since 2019, the UN said.", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := set.Score(report.Report{Text: tc.text, Published: mustYear(2025)})
			if res.Alert != tc.alert {
				t.Fatalf("alert=%v, want %v\nevidence %+v\nsuppressed %+v", res.Alert, tc.alert, res.Evidence, res.Suppressed)
			}
			if tc.category != "" && !slices.Contains(res.Categories, tc.category) {
				t.Errorf("categories %v lack %s\nevidence %+v", res.Categories, tc.category, res.Evidence)
			}
		})
	}
}

package summary

import (
	"strings"
	"testing"
)

func TestCombine(t *testing.T) {
	p := Policy{MinScore: 0.3, MaxScore: 0.6, VetoConfidence: 0.8}
	alert := func(score float64, sev string) Verdict {
		return Verdict{Alert: true, Score: score, Severity: sev, Categories: []string{"shelling"}, Location: "Kharkiv, Ukraine"}
	}
	noAlert := func(score float64) Verdict { return Verdict{Score: score, Severity: "none"} }
	no := func(conf float64) *Opinion { return &Opinion{Escalation: false, Severity: "none", Confidence: conf} }
	yes := func(sev string, conf float64) *Opinion {
		return &Opinion{Escalation: true, Severity: sev, Confidence: conf, Categories: []string{"airstrike"}}
	}
	tests := []struct {
		name      string
		rule      Verdict
		op        *Opinion
		wantAlert bool
		wantSev   string
		reason    string // a substring the reason must contain
	}{
		// 1. No opinion: the rule stands.
		{"no opinion", alert(0.5, "medium"), nil, true, "medium", "model: no opinion"},
		// 2. Veto: borderline score and a confident "no".
		{"veto borderline alert", alert(0.5, "medium"), no(0.9), false, "medium", "vetoed"},
		{"veto at band edge", alert(0.6, "low"), no(0.8), false, "low", "vetoed"},
		// ...but not when unsure, nor outside the band.
		{"unsure model cannot veto", alert(0.5, "medium"), no(0.79), true, "medium", "confidence below 0.80"},
		{"strong rule cannot be vetoed", alert(0.9, "high"), no(0.99), true, "high", "outside the borderline band"},
		// 3. Never promote a non-alert.
		{"no promotion even if certain", noAlert(0.5), yes("critical", 1), false, "none", "not promoted"},
		{"no promotion below band", noAlert(0.1), yes("high", 1), false, "none", "not promoted"},
		// 4. Agreement: severity moves one level at most, toward the model.
		{"severity up one level", alert(0.5, "low"), yes("critical", 0.9), true, "medium", "low → medium"},
		{"severity down one level", alert(0.5, "critical"), yes("low", 0.9), true, "high", "critical → high"},
		{"same severity", alert(0.5, "high"), yes("high", 0.9), true, "high", "agreed"},
		{"unsure: severity kept", alert(0.5, "low"), yes("high", 0.5), true, "low", "severity kept low"},
		{"outside band: severity kept", alert(0.95, "low"), yes("high", 0.99), true, "low", "score outside the band"},
		// 5. Both no.
		{"both no", noAlert(0.4), no(0.9), false, "none", "agreed: no escalation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := Combine(tc.rule, tc.op, p)
			if got.Alert != tc.wantAlert || got.Severity != tc.wantSev {
				t.Errorf("Combine = alert %v severity %q, want %v %q (reason %q)", got.Alert, got.Severity, tc.wantAlert, tc.wantSev, reason)
			}
			if !strings.Contains(reason, tc.reason) {
				t.Errorf("reason %q does not contain %q", reason, tc.reason)
			}
			// Both opinions are always on the record.
			if !strings.Contains(reason, "rule: ") || !strings.Contains(reason, "model: ") {
				t.Errorf("reason %q lacks one of the opinions", reason)
			}
			if strings.Join(got.Categories, ",") != strings.Join(tc.rule.Categories, ",") {
				t.Errorf("categories changed: %v", got.Categories)
			}
		})
	}
}

func TestCombineLocationFromModel(t *testing.T) {
	p := Policy{MinScore: 0.3, MaxScore: 0.6}
	got, reason := Combine(Verdict{Alert: true, Score: 0.4, Severity: "medium"}, &Opinion{Escalation: true, Severity: "medium", Confidence: 0.9, Location: "Sumy"}, p)
	if got.Location != "Sumy" || !strings.Contains(reason, "location from model") {
		t.Errorf("Combine = %+v, %q", got, reason)
	}
	got, _ = Combine(Verdict{Alert: true, Score: 0.4, Severity: "medium", Location: "Kharkiv"}, &Opinion{Escalation: true, Severity: "medium", Confidence: 0.9, Location: "Sumy"}, p)
	if got.Location != "Kharkiv" {
		t.Errorf("model overrode the rule's location: %+v", got)
	}
}

func TestPolicyBorderline(t *testing.T) {
	p := Policy{MinScore: 0.3, MaxScore: 0.6}
	for score, want := range map[float64]bool{0.29: false, 0.3: true, 0.45: true, 0.6: true, 0.61: false} {
		if got := p.Borderline(Verdict{Score: score}); got != want {
			t.Errorf("Borderline(%g) = %v", score, got)
		}
	}
	if (Policy{}).Borderline(Verdict{Score: 0}) {
		t.Error("an unconfigured band made a verdict borderline")
	}
}

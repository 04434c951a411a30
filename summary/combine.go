package summary

import (
	"fmt"
	"strings"
)

// Verdict is a rule verdict in plain types (the app maps rules.Result to it
// and back), so this package need not import rules.
type Verdict struct {
	Alert      bool
	Categories []string
	// Severity is "none", "low", "medium", "high" or "critical".
	Severity string
	Location string
	Score    float64
}

// Policy says when the model's second opinion is asked for and how much it
// may change. Defaults (withDefaults): band [0, 0] means "no band
// configured", which makes nothing borderline; VetoConfidence 0.8.
type Policy struct {
	// MinScore and MaxScore bound the borderline band of rule scores,
	// inclusive. Only verdicts in the band get a second opinion, and only
	// alerts in the band can be vetoed.
	MinScore, MaxScore float64
	// VetoConfidence is the model confidence needed to veto an alert or to
	// move a severity.
	VetoConfidence float64
}

// DefaultVetoConfidence is the confidence a veto needs by default.
const DefaultVetoConfidence = 0.8

func (p Policy) withDefaults() Policy {
	if p.VetoConfidence == 0 {
		p.VetoConfidence = DefaultVetoConfidence
	}
	return p
}

func (p Policy) validate() error {
	switch {
	case p.MinScore > p.MaxScore:
		return fmt.Errorf("second_opinion: min_score %g is above max_score %g", p.MinScore, p.MaxScore)
	case p.VetoConfidence < 0 || p.VetoConfidence > 1:
		return fmt.Errorf("second_opinion: veto_confidence %g is outside 0..1", p.VetoConfidence)
	}
	return nil
}

// Borderline reports whether a rule verdict's score is in the band.
func (p Policy) Borderline(v Verdict) bool {
	if p.MinScore == 0 && p.MaxScore == 0 {
		return false
	}
	return v.Score >= p.MinScore && v.Score <= p.MaxScore
}

// severityRank orders severity names; unknown names are -1.
func severityRank(s string) int {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none":
		return 0
	case "low":
		return 1
	case "medium":
		return 2
	case "high":
		return 3
	case "critical":
		return 4
	}
	return -1
}

var severityByRank = [...]string{"none", "low", "medium", "high", "critical"}

// Combine merges a rule verdict with the model's opinion (nil when there is
// none: disabled, not borderline, or failed). It is pure. The policy, in
// order:
//
//  1. No opinion: the rule verdict stands.
//  2. Rule alerts, model says no escalation: the model vetoes the alert only
//     when the rule score is inside the borderline band AND the model's
//     confidence is at least VetoConfidence. Otherwise the alert stands and
//     the disagreement is noted.
//  3. Rule does not alert, model says escalation: the model can NEVER promote
//     a non-alert — a model alone is not evidence. The verdict stands with a
//     "model disagrees" note.
//  4. Both alert: the model may move the severity one level toward its own
//     (never to "none", never by more than one level), only inside the band
//     and with confidence at least VetoConfidence. Categories stay the
//     rule's (they carry evidence); an empty rule location takes the model's
//     (SecondOpinion has already checked it appears in the report).
//  5. Both say no: the verdict stands.
//
// The reason always records both opinions, e.g.
// "rule: alert medium score 0.42 [offensive]; model: no escalation (confidence 0.90); vetoed: borderline score and confident model".
func Combine(rule Verdict, op *Opinion, p Policy) (Verdict, string) {
	p = p.withDefaults()
	final := rule
	final.Categories = append([]string(nil), rule.Categories...)
	ruleSays := describeRule(rule)
	if op == nil {
		return final, ruleSays + "; model: no opinion; rule verdict stands"
	}
	modelSays := describeOpinion(*op)
	inBand := p.Borderline(rule)
	confident := op.Confidence >= p.VetoConfidence
	var decision string
	switch {
	case rule.Alert && !op.Escalation:
		if inBand && confident {
			final.Alert = false
			decision = "vetoed: borderline score and confident model"
		} else if !inBand {
			decision = "model disagrees; alert kept: score outside the borderline band"
		} else {
			decision = fmt.Sprintf("model disagrees; alert kept: confidence below %.2f", p.VetoConfidence)
		}
	case !rule.Alert && op.Escalation:
		decision = "model disagrees; not promoted: no rule evidence"
	case rule.Alert && op.Escalation:
		decision = "agreed"
		rr, mr := severityRank(rule.Severity), severityRank(op.Severity)
		if rr >= 0 && mr > 0 && mr != rr {
			step := 1
			if mr < rr {
				step = -1
			}
			next := rr + step
			switch {
			case !inBand:
				decision += fmt.Sprintf("; severity kept %s (model: %s): score outside the band", rule.Severity, op.Severity)
			case !confident:
				decision += fmt.Sprintf("; severity kept %s (model: %s): confidence below %.2f", rule.Severity, op.Severity, p.VetoConfidence)
			case next < 1:
				decision += fmt.Sprintf("; severity kept %s: an alert stays at least low", rule.Severity)
			default:
				final.Severity = severityByRank[next]
				decision += fmt.Sprintf("; severity %s → %s (one level toward the model's %s)", rule.Severity, final.Severity, op.Severity)
			}
		}
		if final.Location == "" && op.Location != "" {
			final.Location = op.Location
			decision += "; location from model"
		}
	default:
		decision = "agreed: no escalation"
	}
	return final, ruleSays + "; " + modelSays + "; " + decision
}

func describeRule(v Verdict) string {
	what := "no alert"
	if v.Alert {
		what = "alert"
	}
	s := fmt.Sprintf("rule: %s %s score %.2f", what, firstNonEmpty(v.Severity, "none"), v.Score)
	if len(v.Categories) > 0 {
		s += " [" + strings.Join(v.Categories, ",") + "]"
	}
	return s
}

func describeOpinion(o Opinion) string {
	what := "no escalation"
	if o.Escalation {
		what = "escalation " + firstNonEmpty(o.Severity, "?")
	}
	s := fmt.Sprintf("model: %s (confidence %.2f)", what, o.Confidence)
	if len(o.Categories) > 0 {
		s += " [" + strings.Join(o.Categories, ",") + "]"
	}
	return s
}

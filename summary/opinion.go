package summary

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tocsin-alerts/tocsin/report"
)

// Opinion is the model's reading of one report.
type Opinion struct {
	Escalation bool     `json:"escalation"`
	Categories []string `json:"categories"`
	Severity   string   `json:"severity"`
	Location   string   `json:"location"`
	Confidence float64  `json:"confidence"`
	// Notes lists what was dropped from the answer and why (an unknown
	// category, a location not found in the report).
	Notes []string `json:"notes,omitempty"`
	// Raw is the model's answer as received (truncated), for the record.
	Raw string `json:"raw"`
}

// Errors SecondOpinion returns when it does not ask the model.
var (
	ErrOpinionDisabled = errors.New("summary: second opinion disabled")
	ErrNotBorderline   = errors.New("summary: rule score is not borderline")
)

// SecondOpinion asks the model whether r is an escalation. It asks only when
// second opinions are enabled, a model is configured and the rule verdict is
// borderline (Policy.Borderline); otherwise it returns ErrOpinionDisabled or
// ErrNotBorderline. A report that addresses a model ("ignore previous
// instructions…") gets no opinion (reason "injection_suspected"): its
// verdict could be steered. Failures are *FailureError with a reason
// ("timeout", "malformed_json", "refusal", "invalid: …"), counted in Stats;
// the caller then passes a nil opinion to Combine. It never blocks longer
// than the budget.
func (s *Summarizer) SecondOpinion(ctx context.Context, r report.Report, rule Verdict) (Opinion, error) {
	if s.model == nil || !s.opts.SecondOpinion.Enabled {
		return Opinion{}, ErrOpinionDisabled
	}
	if !s.opts.SecondOpinion.Policy.Borderline(rule) {
		return Opinion{}, ErrNotBorderline
	}
	op, err := s.secondOpinion(ctx, r)
	if err != nil {
		reason := FailureReason(err)
		s.stats.add(func(st *Stats) { st.OpinionFailures[reasonClass(reason)]++ })
		s.logger.WarnContext(ctx, "second opinion unavailable", "reason", reason, "err", s.redact(err))
		return Opinion{}, err
	}
	s.stats.add(func(st *Stats) { st.Opinions++ })
	return op, nil
}

func (s *Summarizer) secondOpinion(ctx context.Context, r report.Report) (Opinion, error) {
	if suspectInjection(r.Title) || suspectInjection(r.Text) {
		return Opinion{}, fail("injection_suspected", nil)
	}
	system := fmt.Sprintf(opinionSystemPrompt, strings.Join(s.opts.SecondOpinion.Categories, ", "))
	bctx, deadline, stop := withBudget(ctx, s.opts.Clock, s.opts.Budget)
	defer stop()
	raw, err := s.model.complete(bctx, deadline, system, opinionPrompt(r))
	if err != nil {
		return Opinion{}, err
	}
	return parseOpinion(raw, r, s.knownCategory, system)
}

func (s *Summarizer) knownCategory(c string) bool {
	for _, k := range s.opts.SecondOpinion.Categories {
		if k == c {
			return true
		}
	}
	return false
}

// parseOpinion decodes and checks the model's JSON. Missing or ill-typed
// escalation/confidence, an unknown severity, or a leak of the system prompt
// reject the whole answer; unknown categories and a location not found in
// the report are dropped with a note.
func parseOpinion(raw string, r report.Report, known func(string) bool, system string) (Opinion, error) {
	op := Opinion{Raw: truncateRunes(raw, 2000)}
	if refusalRe.MatchString(raw) {
		return op, fail("refusal", nil)
	}
	var in struct {
		Escalation *bool    `json:"escalation"`
		Categories []string `json:"categories"`
		Severity   *string  `json:"severity"`
		Location   string   `json:"location"`
		Confidence *float64 `json:"confidence"`
	}
	if err := json.Unmarshal([]byte(stripFences(raw)), &in); err != nil {
		return op, fail("malformed_json", err)
	}
	g := newGrounding([]report.Report{r}, nil, system)
	if _, why := validateLeak(raw, g); why != "" {
		return op, fail(why, nil)
	}
	switch {
	case in.Escalation == nil:
		return op, fail("invalid: escalation missing", nil)
	case in.Confidence == nil || *in.Confidence < 0 || *in.Confidence > 1:
		return op, fail("invalid: confidence missing or outside 0..1", nil)
	case in.Severity == nil || severityRank(*in.Severity) < 0:
		return op, fail("invalid: unknown severity", nil)
	}
	op.Escalation = *in.Escalation
	op.Confidence = *in.Confidence
	op.Severity = strings.ToLower(strings.TrimSpace(*in.Severity))
	for _, c := range in.Categories {
		c = strings.ToLower(strings.TrimSpace(c))
		if known(c) {
			op.Categories = append(op.Categories, c)
		} else {
			op.Notes = append(op.Notes, fmt.Sprintf("ignored unknown category %q", truncateRunes(cleanSentence(c), 40)))
		}
	}
	if loc := cleanSentence(in.Location); loc != "" {
		if locationGrounded(loc, g) {
			op.Location = loc
		} else {
			op.Notes = append(op.Notes, fmt.Sprintf("ignored location %q: not in the report", truncateRunes(loc, 60)))
		}
	}
	return op, nil
}

// validateLeak checks only for the system prompt in the output.
func validateLeak(raw string, g *grounding) (string, string) {
	f := strings.Fields(strings.ToLower(raw))
	for i := 0; i+6 <= len(f); i++ {
		if g.leak[strings.Join(f[i:i+6], " ")] {
			return "", "leak"
		}
	}
	return raw, ""
}

// locationGrounded reports whether every capitalised word of a place name
// appears in the report.
func locationGrounded(loc string, g *grounding) bool {
	found := false
	for _, w := range words(loc) {
		if !isCapitalised(w) {
			continue
		}
		found = true
		if !g.words[normWord(w)] && !g.words[strings.ToLower(w)] {
			return false
		}
	}
	return found
}

// redact removes the API key from an error's text before it is logged: a
// hostile or misconfigured server could echo the Authorization header back.
func (s *Summarizer) redact(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	if k := s.opts.APIKey.Reveal(); k != "" {
		msg = strings.ReplaceAll(msg, k, redacted)
	}
	return msg
}

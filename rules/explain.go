package rules

import "github.com/tocsin-alerts/tocsin/report"

// reason is one thing that changed a hit, kept unformatted until the hit is
// known to be shown: most hits of a large rule set are dropped silently.
type reason struct {
	kind    uint8 // reasonModality, reasonSup
	mod     Modality
	cue     string
	sup     *Suppressor
	example string
	action  Action
	// speculation: a hedge that is no threat by an armed party, dropped
	// rather than downgraded.
	speculation bool
}

const (
	reasonModality uint8 = iota
	reasonSup
)

// appendTo renders the reason in words an admin can act on.
func (r reason) appendTo(b []byte) []byte {
	if r.kind == reasonModality {
		b = append(b, r.mod...)
		b = append(b, " by "...)
		b = appendQuote(b, r.cue)
		b = append(b, " → "...)
		b = append(b, r.action...)
		if r.speculation {
			b = append(b, " (speculation or a condition, not a threat by a party able to use force)"...)
		}
		return b
	}
	name := r.sup.ID
	if name == "" {
		name = "context"
	}
	if r.sup.Absent {
		b = append(b, "no "...)
		b = append(b, name...)
		b = append(b, " context in "...)
	} else {
		b = append(b, name...)
		b = append(b, ' ')
		b = appendQuote(b, r.example)
		b = append(b, " in "...)
	}
	b = append(b, r.sup.Scope...)
	b = append(b, " → "...)
	b = append(b, r.sup.Action...)
	if r.sup.Why != "" {
		b = append(b, " ("...)
		b = append(b, r.sup.Why...)
		b = append(b, ')')
	}
	return b
}

// explain renders a hit's explanation (what matched, what changed it, what
// raised it), after "rule: " when rule is given, in the scratch's buffer:
// one allocation a Why, the string itself. A large rule set explains
// hundreds of dropped hits a report.
func (sc *scratch) explain(rule, match string, rs []reason, boosts []string) string {
	b := sc.whyBuf[:0]
	if rule != "" {
		b = append(append(b, rule...), ": "...)
	}
	b = append(b, "matched "...)
	b = appendQuote(b, match)
	for _, r := range rs {
		b = append(b, "; "...)
		b = r.appendTo(b)
	}
	for _, w := range boosts {
		b = append(b, "; "...)
		b = append(b, w...)
	}
	sc.whyBuf = b
	return string(b)
}

// appendQuote quotes a text, cut to 80 bytes.
func appendQuote(b []byte, s string) []byte {
	b = append(b, "\u201c"...)
	if len(s) > 80 {
		b = append(b, report.TruncateBytes(s, 77)...)
		b = append(b, "..."...)
	} else {
		b = append(b, s...)
	}
	return append(b, "\u201d"...)
}

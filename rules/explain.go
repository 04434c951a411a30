package rules

import (
	"strings"

	"github.com/tocsin-alerts/tocsin/report"
)

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

func (r reason) String() string {
	if r.kind == reasonModality {
		if r.speculation {
			return string(r.mod) + " by " + quote(r.cue) + " → " + string(r.action) +
				" (speculation or a condition, not a threat by a party able to use force)"
		}
		return string(r.mod) + " by " + quote(r.cue) + " → " + string(r.action)
	}
	name := r.sup.ID
	if name == "" {
		name = "context"
	}
	var why string
	if r.sup.Absent {
		why = "no " + name + " context in " + r.sup.Scope + " → " + string(r.sup.Action)
	} else {
		why = name + " " + quote(r.example) + " in " + r.sup.Scope + " → " + string(r.sup.Action)
	}
	if r.sup.Why != "" {
		why += " (" + r.sup.Why + ")"
	}
	return why
}

// explainHit renders a hit's explanation: what matched, what changed it,
// what raised it.
func explainHit(match string, rs []reason, boosts []string) string {
	var b strings.Builder
	b.WriteString("matched ")
	b.WriteString(quote(match))
	for _, r := range rs {
		b.WriteString("; ")
		b.WriteString(r.String())
	}
	for _, w := range boosts {
		b.WriteString("; ")
		b.WriteString(w)
	}
	return b.String()
}

func quote(s string) string {
	if len(s) > 80 {
		s = report.TruncateBytes(s, 77) + "..."
	}
	return "\u201c" + s + "\u201d"
}

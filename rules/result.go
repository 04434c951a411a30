package rules

// Modality says how a sentence presents the event a rule matched.
type Modality string

// Modalities recognised by the engine.
const (
	// Asserted: the sentence reports the event as having happened.
	Asserted Modality = "asserted"
	// Negated: the event is denied, refuted or said not to have happened.
	Negated Modality = "negated"
	// Hedged: the event is conditional, threatened, planned or speculative.
	Hedged Modality = "hedged"
	// Historical: the event belongs to the past (a retrospective, an anniversary).
	Historical Modality = "historical"
)

// Action is what a rule does with a hit when a modality or suppressor applies.
type Action string

// Actions a rule may take on a hit.
const (
	// Keep the hit unchanged.
	Keep Action = "keep"
	// Drop the hit: it is recorded as suppressed and does not count.
	Drop Action = "drop"
	// Downgrade the hit to the threat category at low severity.
	Downgrade Action = "downgrade"
	// Contest keeps the hit but marks it, and the verdict, as contested.
	Contest Action = "contest"
)

// Evidence is one rule hit: which rule, on which sentence, and why.
type Evidence struct {
	Rule     string   `json:"rule"`
	Category string   `json:"category"`
	Severity Severity `json:"severity"`
	// Sentence is the sentence that matched, exactly as in the report.
	Sentence string `json:"sentence"`
	// Field is "title" or "text": which report field Start and End index.
	Field string `json:"field"`
	// Start and End are byte offsets of Sentence in that field of the
	// sanitized report (report.Report.Sanitize, which Score applies and every
	// tocsin source applies first): field[Start:End] == Sentence.
	Start int `json:"start"`
	End   int `json:"end"`
	// Match is the span of words that triggered the rule, as written.
	Match string `json:"match"`
	// Why explains the hit in words an admin can act on.
	Why      string   `json:"why"`
	Modality Modality `json:"modality"`
	// Action is what the rule did because of modality or a suppressor
	// (keep, downgrade, contest; dropped hits are in Result.Suppressed).
	Action    Action  `json:"action,omitempty"`
	Contested bool    `json:"contested,omitempty"`
	Weight    float64 `json:"weight"`

	sent int32 // sentence index in the scored text, for per-call caches
	// kept indexes the scratch's keptInfo for a kept hit: its reasons and
	// boosts, held until the rule's evidence is chosen and its Why
	// rendered, and read by the verdict's aggregation.
	kept int32
}

// Result is the verdict for one report.
type Result struct {
	ID       string   `json:"id,omitempty"`
	Alert    bool     `json:"alert"`
	Score    float64  `json:"score"`
	Severity Severity `json:"severity"`
	// Categories are the distinct categories of the kept evidence, most
	// severe first.
	Categories []string `json:"categories"`
	// Location is the main place of the escalation, "City, Country" or
	// "Region, Country" or "Country"; empty when none was found.
	Location    string `json:"location"`
	CountryCode string `json:"country_code,omitempty"`
	Contested   bool   `json:"contested"`
	// Boosts lists the boosts that raised a hit's severity ("rule: why");
	// each boosted hit adds to the score.
	Boosts   []string   `json:"boosts,omitempty"`
	Evidence []Evidence `json:"evidence"`
	// Suppressed lists hits that were dropped and why: the answer to "why
	// did this not fire?".
	Suppressed   []Evidence `json:"suppressed,omitempty"`
	RulesVersion string     `json:"rules_version"`
	// Prior is the learned conflict-context prior's part: its probability,
	// the combination with the rules' evidence, and the words that moved it
	// (nil when the prior is off).
	Prior *PriorPart `json:"prior,omitempty"`
	// SecondOpinion records a model's second opinion on a borderline verdict
	// and how it was combined with the rules' (set by the service, not by
	// Score): both opinions, in words.
	SecondOpinion string `json:"second_opinion,omitempty"`
}

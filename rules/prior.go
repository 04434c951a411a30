package rules

import (
	"math"
	"slices"
	"strings"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules/prior"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// DefaultPriorThreshold is the combined probability an alert needs when the
// learned prior is on. It was chosen on the training data's nested cross-
// validation: 0.4 keeps recall (the users' first fear) where 0.5 lost
// three points of it for one of precision.
const DefaultPriorThreshold = 0.4

// PriorPart is the learned conflict-context prior's part in a verdict.
type PriorPart struct {
	// Probability is the model's own estimate, from the text alone, that
	// the report is news of a fresh armed-conflict or insecurity event.
	Probability float64 `json:"probability"`
	// Combined is that estimate weighed with the rules' evidence (its
	// severity); the alert stands when it reaches Threshold. Zero when the
	// rules found nothing to alert on.
	Combined  float64 `json:"combined,omitempty"`
	Threshold float64 `json:"threshold"`
	// Held is true when the rules alerted and the combination fell below
	// the threshold: the evidence stays in the verdict, the alert does not.
	Held bool `json:"held,omitempty"`
	// Features are the words that moved the model most, strongest first,
	// with their share of its log-odds (positive: conflict, fresh news).
	Features []PriorFeature `json:"features,omitempty"`
	Model    string         `json:"model"`
}

// PriorFeature is one word or word pair and its contribution to the
// model's log-odds.
type PriorFeature struct {
	Text   string  `json:"text"`
	Weight float64 `json:"weight"`
}

// WithPrior sets the learned prior and the combined probability an alert
// needs. A nil model turns the prior off: verdicts are the rules' alone.
func WithPrior(m *prior.Model, threshold float64) Option {
	return func(o *options) { o.prior, o.priorThreshold, o.priorSet = m, threshold, true }
}

// priorFeatures appends the prior's features of the window of a scored
// text, with the token each came from: the stem of every word, each pair of
// adjacent stems in a sentence, and the shape of numbers. The window is
// what a one-or-two-sentence news item is, and what the model was trained
// on: the title, the lead (the body's first two sentences) and every
// sentence where a rule kept evidence. Scoring a 600-word report whole
// would drown its few telling words in background. Training reads the same
// function through Set.PriorFeatures, so the two can never drift apart.
//
// Each feature counts once per report (a binary bag of words). seen is a
// Dim-bit set, left cleared on return.
func priorFeatures(dst []uint32, at []int32, seen []uint64, d *doc, evidence []Evidence) ([]uint32, []int32) {
	start := len(dst)
	add := func(f uint32, tok int32) {
		k := f & (prior.Dim - 1)
		if seen[k>>6]&(1<<(k&63)) != 0 {
			return
		}
		seen[k>>6] |= 1 << (k & 63)
		dst, at = append(dst, f), append(at, tok)
	}
	inWindow := func(si int32) bool {
		sn := d.sents[si]
		if int(sn.start) < d.textOff {
			return true // the title
		}
		if body := si - d.firstBodySent(); body >= 0 && body < leadSentences {
			return true
		}
		for i := range evidence {
			if evidence[i].sent == si {
				return true
			}
		}
		return false
	}
	for si := range d.sents {
		if !inWindow(int32(si)) {
			continue
		}
		sn := d.sents[si]
		prev := uint32(0)
		for i := sn.first; i < sn.last; i++ {
			tk := &d.toks[i]
			f := tk.feat
			if f == 0 {
				continue // a word the set never classified (cannot happen in Score)
			}
			if f == prior.ShapeNumber {
				if isYear(d, int(i)) {
					f = prior.ShapeYear
				} else if tk.num >= 10 {
					add(prior.ShapeCount, i)
				}
			}
			add(f, i)
			if prev != 0 {
				add(prior.Pair(prev, f), -i) // negative: a pair ending at i
			}
			prev = f
		}
	}
	for _, f := range dst[start:] {
		k := f & (prior.Dim - 1)
		seen[k>>6] &^= 1 << (k & 63)
	}
	return dst, at
}

// leadSentences is how much of the body opens the window: a news lead.
const leadSentences = 2

// firstBodySent is the index of the first sentence of the body.
func (d *doc) firstBodySent() int32 {
	for i, sn := range d.sents {
		if int(sn.start) >= d.textOff {
			return int32(i)
		}
	}
	return int32(len(d.sents))
}

// seenBits returns the scratch's cleared Dim-bit set.
func (sc *scratch) seenBits() []uint64 {
	if sc.seen == nil {
		sc.seen = make([]uint64, prior.Dim/64)
	}
	return sc.seen
}

// PriorFeatures returns the prior's features of a report, for training: the
// same window Score reads (it needs the rules' evidence, so the report is
// scored first, with the set's own rules).
func (s *Set) PriorFeatures(r report.Report) []uint32 {
	sc := s.getScratch()
	defer s.putScratch(sc)
	d := s.prepare(sc, r)
	s.match(sc, &d)
	res := s.evaluate(sc, &d)
	feats, _ := priorFeatures(nil, nil, sc.seenBits(), &d, res.Evidence)
	return feats
}

// applyPrior weighs the rules' verdict with the model: a rules alert whose
// combined probability falls below the threshold is held back.
//
// A report without evidence has nothing for the prior to weigh and is left
// without a prior part (most of a real stream: it costs nothing there).
func (s *Set) applyPrior(sc *scratch, d *doc, res *Result) {
	if len(res.Evidence) == 0 {
		return
	}
	sc.feats, sc.featAt = priorFeatures(sc.feats[:0], sc.featAt[:0], sc.seenBits(), d, res.Evidence)
	// Each weight is read once (a cache miss in a 256 KiB table) and kept
	// for the explanation.
	sc.featW = sc.featW[:0]
	var sum float32
	for _, h := range sc.feats {
		w := s.prior.Weight(h)
		sc.featW = append(sc.featW, w)
		sum += w
	}
	logit := s.prior.Logit(sum, len(sc.feats))
	part := &PriorPart{Probability: round3(prior.Sigmoid(logit)), Threshold: s.priorThreshold, Model: s.prior.Version}
	res.Prior = part
	if !res.Alert {
		return // de-escalation evidence alone: the prior does not decide it
	}
	part.Features = s.priorExplain(sc, d)
	part.Combined = round3(prior.Sigmoid(s.prior.Combine.LogOdds(logit, int(res.Severity), EscalationRules(*res))))
	if part.Combined < s.priorThreshold {
		part.Held = true
		res.Alert = false
		res.Severity = SevNone
		res.Score = 0
		res.Categories = res.Categories[:0]
		res.Boosts = nil
	}
}

// EscalationRules lists, once each and in evidence order, the rules whose
// kept evidence makes a verdict an alert (de-escalation evidence and hits
// downgraded to threats aside): what the prior's combination credits.
func EscalationRules(res Result) []string {
	var out []string
	for _, ev := range res.Evidence {
		if ev.Category == string(vocab.DeEscalation) || ev.Action == Downgrade || slices.Contains(out, ev.Rule) {
			continue
		}
		out = append(out, ev.Rule)
	}
	return out
}

// priorExplain lists the features that moved the model most: the three
// strongest each way, each with its text as written (lower-cased). One pass
// keeps two small top-3 lists; only the six winners are rendered.
func (s *Set) priorExplain(sc *scratch, d *doc) []PriorFeature {
	norm := 1 / math.Sqrt(float64(max(1, len(sc.feats))))
	type top struct {
		k int
		w float32
	}
	var pos, neg [3]top
	np, nn := 0, 0
	insert := func(list *[3]top, n *int, t top, better func(a, b float32) bool) {
		i := *n
		if i == len(list) {
			if !better(t.w, list[i-1].w) {
				return
			}
			i--
		} else {
			*n++
		}
		for ; i > 0 && better(t.w, list[i-1].w); i-- {
			list[i] = list[i-1]
		}
		list[i] = t
	}
	for k, w := range sc.featW {
		switch {
		case w > 0:
			insert(&pos, &np, top{k, w}, func(a, b float32) bool { return a > b })
		case w < 0:
			insert(&neg, &nn, top{k, w}, func(a, b float32) bool { return a < b })
		}
	}
	out := make([]PriorFeature, 0, np+nn)
	for _, t := range append(pos[:np:np], neg[:nn]...) {
		out = append(out, PriorFeature{Text: s.featureText(d, sc.featAt[t.k], sc.feats[t.k]), Weight: round3(float64(t.w) * norm)})
	}
	return out
}

// featureText renders a feature: the word, the pair of words, or the shape
// of a number.
func (s *Set) featureText(d *doc, at int32, h uint32) string {
	word := func(i int32) string {
		tk := d.toks[i]
		return strings.ToLower(d.text[tk.start:tk.end])
	}
	switch h {
	case prior.ShapeCount:
		return "(a count of 10 or more)"
	case prior.ShapeYear:
		return "(a year)"
	case prior.ShapeNumber:
		return "(a number)"
	}
	if at < 0 {
		return word(-at-1) + " " + word(-at)
	}
	return word(at)
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

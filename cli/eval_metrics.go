package cli

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/tocsin-alerts/tocsin/rules"
)

// evalCounts accumulates the figures `tocsin eval` reports for exactly
// labelled reports.
type evalCounts struct {
	cats []string // the rule set's vocabulary, in declaration order
	// labelCats are the categories the corpus's labels use. A predicted
	// category outside them is not counted: the dev corpus predates four
	// categories, and its README says to ignore them.
	labelCats            map[string]bool
	same                 func(a, b string) bool
	n                    int
	tp, fp, fn, tn       int
	catTP, catFP, catFN  map[string]int
	rules                map[string]*ruleCounts
	ruleOrder            []rules.RuleInfo
	sevWithin1, sevExact int
	locRight, locTotal   int
	// errByWeak counts false alerts and misses by the report's weak class
	// (the portal section's label), when the corpus has one.
	fpByWeak, fnByWeak           map[string]int
	falsePos, falseNeg, mistakes []string
}

// ruleCounts is one rule's record: how often it gave kept evidence, and how
// often that was right.
type ruleCounts struct {
	fires    int // reports where the rule's evidence was kept
	catRight int // ... whose label carries the rule's category
	escRight int // ... that are labelled escalations
}

func newEvalCounts(set *rules.Set, items []evalItem) *evalCounts {
	c := &evalCounts{cats: set.Categories().Names(), labelCats: map[string]bool{}, same: sameGazPlace(set),
		catTP: map[string]int{}, catFP: map[string]int{}, catFN: map[string]int{}, rules: map[string]*ruleCounts{},
		ruleOrder: set.Rules(), fpByWeak: map[string]int{}, fnByWeak: map[string]int{}}
	for _, it := range items {
		if it.exact != nil {
			for _, k := range it.exact.Categories {
				c.labelCats[k] = true
			}
		}
	}
	return c
}

func (c *evalCounts) add(it evalItem, res rules.Result) {
	lb := it.exact
	esc := *lb.Escalation
	c.n++
	title := it.Title
	if title == "" {
		title = it.Text
	}
	switch {
	case esc && res.Alert:
		c.tp++
	case esc:
		c.fn++
		c.fnByWeak[it.WeakLabel]++
		c.falseNeg = append(c.falseNeg, fmt.Sprintf("%s  %s  [want %s %s]", it.ID, clip(title, 90), lb.Severity, strings.Join(lb.Categories, ",")))
	case res.Alert:
		c.fp++
		c.fpByWeak[it.WeakLabel]++
		why := ""
		if len(res.Evidence) > 0 {
			why = res.Evidence[0].Rule + ": " + clip(res.Evidence[0].Match, 60)
		}
		c.falsePos = append(c.falsePos, fmt.Sprintf("%s  %s  [got %s via %s]", it.ID, clip(title, 90), res.Severity, why))
	default:
		c.tn++
	}
	want := map[string]bool{}
	for _, k := range lb.Categories {
		want[k] = true
	}
	got := map[string]bool{}
	for _, k := range res.Categories {
		if c.labelCats[k] {
			got[k] = true
		}
	}
	var missing, extra []string
	for _, k := range c.cats {
		switch {
		case got[k] && want[k]:
			c.catTP[k]++
		case got[k]:
			c.catFP[k]++
			extra = append(extra, k)
		case want[k]:
			c.catFN[k]++
			missing = append(missing, k)
		}
	}
	c.addRules(res, want, esc)
	if esc {
		c.addSeverityLocation(it, res)
	}
	if len(missing) > 0 || len(extra) > 0 {
		c.mistakes = append(c.mistakes, fmt.Sprintf("%s  categories missing %v extra %v", it.ID, missing, extra))
	}
}

func (c *evalCounts) addRules(res rules.Result, want map[string]bool, esc bool) {
	seen := map[string]bool{}
	for _, ev := range res.Evidence {
		if seen[ev.Rule] {
			continue
		}
		seen[ev.Rule] = true
		rc := c.rules[ev.Rule]
		if rc == nil {
			rc = &ruleCounts{}
			c.rules[ev.Rule] = rc
		}
		rc.fires++
		if want[ev.Category] {
			rc.catRight++
		}
		if esc {
			rc.escRight++
		}
	}
}

func (c *evalCounts) addSeverityLocation(it evalItem, res rules.Result) {
	lb := it.exact
	wantSev, _ := rules.ParseSeverity(lb.Severity)
	d := int(wantSev) - int(res.Severity)
	if d == 0 {
		c.sevExact++
	}
	if d >= -1 && d <= 1 {
		c.sevWithin1++
	} else {
		c.mistakes = append(c.mistakes, fmt.Sprintf("%s  severity %s, want %s", it.ID, res.Severity, lb.Severity))
	}
	if lb.Location == "" || !res.Alert {
		return // nothing to compare with; a place is shown only on an alert
	}
	c.locTotal++
	if locationMatches(res.Location, lb.Location, c.same) {
		c.locRight++
	} else {
		c.mistakes = append(c.mistakes, fmt.Sprintf("%s  location %q, want %q", it.ID, res.Location, lb.Location))
	}
}

// Rate is a proportion with its 95% Wilson score interval: honest for the
// small counts and extreme rates a labelled sample gives.
type Rate struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
	Num   int     `json:"num"`
	Den   int     `json:"den"`
}

func wilson(k, n int) Rate {
	r := Rate{Num: k, Den: n}
	if n == 0 {
		return r
	}
	const z = 1.959963984540054
	p := float64(k) / float64(n)
	nn := float64(n)
	den := 1 + z*z/nn
	centre := (p + z*z/(2*nn)) / den
	half := z * math.Sqrt(p*(1-p)/nn+z*z/(4*nn*nn)) / den
	r.Value, r.Low, r.High = p, max(0, centre-half), min(1, centre+half)
	return r
}

func (r Rate) String() string {
	return fmt.Sprintf("%.3f [%.3f, %.3f]", r.Value, r.Low, r.High)
}

// Metrics are the figures `tocsin eval` reports.
type Metrics struct {
	Reports          int                      `json:"reports"`
	TP               int                      `json:"tp"`
	FP               int                      `json:"fp"`
	FN               int                      `json:"fn"`
	TN               int                      `json:"tn"`
	Precision        float64                  `json:"precision"`
	Recall           float64                  `json:"recall"`
	F1               float64                  `json:"f1"`
	PrecisionCI      Rate                     `json:"precision_ci"`
	RecallCI         Rate                     `json:"recall_ci"`
	FalseAlarmRate   Rate                     `json:"false_alarm_rate"`
	CategoryMicroF1  float64                  `json:"category_micro_f1"`
	SeverityWithin1  float64                  `json:"severity_within_one"`
	SeverityExact    float64                  `json:"severity_exact"`
	LocationAccuracy float64                  `json:"location_accuracy"`
	PerCategoryF1    map[string]float64       `json:"per_category_f1"`
	PerCategory      map[string]CategoryStats `json:"per_category"`
	PerRule          map[string]RuleStats     `json:"per_rule"`
	// ErrorsByWeakLabel counts false alerts and misses per weak class.
	ErrorsByWeakLabel map[string][2]int `json:"errors_by_weak_label,omitempty"`
	Weak              *WeakMetrics      `json:"weak,omitempty"`
	// SecondOpinion is set when a model was configured for the run.
	SecondOpinion *OpinionMetrics `json:"second_opinion,omitempty"`
}

// CategoryStats are one category's counts and figures.
type CategoryStats struct {
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// RuleStats are one rule's figures: Precision is the share of its firings
// whose label carries its category, Recall the share of reports labelled
// with its category that it fired on, EscalationPrecision the share of its
// firings on labelled escalations.
type RuleStats struct {
	Category            string  `json:"category"`
	Fires               int     `json:"fires"`
	Precision           float64 `json:"precision"`
	Recall              float64 `json:"recall"`
	EscalationPrecision float64 `json:"escalation_precision"`
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func f1(tp, fp, fn int) float64 {
	p, r := ratio(tp, tp+fp), ratio(tp, tp+fn)
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func (c *evalCounts) metrics() Metrics {
	m := Metrics{Reports: c.n, TP: c.tp, FP: c.fp, FN: c.fn, TN: c.tn, PerCategoryF1: map[string]float64{},
		PerCategory: map[string]CategoryStats{}, PerRule: map[string]RuleStats{}}
	m.PrecisionCI, m.RecallCI = wilson(c.tp, c.tp+c.fp), wilson(c.tp, c.tp+c.fn)
	m.FalseAlarmRate = wilson(c.fp, c.fp+c.tn)
	m.Precision, m.Recall, m.F1 = m.PrecisionCI.Value, m.RecallCI.Value, f1(c.tp, c.fp, c.fn)
	var tp, fp, fn int
	for _, k := range c.cats {
		tp += c.catTP[k]
		fp += c.catFP[k]
		fn += c.catFN[k]
		if c.catTP[k]+c.catFP[k]+c.catFN[k] > 0 {
			m.PerCategoryF1[k] = f1(c.catTP[k], c.catFP[k], c.catFN[k])
			m.PerCategory[k] = CategoryStats{TP: c.catTP[k], FP: c.catFP[k], FN: c.catFN[k],
				Precision: ratio(c.catTP[k], c.catTP[k]+c.catFP[k]), Recall: ratio(c.catTP[k], c.catTP[k]+c.catFN[k]),
				F1: m.PerCategoryF1[k]}
		}
	}
	for _, ri := range c.ruleOrder {
		rc := c.rules[ri.ID]
		if rc == nil {
			continue
		}
		m.PerRule[ri.ID] = RuleStats{Category: ri.Category, Fires: rc.fires, Precision: ratio(rc.catRight, rc.fires),
			Recall: ratio(rc.catRight, c.catTP[ri.Category]+c.catFN[ri.Category]), EscalationPrecision: ratio(rc.escRight, rc.fires)}
	}
	m.CategoryMicroF1 = f1(tp, fp, fn)
	truePos := c.tp + c.fn
	m.SeverityWithin1 = ratio(c.sevWithin1, truePos)
	m.SeverityExact = ratio(c.sevExact, truePos)
	m.LocationAccuracy = ratio(c.locRight, c.locTotal)
	if len(c.fpByWeak)+len(c.fnByWeak) > 0 {
		m.ErrorsByWeakLabel = map[string][2]int{}
		for k, v := range c.fpByWeak {
			e := m.ErrorsByWeakLabel[k]
			e[0] = v
			m.ErrorsByWeakLabel[k] = e
		}
		for k, v := range c.fnByWeak {
			e := m.ErrorsByWeakLabel[k]
			e[1] = v
			m.ErrorsByWeakLabel[k] = e
		}
		delete(m.ErrorsByWeakLabel, "")
	}
	return m
}

func (c *evalCounts) print(w io.Writer, m Metrics, verbose bool) {
	fmt.Fprintf(w, "reports %d   alerts: tp %d  fp %d  fn %d  tn %d\n", m.Reports, c.tp, c.fp, c.fn, c.tn)
	fmt.Fprintf(w, "alert precision %s  recall %s  F1 %.3f   (95%% Wilson intervals)\n", m.PrecisionCI, m.RecallCI, m.F1)
	fmt.Fprintf(w, "false alarms %s of non-escalations\n", m.FalseAlarmRate)
	fmt.Fprintf(w, "category micro-F1 %.3f\n", m.CategoryMicroF1)
	fmt.Fprintf(w, "severity within one level %.3f (exact %.3f) of true escalations\n", m.SeverityWithin1, m.SeverityExact)
	fmt.Fprintf(w, "location right %.3f of alerts on true escalations with a labelled place (%d)\n", m.LocationAccuracy, c.locTotal)
	if len(m.ErrorsByWeakLabel) > 0 {
		fmt.Fprintf(w, "\nerrors by weak label    false alerts  misses\n")
		keys := make([]string, 0, len(m.ErrorsByWeakLabel))
		for k := range m.ErrorsByWeakLabel {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %-20s %13d %7d\n", k, m.ErrorsByWeakLabel[k][0], m.ErrorsByWeakLabel[k][1])
		}
	}
	fmt.Fprintf(w, "\n%-20s %5s %5s %5s %6s %6s %6s\n", "category", "tp", "fp", "fn", "P", "R", "F1")
	for _, k := range c.cats {
		st, ok := m.PerCategory[k]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "%-20s %5d %5d %5d %6.3f %6.3f %6.3f\n", k, st.TP, st.FP, st.FN, st.Precision, st.Recall, st.F1)
	}
	fmt.Fprintf(w, "\n%-26s %-18s %5s %6s %6s %6s\n", "rule", "category", "fires", "P", "R", "P(esc)")
	for _, ri := range c.ruleOrder {
		st, ok := m.PerRule[ri.ID]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "%-26s %-18s %5d %6.3f %6.3f %6.3f\n", clip(ri.ID, 26), clip(st.Category, 18), st.Fires, st.Precision, st.Recall, st.EscalationPrecision)
	}
	printList(w, "false alerts", c.falsePos)
	printList(w, "missed escalations", c.falseNeg)
	if verbose {
		printList(w, "other mistakes", slices.Clip(c.mistakes))
	}
}

func printList(w io.Writer, title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s (%d):\n", title, len(lines))
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
}

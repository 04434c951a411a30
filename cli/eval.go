package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// label is the corpus label (../shared/corpus/README.md).
type label struct {
	Escalation bool     `json:"escalation"`
	Categories []string `json:"categories"`
	Severity   string   `json:"severity"`
	Location   string   `json:"location"`
	Note       string   `json:"note"`
}

// evalCounts accumulates the figures `tocsin eval` reports.
type evalCounts struct {
	cats                         []string
	tp, fp, fn, tn               int
	catTP, catFP, catFN          map[string]int
	sevWithin1, sevExact         int
	locRight, locTotal           int
	falsePos, falseNeg, mistakes []string
}

// cmdEval measures detection against a labelled corpus.
func cmdEval(ctx context.Context, env Env) int {
	fs := newFlagSet("eval", env)
	rulesDir := rulesFlag(fs)
	verbose := fs.Bool("v", false, "also list category, severity and location mistakes")
	asJSON := fs.Bool("json", false, "print the metrics as one JSON object")
	so := secondOpinionFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: tocsin eval [--rules DIR] [-v] [--json] CORPUS.jsonl ...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(env.Args); err != nil {
		return ExitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return ExitUsage
	}
	set, code := loadRules(*rulesDir, env.Stderr)
	if set == nil {
		return code
	}
	var items []report.Labelled
	for _, p := range fs.Args() {
		f, err := os.Open(p)
		if err != nil {
			fmt.Fprintln(env.Stderr, "tocsin:", err)
			return ExitUsage
		}
		ls, err := report.ParseJSONL(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(env.Stderr, "tocsin: %s: %v\n", p, err)
			return ExitUsage
		}
		items = append(items, ls...)
	}
	op, err := so.open(env, set.Categories().Names())
	if err != nil {
		fmt.Fprintln(env.Stderr, "tocsin eval:", err)
		return ExitUsage
	}
	c := evalCounts{cats: set.Categories().Names(), catTP: map[string]int{}, catFP: map[string]int{}, catFN: map[string]int{}}
	for _, it := range items {
		var lb label
		if len(it.Label) == 0 || json.Unmarshal(it.Label, &lb) != nil {
			fmt.Fprintf(env.Stderr, "tocsin: %s has no usable label; skipped\n", it.ID)
			continue
		}
		res := set.Score(it.Report)
		c.add(it, lb, res, set, *verbose)
		if op != nil {
			if ctx.Err() != nil {
				return ExitFailure
			}
			op.add(ctx, it.Report, res, lb.Escalation)
		}
	}
	w := bufio.NewWriter(env.Stdout)
	defer w.Flush()
	m := c.metrics()
	if op != nil {
		m.SecondOpinion = op.metrics()
	}
	if *asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(m)
		return ExitOK
	}
	c.print(w, m, *verbose)
	if op != nil {
		op.print(w)
	}
	return ExitOK
}

func (c *evalCounts) add(it report.Labelled, lb label, res rules.Result, set *rules.Set, verbose bool) {
	switch {
	case lb.Escalation && res.Alert:
		c.tp++
	case lb.Escalation:
		c.fn++
		c.falseNeg = append(c.falseNeg, fmt.Sprintf("%s  %s  [want %s %s]", it.ID, clip(it.Title, 90), lb.Severity, strings.Join(lb.Categories, ",")))
	case res.Alert:
		c.fp++
		why := ""
		if len(res.Evidence) > 0 {
			why = res.Evidence[0].Rule + ": " + clip(res.Evidence[0].Match, 60)
		}
		c.falsePos = append(c.falsePos, fmt.Sprintf("%s  %s  [got %s via %s]", it.ID, clip(it.Title, 90), res.Severity, why))
	default:
		c.tn++
	}
	want := map[string]bool{}
	for _, k := range lb.Categories {
		want[k] = true
	}
	got := map[string]bool{}
	for _, k := range res.Categories {
		got[k] = true
	}
	for k := range got {
		if want[k] {
			c.catTP[k]++
		} else {
			c.catFP[k]++
		}
	}
	var missing, extra []string
	for k := range want {
		if !got[k] {
			c.catFN[k]++
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	if lb.Escalation {
		wantSev, _ := rules.ParseSeverity(lb.Severity)
		d := int(wantSev) - int(res.Severity)
		if d == 0 {
			c.sevExact++
		}
		if d >= -1 && d <= 1 {
			c.sevWithin1++
		} else if verbose {
			c.mistakes = append(c.mistakes, fmt.Sprintf("%s  severity %s, want %s", it.ID, res.Severity, lb.Severity))
		}
		c.locTotal++
		if locationMatches(res.Location, lb.Location, sameGazPlace(set)) {
			c.locRight++
		} else if verbose {
			c.mistakes = append(c.mistakes, fmt.Sprintf("%s  location %q, want %q", it.ID, res.Location, lb.Location))
		}
	}
	if verbose && (len(missing) > 0 || len(extra) > 0) {
		sort.Strings(missing)
		sort.Strings(extra)
		c.mistakes = append(c.mistakes, fmt.Sprintf("%s  categories missing %v extra %v", it.ID, missing, extra))
	}
}

// Metrics are the figures `tocsin eval` reports.
type Metrics struct {
	Reports          int                `json:"reports"`
	Precision        float64            `json:"precision"`
	Recall           float64            `json:"recall"`
	F1               float64            `json:"f1"`
	CategoryMicroF1  float64            `json:"category_micro_f1"`
	SeverityWithin1  float64            `json:"severity_within_one"`
	SeverityExact    float64            `json:"severity_exact"`
	LocationAccuracy float64            `json:"location_accuracy"`
	PerCategoryF1    map[string]float64 `json:"per_category_f1"`
	// SecondOpinion is set when a model was configured for the run.
	SecondOpinion *OpinionMetrics `json:"second_opinion,omitempty"`
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
	m := Metrics{Reports: c.tp + c.fp + c.fn + c.tn, PerCategoryF1: map[string]float64{}}
	m.Precision = ratio(c.tp, c.tp+c.fp)
	m.Recall = ratio(c.tp, c.tp+c.fn)
	m.F1 = f1(c.tp, c.fp, c.fn)
	var tp, fp, fn int
	for _, k := range c.cats {
		tp += c.catTP[k]
		fp += c.catFP[k]
		fn += c.catFN[k]
		if c.catTP[k]+c.catFP[k]+c.catFN[k] > 0 {
			m.PerCategoryF1[k] = f1(c.catTP[k], c.catFP[k], c.catFN[k])
		}
	}
	m.CategoryMicroF1 = f1(tp, fp, fn)
	truePos := c.tp + c.fn
	m.SeverityWithin1 = ratio(c.sevWithin1, truePos)
	m.SeverityExact = ratio(c.sevExact, truePos)
	m.LocationAccuracy = ratio(c.locRight, c.locTotal)
	return m
}

func (c *evalCounts) print(w io.Writer, m Metrics, verbose bool) {
	fmt.Fprintf(w, "reports %d   alerts: tp %d  fp %d  fn %d  tn %d\n", m.Reports, c.tp, c.fp, c.fn, c.tn)
	fmt.Fprintf(w, "alert precision %.3f  recall %.3f  F1 %.3f\n", m.Precision, m.Recall, m.F1)
	fmt.Fprintf(w, "category micro-F1 %.3f\n", m.CategoryMicroF1)
	fmt.Fprintf(w, "severity within one level %.3f (exact %.3f) of true escalations\n", m.SeverityWithin1, m.SeverityExact)
	fmt.Fprintf(w, "location right %.3f of true escalations\n\n", m.LocationAccuracy)
	fmt.Fprintf(w, "%-20s %5s %5s %5s %6s\n", "category", "tp", "fp", "fn", "F1")
	for _, k := range c.cats {
		if c.catTP[k]+c.catFP[k]+c.catFN[k] == 0 {
			continue
		}
		fmt.Fprintf(w, "%-20s %5d %5d %5d %6.3f\n", k, c.catTP[k], c.catFP[k], c.catFN[k], m.PerCategoryF1[k])
	}
	if len(c.falsePos) > 0 {
		fmt.Fprintf(w, "\nfalse alerts (%d):\n", len(c.falsePos))
		for _, l := range c.falsePos {
			fmt.Fprintln(w, "  "+l)
		}
	}
	if len(c.falseNeg) > 0 {
		fmt.Fprintf(w, "\nmissed escalations (%d):\n", len(c.falseNeg))
		for _, l := range c.falseNeg {
			fmt.Fprintln(w, "  "+l)
		}
	}
	if verbose && len(c.mistakes) > 0 {
		fmt.Fprintf(w, "\nother mistakes (%d):\n", len(c.mistakes))
		for _, l := range c.mistakes {
			fmt.Fprintln(w, "  "+l)
		}
	}
}

// locationMatches compares a predicted place with a corpus label. A label
// may name several places ("Paris, France; Raqqa, Syria", "Nasir, Upper
// Nile, and Juba, South Sudan", "Ukraine (Kyiv, Dnipro)"); the prediction is
// right when its place (first component) names one of them, ignoring words
// like "province", or is the same gazetteer place under another spelling
// (Severodonetsk, Sievierodonetsk), or when the label names only a country
// and the prediction is in it.
func locationMatches(pred, lb string, same func(a, b string) bool) bool {
	if pred == "" {
		return false
	}
	pp := splitPlace(pred)
	if len(pp) == 0 {
		return false
	}
	lb = strings.NewReplacer("(", ";", ")", ";").Replace(lb)
	for _, part := range strings.FieldsFunc(lb, func(r rune) bool { return r == ';' || r == '/' }) {
		lp := splitPlace(part)
		if len(lp) == 0 {
			continue
		}
		named := lp
		if len(lp) > 1 {
			named = lp[:len(lp)-1] // the last component is the country
		}
		for _, comp := range named {
			for _, alt := range strings.Split(strings.TrimPrefix(comp, "and "), " and ") {
				if placeEq(pp[0], alt) || (same != nil && same(pp[0], alt)) {
					return true
				}
			}
		}
		if len(lp) == 1 && placeEq(pp[len(pp)-1], lp[0]) {
			return true
		}
	}
	return false
}

// sameGazPlace reports whether two names are the same gazetteer place.
func sameGazPlace(set *rules.Set) func(a, b string) bool {
	g := set.Gazetteer()
	if g == nil {
		return nil
	}
	return func(a, b string) bool {
		pa, pb := g.Lookup(a), g.Lookup(b)
		return len(pa) > 0 && len(pb) > 0 && pa[0] == pb[0]
	}
}

func splitPlace(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		for _, w := range []string{" provinces", " province", " regions", " region", " governorate", " oblast", " state", " city", " district", "the "} {
			p = strings.ReplaceAll(p, w, "")
		}
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func placeEq(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	return a != "" && b != "" && (a == b || strings.Contains(a, b) || strings.Contains(b, a))
}

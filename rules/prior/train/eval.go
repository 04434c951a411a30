package main

import (
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/tocsin-alerts/tocsin/rules/prior"
)

// evaluation prints how the held-out predictions do.
type evaluation struct{}

// evaluate prints the prior's own quality on held-out hand-labelled items:
// ROC AUC and log loss per group.
func evaluate(items []item, oof map[int]float64) evaluation {
	groups := map[string][]int{}
	var order []string
	for i, it := range items {
		if !it.exact {
			continue
		}
		if groups[it.group] == nil {
			order = append(order, it.group)
		}
		groups[it.group] = append(groups[it.group], i)
	}
	for _, g := range order {
		idx := groups[g]
		var scores []float64
		var labels []bool
		loss := 0.0
		for _, i := range idx {
			z := oof[i]
			y := items[i].target == 1
			scores, labels = append(scores, z), append(labels, y)
			p := prior.Sigmoid(z)
			if y {
				loss -= math.Log(max(p, 1e-9))
			} else {
				loss -= math.Log(max(1-p, 1e-9))
			}
		}
		fmt.Printf("held-out %-13s %5d items: prior alone AUC %.3f, log loss %.3f\n", g, len(idx), auc(scores, labels), loss/float64(len(idx)))
	}
	return evaluation{}
}

// combined prints alert precision and recall of the rules alone and of the
// rules with the prior, on held-out hand-labelled items.
func (evaluation) combined(w io.Writer, items []item, oof map[int]float64, combs []prior.Combination, threshold float64) {
	type pr struct{ tp, fp, fn int }
	rulesOnly, both := map[string]*pr{}, map[string]*pr{}
	var order []string
	for i, it := range items {
		if !it.exact {
			continue
		}
		if rulesOnly[it.group] == nil {
			rulesOnly[it.group], both[it.group] = &pr{}, &pr{}
			order = append(order, it.group)
		}
		y := it.target == 1
		keep := it.ruleAlert && prior.Sigmoid(combs[it.fold].LogOdds(oof[i], it.severity, it.rules)) >= threshold
		for _, c := range []struct {
			m     *pr
			alert bool
		}{{rulesOnly[it.group], it.ruleAlert}, {both[it.group], keep}} {
			switch {
			case y && c.alert:
				c.m.tp++
			case y:
				c.m.fn++
			case c.alert:
				c.m.fp++
			}
		}
	}
	f := func(m *pr) string {
		p := float64(m.tp) / math.Max(1, float64(m.tp+m.fp))
		r := float64(m.tp) / math.Max(1, float64(m.tp+m.fn))
		return fmt.Sprintf("P %.3f R %.3f (tp %d fp %d fn %d)", p, r, m.tp, m.fp, m.fn)
	}
	for _, g := range order {
		fmt.Fprintf(w, "held-out %-13s rules alone %s | with prior %s\n", g, f(rulesOnly[g]), f(both[g]))
	}
}

// auc is the ROC area: the chance a random positive outranks a random
// negative (ties count half).
func auc(scores []float64, labels []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var pos, neg, rankSum float64
	for r := 0; r < len(idx); {
		s := r
		for r < len(idx) && scores[idx[r]] == scores[idx[s]] {
			r++
		}
		mid := float64(s+r+1) / 2 // average 1-based rank of the tie group
		for _, i := range idx[s:r] {
			if labels[i] {
				rankSum += mid
				pos++
			} else {
				neg++
			}
		}
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// listMistakes prints the hand-labelled items the combination gets wrong on
// held-out predictions: escalations it holds back, false alarms it keeps.
func listMistakes(w io.Writer, items []item, oof map[int]float64, combs []prior.Combination, threshold float64) {
	for i, it := range items {
		if !it.exact || !it.ruleAlert || it.group == "portal-weak" {
			continue
		}
		pc := prior.Sigmoid(combs[it.fold].LogOdds(oof[i], it.severity, it.rules))
		y := it.target == 1
		switch {
		case y && pc < threshold:
			fmt.Fprintf(w, "  held  %-12s %-34s p %.3f comb %.3f sev %d  %s\n", it.group, it.id, prior.Sigmoid(oof[i]), pc, it.severity, it.text)
		case !y && pc >= threshold:
			fmt.Fprintf(w, "  kept  %-12s %-34s p %.3f comb %.3f sev %d  %s\n", it.group, it.id, prior.Sigmoid(oof[i]), pc, it.severity, it.text)
		}
	}
}

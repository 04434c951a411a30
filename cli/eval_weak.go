package cli

import (
	"fmt"
	"io"
	"sort"

	"github.com/tocsin-alerts/tocsin/rules"
)

// weakCounts tallies alert rates on a weakly labelled corpus (the Wikipedia
// Current Events Portal file: weak_label conflict / mixed / not_conflict by
// the section an item was filed under). An alert on a not_conflict item is
// almost surely a false alarm; the alert rate on conflict items, read
// against the share of them that are escalations, says how much is missed.
type weakCounts struct {
	n        int
	byLabel  map[string]*weakTally
	bySect   map[string]*weakTally
	alerting map[string][]string // weak label → alerting items, for -v
}

type weakTally struct{ items, alerts int }

func newWeakCounts() *weakCounts {
	return &weakCounts{byLabel: map[string]*weakTally{}, bySect: map[string]*weakTally{}, alerting: map[string][]string{}}
}

func (c *weakCounts) add(it evalItem, res rules.Result) {
	c.n++
	tally := func(m map[string]*weakTally, k string) {
		t := m[k]
		if t == nil {
			t = &weakTally{}
			m[k] = t
		}
		t.items++
		if res.Alert {
			t.alerts++
		}
	}
	tally(c.byLabel, it.WeakLabel)
	if it.Section != "" {
		tally(c.bySect, it.WeakLabel+" / "+it.Section)
	}
	if res.Alert {
		why := ""
		if len(res.Evidence) > 0 {
			why = res.Evidence[0].Rule
		}
		text := it.Title
		if text == "" {
			text = it.Text
		}
		c.alerting[it.WeakLabel] = append(c.alerting[it.WeakLabel],
			fmt.Sprintf("%s  [%s %s via %s]  %s", it.ID, res.Severity, res.Location, why, clip(text, 140)))
	}
}

// WeakMetrics are the alert rates per weak label and per section.
type WeakMetrics struct {
	Reports   int             `json:"reports"`
	ByLabel   map[string]Rate `json:"by_weak_label"`
	BySection map[string]Rate `json:"by_section"`
}

func (c *weakCounts) metrics() *WeakMetrics {
	if c.n == 0 {
		return nil
	}
	m := &WeakMetrics{Reports: c.n, ByLabel: map[string]Rate{}, BySection: map[string]Rate{}}
	for k, t := range c.byLabel {
		m.ByLabel[k] = wilson(t.alerts, t.items)
	}
	for k, t := range c.bySect {
		m.BySection[k] = wilson(t.alerts, t.items)
	}
	return m
}

func (c *weakCounts) print(w io.Writer, m *WeakMetrics, verbose, gap bool) {
	if gap {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "weakly labelled reports %d: alert rate (95%% Wilson interval)\n", m.Reports)
	for _, k := range sortedKeys(m.ByLabel) {
		r := m.ByLabel[k]
		fmt.Fprintf(w, "  %-14s %6d items %6d alerts  %s\n", k, r.Den, r.Num, r)
	}
	fmt.Fprintln(w, "by section:")
	for _, k := range sortedKeys(m.BySection) {
		r := m.BySection[k]
		fmt.Fprintf(w, "  %-52s %6d %6d  %s\n", clip(k, 52), r.Den, r.Num, r)
	}
	if verbose {
		for _, k := range sortedKeys(m.ByLabel) {
			printList(w, "alerting "+k+" items", c.alerting[k])
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

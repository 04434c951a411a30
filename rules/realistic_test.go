package rules

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tocsin-alerts/tocsin/report"
)

// Realistic rule sets: what a team that watches many regions writes. Each
// generated rule is a copy of a built-in rule made specific to one region
// (its country, demonym, capital and largest cities, or a curated list of
// the places and parties of a conflict), in one of two ways admins use:
//
//   - region in the match: the region's names are one more "all" group, so
//     the region must be named in the sentence of the event ("an air strike
//     in Idlib");
//   - region as required context: the built-in match unchanged, plus a
//     report-wide suppressor with absent: true that drops the hit when the
//     report never names the region ("an air strike, in a story about
//     Syria").
//
// The first costs a lookup of the region's names; the second shares every
// trigger word of the built-in rule with all its copies, which is what made
// large sets slow.

// variantKind is how a generated rule names its region.
type variantKind string

const (
	regionInMatch   variantKind = "match"
	regionAsContext variantKind = "context"
)

// realisticSizes are the generated set sizes measured, beside the built-in
// rules they are added to.
var realisticSizes = []int{100, 1000, 5000}

// region is a named list of the places and parties of one region.
type region struct {
	slug, name string
	terms      []string
}

// realisticRegions returns the regions generated rules are written for:
// the curated conflict regions of genRegions first, then every country of
// the gazetteer's data by population (name, demonyms, capital and its five
// largest cities), enough for 5,000 rules.
func realisticRegions(tb testing.TB) []region {
	tb.Helper()
	var out []region
	covered := map[string]bool{}
	for i, terms := range genRegions {
		out = append(out, region{slug: fmt.Sprintf("r%02d", i), name: terms[0], terms: terms})
		for _, t := range terms {
			covered[strings.ToLower(t)] = true
		}
	}
	countries, cities := readGeoTSV(tb, "geo/data/countries.tsv"), readGeoTSV(tb, "geo/data/cities.tsv")
	sort.SliceStable(countries, func(a, b int) bool { return geoPop(countries[a][4]) > geoPop(countries[b][4]) })
	byCC := map[string][][]string{}
	for _, c := range cities {
		byCC[c[0]] = append(byCC[c[0]], c)
	}
	for _, c := range countries {
		cc, name := c[0], c[1]
		if covered[strings.ToLower(name)] {
			continue
		}
		terms := []string{name}
		for _, d := range strings.Split(c[3], ";") {
			if d != "" {
				terms = append(terms, d)
			}
		}
		cs := byCC[cc]
		sort.SliceStable(cs, func(a, b int) bool { return geoPop(cs[a][3]) > geoPop(cs[b][3]) })
		seen := map[string]bool{strings.ToLower(c[5]): true}
		terms = append(terms, c[5])
		for _, city := range cs {
			if len(terms) >= 2+len(strings.Split(c[3], ";"))+5 {
				break
			}
			if !seen[strings.ToLower(city[1])] {
				seen[strings.ToLower(city[1])] = true
				terms = append(terms, city[1])
			}
		}
		out = append(out, region{slug: strings.ToLower(cc), name: name, terms: terms})
	}
	return out
}

// readGeoTSV reads the rows of one of the gazetteer's data files.
func readGeoTSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return rows
}

// geoPop reads "41M", "80k" or "1602264".
func geoPop(s string) float64 {
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "M"):
		s, mult = strings.TrimSuffix(s, "M"), 1e6
	case strings.HasSuffix(s, "k"):
		s, mult = strings.TrimSuffix(s, "k"), 1e3
	}
	v, _ := strconv.ParseFloat(s, 64)
	return v * mult
}

// builtinRuleNodes returns the YAML of every enabled built-in rule, in file
// order.
func builtinRuleNodes(tb testing.TB) []*yaml.Node {
	tb.Helper()
	files, err := DefaultFiles()
	if err != nil {
		tb.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*yaml.Node
	for _, n := range names {
		var doc yaml.Node
		if err := yaml.Unmarshal(files[n], &doc); err != nil {
			tb.Fatal(err)
		}
		rs := mapValue(doc.Content[0], "rules")
		if rs == nil {
			continue
		}
		for _, r := range rs.Content {
			if e := mapValue(r, "enabled"); e != nil && e.Value == "false" {
				continue
			}
			out = append(out, r)
		}
	}
	return out
}

// generateRealistic writes n region variants of the built-in rules, region
// by region, one rule file per region with the region's term list (the way
// a team that watches many regions keeps them: a file each).
func generateRealistic(tb testing.TB, kind variantKind, n int) map[string][]byte {
	tb.Helper()
	base := builtinRuleNodes(tb)
	regions := realisticRegions(tb)
	out := map[string][]byte{}
	made := 0
	for ri, reg := range regions {
		if made >= n {
			break
		}
		list := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, t := range reg.terms {
			list.Content = append(list.Content, yscalar(t))
		}
		lists := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{yscalar("region_" + reg.slug), list}}
		rules := &yaml.Node{Kind: yaml.SequenceNode}
		for _, b := range base {
			if made >= n {
				break
			}
			rules.Content = append(rules.Content, variant(b, kind, reg))
			made++
		}
		root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{yscalar("lists"), lists, yscalar("rules"), rules}}
		b, err := yaml.Marshal(root)
		if err != nil {
			tb.Fatal(err)
		}
		head := fmt.Sprintf("# Region variants (%s) of the built-in rules for %s, generated by realistic_test.go.\n", kind, reg.name)
		out[fmt.Sprintf("zz-region-%03d-%s.yaml", ri, reg.slug)] = append([]byte(head), b...)
	}
	if made < n {
		tb.Fatalf("only %d regions: %d rules, want %d", len(regions), made, n)
	}
	return out
}

// variant copies a built-in rule for one region.
func variant(b *yaml.Node, kind variantKind, reg region) *yaml.Node {
	r := deepCopy(b)
	id := mapValue(r, "id")
	id.Value += "-" + reg.slug
	if t := mapValue(r, "title"); t != nil {
		t.Value += " (" + reg.name + ")"
	}
	deleteKey(r, "examples")
	ref := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{yscalar("@region_" + reg.slug)}}
	switch kind {
	case regionAsContext:
		sup := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: []*yaml.Node{
			yscalar("id"), yscalar("region"), yscalar("terms"), ref, yscalar("scope"), yscalar("report"),
			yscalar("absent"), yscalar("true"), yscalar("action"), yscalar("drop"), yscalar("why"), yscalar("not about " + reg.name),
		}}
		if u := mapValue(r, "unless"); u != nil {
			u.Content = append(u.Content, sup)
		} else {
			r.Content = append(r.Content, yscalar("unless"), &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{sup}})
		}
	case regionInMatch:
		m := mapValue(r, "match")
		all := mapValue(m, "all")
		if o := mapValue(m, "ordered"); all != nil && (o == nil || o.Value != "true") {
			all.Content = append(all.Content, ref) // one more group; the trigger stays first
			break
		}
		// An "any", a term list or an ordered "all": the built-in match
		// becomes the first group (the trigger), the region the second.
		old := deepCopy(m)
		*m = yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{yscalar("all"),
			{Kind: yaml.SequenceNode, Content: []*yaml.Node{old, ref}}}}
	}
	return r
}

func yscalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func deleteKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

func deepCopy(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = deepCopy(k)
	}
	return &c
}

// realisticSet compiles the built-in rules plus n generated variants of one
// kind, once per test binary.
func realisticSet(tb testing.TB, kind variantKind, n int) *Set {
	tb.Helper()
	key := fmt.Sprintf("%s-%d", kind, n)
	realisticMu.Lock()
	defer realisticMu.Unlock()
	if s, ok := realisticSets[key]; ok {
		return s
	}
	src := realisticSources(tb, kind, n)
	s, err := Compile(src, WithGazetteer(shared(tb).Gazetteer()))
	if err != nil {
		tb.Fatalf("%s: %v", key, err)
	}
	realisticSets[key] = s
	return s
}

var (
	realisticMu   sync.Mutex
	realisticSets = map[string]*Set{}
)

// realisticSources is the built-in rule files plus the generated one.
func realisticSources(tb testing.TB, kind variantKind, n int) map[string][]byte {
	tb.Helper()
	src, err := DefaultFiles()
	if err != nil {
		tb.Fatal(err)
	}
	for name, b := range generateRealistic(tb, kind, n) {
		src[name] = b
	}
	return src
}

// TestRealisticRuleSets checks what the realistic benchmarks rely on: each
// generated set compiles beside the built-in rules, and its rules fire on
// the dev corpus the way region-specific copies of the built-in rules
// should. A region variant with the region as required context keeps a hit
// only where its built-in rule keeps the same one (sentence, match,
// modality); one with the region in its match fires where its built-in rule
// matched (kept or suppressed) nearly always. Both fire on many reports the
// built-in rules fire on once the set covers 40 regions, and no variant
// fires on most reports (a region term that is a common word would make the
// benchmark measure noise).
func TestRealisticRuleSets(t *testing.T) {
	rs, _ := texts(t)
	base := shared(t)
	withEvidence := 0
	for _, r := range rs {
		if len(base.Score(r).Evidence) > 0 {
			withEvidence++
		}
	}
	for _, kind := range []variantKind{regionInMatch, regionAsContext} {
		for _, n := range realisticSizes {
			if testing.Short() && n > 1000 {
				continue
			}
			s := realisticSet(t, kind, n)
			if got, want := len(s.Rules()), len(base.Rules())+n; got != want {
				t.Fatalf("%s-%d: %d rules, want %d", kind, n, got, want)
			}
			st := realisticFiring(t, base, s, rs, kind == regionAsContext)
			t.Logf("%s-%d: variants kept %d hits (%.2f a report) on %d of the %d reports with built-in evidence; %d distinct variants; %d hits without their built-in rule's",
				kind, n, st.hits, float64(st.hits)/float64(len(rs)), st.reports, withEvidence, len(st.fired), st.unbacked)
			minShare := 0.1
			if n >= 1000 {
				minShare = 0.5
			}
			if float64(st.reports) < minShare*float64(withEvidence) {
				t.Errorf("%s-%d: variants fire on %d reports, want at least %.0f%% of the %d with built-in evidence", kind, n, st.reports, 100*minShare, withEvidence)
			}
			if kind == regionAsContext && st.unbacked > 0 || float64(st.unbacked) > 0.05*float64(st.hits) {
				t.Errorf("%s-%d: %d of %d variant hits not backed by their built-in rule", kind, n, st.unbacked, st.hits)
			}
			for id, c := range st.fired {
				if 2*c > len(rs) {
					t.Errorf("%s-%d: %s fires on %d of %d reports", kind, n, id, c, len(rs))
				}
			}
		}
	}
}

// firing is how a generated set's variants fired on a corpus.
type firing struct {
	hits, reports int
	unbacked      int            // kept hits whose built-in rule kept (context) or matched (match) nothing alike
	fired         map[string]int // variant id -> reports
}

func realisticFiring(t *testing.T, base, s *Set, rs []report.Report, context bool) firing {
	t.Helper()
	st := firing{fired: map[string]int{}}
	for _, r := range rs {
		res := s.Score(r)
		checkOffsets(t, r, res)
		any := false
		for _, ev := range res.Evidence {
			b := baseRule(base, ev.Rule)
			if b == "" {
				continue
			}
			any = true
			st.hits++
			st.fired[ev.Rule]++
			if !backed(res, b, ev, context) {
				st.unbacked++
			}
		}
		if any {
			st.reports++
		}
	}
	return st
}

// baseRule returns the built-in rule a variant id was made from, or "".
func baseRule(base *Set, id string) string {
	if _, ok := base.byID[id]; ok {
		return ""
	}
	for i := len(id) - 1; i > 0; i-- {
		if id[i] == '-' {
			if _, ok := base.byID[id[:i]]; ok {
				return id[:i]
			}
		}
	}
	return ""
}

// backed reports the variant's hit among its built-in rule's: the same kept
// hit for a context variant, any hit (kept or suppressed) for a match one.
func backed(res Result, base string, ev Evidence, context bool) bool {
	for _, b := range res.Evidence {
		if b.Rule == base && (!context || b.Sentence == ev.Sentence && b.Start == ev.Start && b.Match == ev.Match && b.Modality == ev.Modality) {
			return true
		}
	}
	if context {
		return false
	}
	for _, b := range res.Suppressed {
		if b.Rule == base {
			return true
		}
	}
	return false
}

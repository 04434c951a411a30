package rules

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tocsin-alerts/tocsin/vocab"
)

// Rule is one escalation rule as an admin wrote it (after parsing and
// validation, before compilation).
type Rule struct {
	ID          string
	Title       string
	Description string
	Owner       string
	Enabled     bool
	Category    string
	// CategoryLine is where the category was written, for problems found
	// once every file's declarations are known.
	CategoryLine int
	Severity     Severity
	// Scope is where all the match terms must be found: sentence (default),
	// paragraph or report.
	Scope string
	// Within, when > 0, requires the terms of the top-level "all" to lie
	// within that many words of each other.
	Within   int
	Match    *Cond
	Unless   []Suppressor
	Except   []string // ids of global suppressors that do not apply to this rule
	Modality map[Modality]Action
	Boosts   []Boost
	Examples Examples
	Tags     []string
	// YieldsTo lists more specific categories: the rule's hit is dropped
	// when evidence of one of them is kept on the same sentence (an armed
	// attack told as an air strike is an air strike).
	YieldsTo []string
	// NoneWithin, when > 0, lets a none-term veto the match only within
	// that many words of a hit of the first all-group (the object of the
	// act: "seized control of parliament"), not anywhere in the sentence
	// ("rebels took the city and dissolved parliament").
	NoneWithin int
	File       string
	Line       int
}

// Cond is a condition tree: a leaf is "any of these terms"; inner nodes
// combine children with all / any / none.
type Cond struct {
	Terms []string
	All   []*Cond
	Any   []*Cond
	None  []*Cond
	// Ordered requires the All groups in the order written: the actor or
	// instrument before the act ("drones struck", not "fired at a drone"),
	// or after it in the passive ("struck by drones").
	Ordered bool
	Line    int
}

// Suppressor is context that flips a hit's meaning ("snow" near "airport
// closed"): when at least Min of its terms occur in Scope, Action applies.
type Suppressor struct {
	ID     string
	Terms  []string
	Scope  string // sentence (default), paragraph, report, title
	Action Action
	Min    int
	// Absent inverts the test: the action applies when fewer than Min of
	// the terms occur in scope. It expresses required context ("only count
	// an evacuation when the report shows violence").
	Absent bool
	// Without names terms that, when any occurs in the same scope, keep
	// the suppressor from applying: a cause that looks across the report
	// ("a mine blast, a stampede or a crash is named, and no attacker").
	Without []string
	Why     string
	File    string
	Line    int
}

// Boost raises a hit's severity when its sentence (or report) shows more
// weight: a capital or major city, a counted death toll, "all flights".
type Boost struct {
	If         string // "", capital, major_city
	Terms      []string
	Scope      string // sentence (default) or report
	Casualties int    // a number >= Casualties within 6 words of a term, or of a death word
	// Near, when > 0, wants the boost's terms within Near words of a hit of
	// the match's first group (its trigger): "launched an offensive", not
	// "launched" anywhere in the sentence.
	Near     int
	Severity Severity
	Raise    int
	Why      string
	Line     int
}

// Examples are texts a rule must and must not fire on; `tocsin rules test`
// and `go test` run them.
type Examples struct {
	Match   []string
	NoMatch []string
}

// Lexicon holds what a rule set shares across rules: named term lists
// ("@weather"), modality cues and global suppressors.
type Lexicon struct {
	Lists    map[string][]string
	Cues     map[string][]string // negation, denial, hedge, historical
	Suppress []Suppressor
}

// file is the parsed content of one rule file.
type file struct {
	rules     []*Rule
	lex       Lexicon
	cats      []vocab.Def
	catLines  []int          // line of each declaration in cats
	listLines map[string]int // line of each list definition
	cueLines  map[string]int // line of each cue kind
}

var (
	scopes       = map[string]bool{"sentence": true, "paragraph": true, "report": true}
	supScopes    = map[string]bool{"sentence": true, "paragraph": true, "report": true, "title": true}
	actions      = map[string]Action{"keep": Keep, "drop": Drop, "downgrade": Downgrade, "contest": Contest}
	modalityKeys = map[string]Modality{"negated": Negated, "hedged": Hedged, "historical": Historical}
	cueKinds     = map[string]bool{"negation": true, "denial": true, "hedge": true, "historical": true, "reset": true,
		"np_negation": true, "conditional": true, "past_perfect": true, "threat": true, "actor": true, "claim": true,
		"speech": true, "title": true, "passive": true, "locative": true, "attribution": true}
	boostIfs = map[string]bool{"capital": true, "major_city": true}
)

// parseFile parses one rule file. It returns every problem it finds.
func parseFile(name string, data []byte) (*file, Problems) {
	return parseFileInterned(name, data, nil)
}

// parseFileInterned is parseFile sharing strings and term lists across the
// files of a set through in (nil: no sharing).
func parseFileInterned(name string, data []byte, in *interner) (*file, Problems) {
	p := &problems{file: name, in: in}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 0
		msg := err.Error()
		// yaml.v3 reports "yaml: line N: ..."; lift the line number out.
		if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
			if k := strings.Index(rest, ":"); k > 0 {
				line, _ = strconv.Atoi(rest[:k])
				msg = strings.TrimSpace(rest[k+1:])
			}
		}
		p.add(line, "", "invalid YAML: %s", msg)
		return nil, p.list
	}
	f := &file{}
	if len(doc.Content) == 0 {
		p.add(1, "", "empty file")
		return f, p.list
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.add(root.Line, "", "want a mapping with a 'rules' list at the top")
		return f, p.list
	}
	eachKey(p, root, "", func(key string, k, v *yaml.Node) {
		switch key {
		case "rules":
			if !isKind(p, v, yaml.SequenceNode, "rules", "a list of rules") {
				return
			}
			for i, item := range v.Content {
				if r := parseRule(p, item, fmt.Sprintf("rules[%d]", i)); r != nil {
					r.File = name
					f.rules = append(f.rules, r)
				}
			}
		case "lists":
			if !isKind(p, v, yaml.MappingNode, "lists", "a mapping of list names to terms") {
				return
			}
			f.lex.Lists = map[string][]string{}
			f.listLines = map[string]int{}
			eachKey(p, v, "lists", func(name string, kn, lv *yaml.Node) {
				f.lex.Lists[name] = termList(p, lv, "lists."+name)
				f.listLines[name] = kn.Line
			})
		case "cues":
			if !isKind(p, v, yaml.MappingNode, "cues", "a mapping of cue kinds to terms") {
				return
			}
			f.lex.Cues = map[string][]string{}
			f.cueLines = map[string]int{}
			eachKey(p, v, "cues", func(kind string, kn, lv *yaml.Node) {
				f.cueLines[kind] = kn.Line
				if !cueKinds[kind] {
					p.add(kn.Line, "cues."+kind, "unknown cue kind (want negation, denial, hedge, historical, reset, "+
						"np_negation, conditional, past_perfect, threat, actor, claim, speech, title, passive, locative or "+
						"attribution)")
					return
				}
				f.lex.Cues[kind] = termList(p, lv, "cues."+kind)
			})
		case "categories":
			if !isKind(p, v, yaml.MappingNode, "categories", "a mapping of category names to descriptions") {
				return
			}
			eachKey(p, v, "categories", func(name string, kn, dv *yaml.Node) {
				f.cats = append(f.cats, vocab.Def{Name: vocab.Category(name), Description: scalar(p, dv, "categories."+name)})
				f.catLines = append(f.catLines, kn.Line)
			})
		case "suppress":
			f.lex.Suppress = parseSuppressors(p, v, "suppress")
			for i := range f.lex.Suppress {
				f.lex.Suppress[i].File = name
			}
		default:
			p.add(k.Line, key, "unknown field (want rules, categories, lists, cues or suppress)")
		}
	})
	return f, p.list
}

func parseRule(p *problems, n *yaml.Node, path string) *Rule {
	if !isKind(p, n, yaml.MappingNode, path, "a rule mapping") {
		return nil
	}
	r := &Rule{Enabled: true, Scope: "sentence", Line: n.Line}
	sevSet := false
	eachKey(p, n, path, func(key string, k, v *yaml.Node) {
		fp := path + "." + key
		switch key {
		case "id":
			r.ID = scalar(p, v, fp)
		case "title":
			r.Title = scalar(p, v, fp)
		case "description":
			r.Description = scalar(p, v, fp)
		case "owner":
			r.Owner = scalar(p, v, fp)
		case "enabled":
			r.Enabled = boolean(p, v, fp)
		case "category":
			r.Category, r.CategoryLine = scalar(p, v, fp), v.Line
		case "severity":
			s, err := ParseSeverity(scalar(p, v, fp))
			if err != nil {
				p.add(v.Line, fp, "%v", err)
			}
			r.Severity, sevSet = s, true
		case "scope":
			r.Scope = scalar(p, v, fp)
			if !scopes[r.Scope] {
				p.add(v.Line, fp, "unknown scope %q (want sentence, paragraph or report)", r.Scope)
			}
		case "within":
			r.Within = integer(p, v, fp, 1, 100)
		case "match":
			r.Match = parseCond(p, v, fp)
		case "unless":
			r.Unless = parseSuppressors(p, v, fp)
		case "except":
			r.Except = termList(p, v, fp)
		case "modality":
			r.Modality = map[Modality]Action{}
			if !isKind(p, v, yaml.MappingNode, fp, "a mapping like {negated: drop, hedged: downgrade}") {
				return
			}
			eachKey(p, v, fp, func(mk string, mkn, mv *yaml.Node) {
				m, ok := modalityKeys[mk]
				if !ok {
					p.add(mkn.Line, fp+"."+mk, "unknown modality (want negated, hedged or historical)")
					return
				}
				r.Modality[m] = action(p, mv, fp+"."+mk)
			})
		case "boosts":
			if !isKind(p, v, yaml.SequenceNode, fp, "a list of boosts") {
				return
			}
			for i, bn := range v.Content {
				r.Boosts = append(r.Boosts, parseBoost(p, bn, fmt.Sprintf("%s[%d]", fp, i)))
			}
		case "examples":
			if !isKind(p, v, yaml.MappingNode, fp, "a mapping with match and no_match lists") {
				return
			}
			eachKey(p, v, fp, func(ek string, ekn, ev *yaml.Node) {
				switch ek {
				case "match":
					r.Examples.Match = stringList(p, ev, fp+".match")
				case "no_match":
					r.Examples.NoMatch = stringList(p, ev, fp+".no_match")
				default:
					p.add(ekn.Line, fp+"."+ek, "unknown field (want match or no_match)")
				}
			})
		case "tags":
			r.Tags = stringList(p, v, fp)
		case "yields_to":
			r.YieldsTo = stringList(p, v, fp)
		case "none_within":
			r.NoneWithin = integer(p, v, fp, 1, 50)
		default:
			p.add(k.Line, fp, "unknown field")
		}
	})
	if r.ID == "" {
		p.add(n.Line, path+".id", "required")
	}
	if r.Category == "" {
		p.add(n.Line, path+".category", "required")
	}
	if !sevSet {
		p.add(n.Line, path+".severity", "required")
	}
	if r.Match == nil {
		p.add(n.Line, path+".match", "required")
	}
	return r
}

// parseCond reads a condition: a list of terms (any of them), or a mapping
// with all / any / none whose items are terms, term lists or conditions.
func parseCond(p *problems, n *yaml.Node, path string) *Cond {
	c := &Cond{Line: n.Line}
	switch n.Kind {
	case yaml.SequenceNode, yaml.ScalarNode:
		c.Terms = termList(p, n, path)
		return c
	case yaml.MappingNode:
	default:
		p.add(n.Line, path, "want a list of terms or a mapping with all/any/none")
		return c
	}
	eachKey(p, n, path, func(key string, k, v *yaml.Node) {
		fp := path + "." + key
		if key == "ordered" {
			c.Ordered = boolean(p, v, fp)
			return
		}
		var kids []*Cond
		switch v.Kind {
		case yaml.SequenceNode:
			if len(v.Content) == 0 {
				p.add(v.Line, fp, "empty list")
			}
			var loose []string
			for i, item := range v.Content {
				ip := fmt.Sprintf("%s[%d]", fp, i)
				switch item.Kind {
				case yaml.ScalarNode:
					if key == "all" {
						kids = append(kids, &Cond{Terms: termList(p, item, ip), Line: item.Line})
					} else {
						loose = append(loose, termList(p, item, ip)...)
					}
				default:
					kids = append(kids, parseCond(p, item, ip))
				}
			}
			if len(loose) > 0 {
				kids = append(kids, &Cond{Terms: loose, Line: v.Line})
			}
		case yaml.MappingNode:
			kids = append(kids, parseCond(p, v, fp))
		case yaml.ScalarNode:
			kids = append(kids, &Cond{Terms: termList(p, v, fp), Line: v.Line})
		default:
			p.add(v.Line, fp, "want a list")
		}
		switch key {
		case "all":
			c.All = append(c.All, kids...)
		case "any":
			c.Any = append(c.Any, kids...)
		case "none":
			c.None = append(c.None, kids...)
		default:
			p.add(k.Line, fp, "unknown field (want all, any, none or ordered)")
		}
	})
	if len(c.All) == 0 && len(c.Any) == 0 {
		p.add(n.Line, path, "needs 'all' or 'any' (a condition of only 'none' matches everything)")
	}
	if c.Ordered && len(c.All) < 2 {
		p.add(n.Line, path+".ordered", "needs an 'all' of two or more groups to order")
	}
	return c
}

func parseSuppressors(p *problems, n *yaml.Node, path string) []Suppressor {
	if !isKind(p, n, yaml.SequenceNode, path, "a list of suppressors") {
		return nil
	}
	var out []Suppressor
	for i, item := range n.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		if !isKind(p, item, yaml.MappingNode, ip, "a suppressor mapping with terms") {
			continue
		}
		s := Suppressor{Scope: "sentence", Action: Drop, Min: 1, Line: item.Line}
		eachKey(p, item, ip, func(key string, k, v *yaml.Node) {
			fp := ip + "." + key
			switch key {
			case "id":
				s.ID = scalar(p, v, fp)
			case "terms":
				s.Terms = termList(p, v, fp)
			case "scope":
				s.Scope = scalar(p, v, fp)
				if !supScopes[s.Scope] {
					p.add(v.Line, fp, "unknown scope %q (want sentence, paragraph, report or title)", s.Scope)
				}
			case "action":
				s.Action = action(p, v, fp)
			case "min":
				s.Min = integer(p, v, fp, 1, 50)
			case "absent":
				s.Absent = boolean(p, v, fp)
			case "why":
				s.Why = scalar(p, v, fp)
			case "without":
				s.Without = termList(p, v, fp)
			default:
				p.add(k.Line, fp, "unknown field (want id, terms, scope, action, min, absent, without or why)")
			}
		})
		if len(s.Terms) == 0 {
			p.add(item.Line, ip+".terms", "required")
		}
		if s.Absent && len(s.Without) > 0 {
			p.add(item.Line, ip+".without", "not with absent: true (without qualifies terms that are present)")
		}
		out = append(out, s)
	}
	return out
}

func parseBoost(p *problems, n *yaml.Node, path string) Boost {
	b := Boost{Scope: "sentence", Line: n.Line}
	if !isKind(p, n, yaml.MappingNode, path, "a boost mapping") {
		return b
	}
	eachKey(p, n, path, func(key string, k, v *yaml.Node) {
		fp := path + "." + key
		switch key {
		case "if":
			b.If = scalar(p, v, fp)
			if !boostIfs[b.If] {
				p.add(v.Line, fp, "unknown condition %q (want capital or major_city)", b.If)
			}
		case "terms":
			b.Terms = termList(p, v, fp)
		case "scope":
			b.Scope = scalar(p, v, fp)
			if b.Scope != "sentence" && b.Scope != "report" {
				p.add(v.Line, fp, "unknown scope %q (want sentence or report)", b.Scope)
			}
		case "casualties":
			b.Casualties = integer(p, v, fp, 1, 1<<30)
		case "near":
			b.Near = integer(p, v, fp, 1, 50)
		case "severity":
			s, err := ParseSeverity(scalar(p, v, fp))
			if err != nil {
				p.add(v.Line, fp, "%v", err)
			}
			b.Severity = s
		case "raise":
			b.Raise = integer(p, v, fp, 1, 4)
		case "why":
			b.Why = scalar(p, v, fp)
		default:
			p.add(k.Line, fp, "unknown field (want if, terms, scope, casualties, near, severity, raise or why)")
		}
	})
	if b.If == "" && len(b.Terms) == 0 && b.Casualties == 0 {
		p.add(n.Line, path, "needs if, terms or casualties")
	}
	if b.Severity == SevNone && b.Raise == 0 {
		p.add(n.Line, path, "needs severity or raise")
	}
	return b
}

// eachKey walks a mapping node, reporting duplicate keys.
func eachKey(p *problems, n *yaml.Node, path string, fn func(key string, k, v *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		fp := k.Value
		if path != "" {
			fp = path + "." + k.Value
		}
		if seen[k.Value] {
			p.add(k.Line, fp, "duplicate key")
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k, v)
	}
}

func isKind(p *problems, n *yaml.Node, kind yaml.Kind, path, want string) bool {
	if n.Kind == kind {
		return true
	}
	p.add(n.Line, path, "want %s", want)
	return false
}

func scalar(p *problems, n *yaml.Node, path string) string {
	if n.Kind != yaml.ScalarNode {
		p.add(n.Line, path, "want a single value")
		return ""
	}
	return p.intern(n.Value)
}

func boolean(p *problems, n *yaml.Node, path string) bool {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		p.add(n.Line, path, "want true or false")
	}
	return b
}

func integer(p *problems, n *yaml.Node, path string, min, max int) int {
	var v int
	if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
		p.add(n.Line, path, "want a whole number")
		return 0
	}
	if v < min || v > max {
		p.add(n.Line, path, "want a number from %d to %d", min, max)
	}
	return v
}

func action(p *problems, n *yaml.Node, path string) Action {
	a, ok := actions[scalar(p, n, path)]
	if !ok {
		p.add(n.Line, path, "unknown action %q (want keep, drop, downgrade or contest)", n.Value)
		return Drop
	}
	return a
}

func stringList(p *problems, n *yaml.Node, path string) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{p.intern(n.Value)}
	}
	if !isKind(p, n, yaml.SequenceNode, path, "a list of strings") {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		if item.Kind != yaml.ScalarNode {
			out = append(out, scalar(p, item, fmt.Sprintf("%s[%d]", path, i)))
			continue
		}
		out = append(out, p.intern(item.Value))
	}
	return out
}

// termList reads a list of terms (or one term) and rejects empty ones.
func termList(p *problems, n *yaml.Node, path string) []string {
	terms := p.internList(stringList(p, n, path))
	if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.add(n.Line, path, "empty term list")
	}
	for i, t := range terms {
		if strings.TrimSpace(t) == "" {
			p.add(n.Line, fmt.Sprintf("%s[%d]", path, i), "empty term")
		}
	}
	return terms
}

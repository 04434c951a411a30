package vocab

import (
	"fmt"
	"slices"
	"strings"
)

// Category names a kind of escalation ("airstrike", "border_closure").
type Category string

// Categories the engine itself gives meaning to. Every rule set must declare
// them: de-escalation evidence never alerts and resolves incidents, a
// downgraded hit becomes a threat, and mass_casualty is what a death toll
// boost adds.
const (
	DeEscalation Category = "de_escalation"
	Threat       Category = "threat"
	MassCasualty Category = "mass_casualty"
)

// Required lists the categories every vocabulary must hold.
func Required() []Category { return []Category{Threat, DeEscalation, MassCasualty} }

// Def is one declared category.
type Def struct {
	Name        Category
	Description string
}

// Categories is a declared category vocabulary, in declaration order. The
// zero value is empty. It is immutable once built and safe to share.
type Categories struct {
	defs  []Def
	index map[Category]int
}

// NewCategories builds a vocabulary from declarations. Names must be
// lower-case snake_case, unique, and include Required().
func NewCategories(defs []Def) (Categories, error) {
	c := Categories{defs: slices.Clone(defs), index: make(map[Category]int, len(defs))}
	var errs []string
	for i, d := range defs {
		if err := checkName(string(d.Name)); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if _, dup := c.index[d.Name]; dup {
			errs = append(errs, fmt.Sprintf("category %q declared twice", d.Name))
			continue
		}
		c.index[d.Name] = i
	}
	for _, r := range Required() {
		if _, ok := c.index[r]; !ok {
			errs = append(errs, fmt.Sprintf("category %q must be declared (the engine gives it meaning)", r))
		}
	}
	if len(errs) > 0 {
		return Categories{}, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return c, nil
}

func checkName(n string) error {
	if n == "" {
		return fmt.Errorf("empty category name")
	}
	for i := 0; i < len(n); i++ {
		b := n[i]
		if !(b >= 'a' && b <= 'z' || b == '_' || b >= '0' && b <= '9' && i > 0) {
			return fmt.Errorf("category %q: want lower-case letters, digits and '_' (like border_closure)", n)
		}
	}
	return nil
}

// Len is the number of declared categories.
func (c Categories) Len() int { return len(c.defs) }

// Defs returns the declarations, in order.
func (c Categories) Defs() []Def { return slices.Clone(c.defs) }

// Names returns the category names, in declaration order.
func (c Categories) Names() []string {
	out := make([]string, len(c.defs))
	for i, d := range c.defs {
		out[i] = string(d.Name)
	}
	return out
}

// Has reports whether the category is declared.
func (c Categories) Has(cat Category) bool {
	_, ok := c.index[cat]
	return ok
}

// Describe returns a category's description ("" when unknown).
func (c Categories) Describe(cat Category) string {
	if i, ok := c.index[cat]; ok {
		return c.defs[i].Description
	}
	return ""
}

// Parse reads a category a user typed. It accepts any case, spaces or
// hyphens for underscores ("Border closure", "de-escalation"), and names the
// closest declared category when the input is unknown.
func (c Categories) Parse(s string) (Category, error) {
	norm := Category(strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-':
			return '_'
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s))))
	if c.Has(norm) {
		return norm, nil
	}
	if s == "" {
		return "", fmt.Errorf("empty category")
	}
	if best := c.closest(string(norm)); best != "" {
		return "", fmt.Errorf("unknown category %q (did you mean %s?)", s, best)
	}
	return "", fmt.Errorf("unknown category %q (want one of %s)", s, strings.Join(c.Names(), ", "))
}

// ParseAll parses a list, reporting every unknown name at once.
func (c Categories) ParseAll(in []string) ([]Category, error) {
	out := make([]Category, 0, len(in))
	var errs []string
	for _, s := range in {
		cat, err := c.Parse(s)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		out = append(out, cat)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

// closest returns the declared name nearest to s by edit distance, or by
// containment ("strike" → airstrike), when it is a plausible typo.
func (c Categories) closest(s string) string {
	best, bestD := "", 1<<30
	for _, d := range c.defs {
		n := string(d.Name)
		dist := editDistance(s, n)
		if strings.Contains(n, s) && len(s) >= 4 {
			dist = min(dist, 2)
		}
		if dist < bestD {
			best, bestD = n, dist
		}
	}
	if bestD <= max(2, len(s)/3) {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance of two short ASCII names.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

package cli

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/tocsin-alerts/tocsin/rules"
)

// locationMatches compares a predicted place with a corpus label. A label
// may name several places ("Paris, France; Raqqa, Syria", "Nasir, Upper
// Nile, and Juba, South Sudan", "Al-Rastan and Ariha, Syria", "Ukraine
// (Kyiv, Dnipro)"); the prediction is right when its place (first
// component) is one of them, compared as whole names after folding case,
// diacritics and words like "province", or is the same gazetteer place under
// another spelling (Severodonetsk, Sievierodonetsk; Kyiv, Kiev); or when the
// label names only a country and the prediction is in it. Names never match
// by overlap: Niger is not Nigeria, Sudan is not South Sudan.
func locationMatches(pred, lb string, same func(a, b string) bool) bool {
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
		if len(lp) == 1 && (placeEq(pp[len(pp)-1], lp[0]) || (same != nil && same(pp[len(pp)-1], lp[0]))) {
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

// placeSuffixes are administrative words a label may add or drop.
var placeSuffixes = []string{"provinces", "province", "regions", "region", "governorate", "oblast", "state",
	"city", "district", "prefecture", "county", "department", "municipality", "regency"}

// splitPlace splits "City, Region, Country" into folded components.
func splitPlace(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		words := strings.Fields(foldName(p))
		for len(words) > 0 && words[0] == "the" {
			words = words[1:]
		}
		for len(words) > 1 && isPlaceSuffix(words[len(words)-1]) {
			words = words[:len(words)-1]
		}
		if len(words) > 0 {
			out = append(out, strings.Join(words, " "))
		}
	}
	return out
}

func isPlaceSuffix(w string) bool {
	for _, s := range placeSuffixes {
		if w == s {
			return true
		}
	}
	return false
}

// foldName lower-cases, strips diacritics and turns hyphens and apostrophes
// into spaces: "Şırnak" = "sirnak", "Al-Raqqah" = "al raqqah".
func foldName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == '-' || r == '\'' || r == '’' || r == '‘' || r == '.':
			b.WriteByte(' ')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return strings.TrimSpace(b.String())
}

// placeEq compares two folded names as whole names; a leading article "al"
// may be present on one side only ("Al-Raqqah" = "Raqqah").
func placeEq(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" || b == "" {
		return false
	}
	return a == b || strings.TrimPrefix(a, "al ") == strings.TrimPrefix(b, "al ")
}

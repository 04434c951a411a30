package summary

import (
	"strings"
	"unicode"
)

// stopwords are function words that carry no fact of their own. They are
// ignored when comparing sentences and when checking a model's summary
// against its sources.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but nor of in on at to for from by with without into onto
		upon over under about after before during since until while as than then that this these those there
		here it its it's is are was were be been being has have had having do does did will would shall should
		can could may might must not no also just only very more most less least some any each every all both
		either neither other such own same so too which who whom whose what when where why how he she they them
		their his her him we us our you your i me my mine if because though although however meanwhile yet
		still again further once up down out off per via said says say told tells according reported near across
		along around against between among toward towards outside inside within beyond through throughout`) {
		m[w] = true
	}
	return m
}()

// words splits s into words: runs of letters and digits, keeping internal
// apostrophes, periods and commas between digits ("7,500", "1.5") and
// internal hyphens as separators.
func words(s string) []string {
	var out []string
	start := -1
	rs := []rune(s)
	for i := 0; i <= len(rs); i++ {
		in := false
		if i < len(rs) {
			r := rs[i]
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				in = true
			case (r == ',' || r == '.') && start >= 0 && i+1 < len(rs) && unicode.IsDigit(rs[i-1]) && unicode.IsDigit(rs[i+1]):
				in = true
			case (r == '\'' || r == '’') && start >= 0 && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
				in = true
			}
		}
		if in && start < 0 {
			start = i
		}
		if !in && start >= 0 {
			out = append(out, string(rs[start:i]))
			start = -1
		}
	}
	return out
}

// normWord lower-cases a word, drops a possessive "'s" and reduces a few
// English suffixes, so "villagers", "villages" and "village" compare equal
// and "killed" matches "kill". Crude on purpose: it only has to make
// comparisons forgiving, never to produce text.
func normWord(w string) string {
	w = strings.ToLower(strings.ReplaceAll(w, "’", "'"))
	w = strings.TrimSuffix(w, "'s")
	w = strings.TrimSuffix(w, "'")
	if isNumber(w) {
		return strings.ReplaceAll(w, ",", "")
	}
	for _, suf := range []string{"ings", "ing", "ers", "ies", "ied", "er", "ed", "es", "s"} {
		if len(w) > len(suf)+3 && strings.HasSuffix(w, suf) {
			w = w[:len(w)-len(suf)]
			break
		}
	}
	return w
}

// contentSet is the set of normalised non-stopwords of s.
func contentSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words(s) {
		lw := strings.ToLower(w)
		if stopwords[lw] || (len(lw) < 2 && !isNumber(lw)) {
			continue
		}
		m[normWord(w)] = true
	}
	return m
}

func isNumber(w string) bool {
	if w == "" {
		return false
	}
	digit := false
	for _, r := range w {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r == ',' || r == '.':
		default:
			return false
		}
	}
	return digit
}

// hasDigit reports whether w contains an ASCII digit ("7,500", "MiG-21",
// "F-16" parts).
func hasDigit(w string) bool {
	return strings.ContainsAny(w, "0123456789")
}

func isCapitalised(w string) bool {
	for _, r := range w {
		return unicode.IsUpper(r)
	}
	return false
}

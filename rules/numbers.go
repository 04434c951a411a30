package rules

import (
	"strings"
	"time"
	"unicode/utf8"
)

// nonCountUnits are words after a number that make it a measure, an age, a
// date or money rather than a count of people.
var nonCountUnits = map[string]bool{
	"year": true, "years": true, "month": true, "months": true, "week": true, "weeks": true, "day": true,
	"days": true, "hour": true, "hours": true, "minute": true, "minutes": true, "percent": true, "per": true,
	"km": true, "kilometres": true, "kilometers": true, "kilometre": true, "kilometer": true, "miles": true,
	"mile": true, "metres": true, "meters": true, "metre": true, "meter": true, "am": true, "pm": true, "a": true,
	"p": true, "kg": true, "tonnes": true, "tons": true, "mm": true, "cm": true, "degrees": true, "points": true,
	"seats": true, "billion": true, "dollars": true, "euros": true, "pounds": true, "th": true, "st": true,
	"nd": true, "rd": true, "centimetres": true, "centimeters": true, "games": true, "goals": true, "times": true,
	"gb": true, "mb": true, "mph": true, "feet": true, "ft": true,
}

var monthNames = map[string]bool{
	"jan": true, "january": true, "feb": true, "february": true, "mar": true, "march": true, "apr": true,
	"april": true, "may": true, "jun": true, "june": true, "jul": true, "july": true, "aug": true, "august": true,
	"sep": true, "sept": true, "september": true, "oct": true, "october": true, "nov": true, "november": true,
	"dec": true, "december": true,
}

var injuryWords = map[string]bool{
	"wounded": true, "injured": true, "hurt": true, "wounding": true, "injuring": true, "injuries": true,
	"wounds": true,
}

// markNonCounts clears the numeric value of numbers that are not counts:
// "a 14-year-old", "40 centimetres", "$10", "5 p.m.".
func markNonCounts(d *doc) {
	for i := range d.toks {
		tk := &d.toks[i]
		if tk.num < 0 {
			continue
		}
		if tk.start > 0 {
			switch d.text[tk.start-1] {
			case '$', '#':
				tk.num = -1
				continue
			}
			if r, _ := utf8.DecodeLastRuneInString(d.text[:tk.start]); r == '€' || r == '£' || r == '¥' {
				tk.num = -1
				continue
			}
		}
		// "Feb. 14", "14 February": a date, not a count ("November 2020"
		// stays a year).
		if !isYear(d, i) && i > 0 && wordIn(d, i-1, wordMonth, monthNames) ||
			i+1 < len(d.toks) && wordIn(d, i+1, wordMonth, monthNames) {
			tk.num = -1
			continue
		}
		// "11 wounded", "injuring 20": a count of the hurt, not the dead.
		if i+1 < len(d.toks) && wordIn(d, i+1, wordInjury, injuryWords) ||
			i > 0 && wordIn(d, i-1, wordInjury, injuryWords) {
			tk.num = -1
			continue
		}
		if i+1 < len(d.toks) && d.toks[i+1].sent == tk.sent {
			next := d.toks[i+1]
			if next.end-next.start <= 11 && wordIn(d, i+1, wordUnit, nonCountUnits) {
				tk.num = -1
				continue
			}
			if gap := d.text[tk.end:next.start]; strings.Contains(gap, "%") {
				tk.num = -1
			}
		}
	}
}

// Word classes a number's neighbours are checked against, remembered per
// word in the word cache (wordInfo.flags).
const (
	wordMonth uint8 = 1 << iota
	wordInjury
	wordUnit
	// wordAnchor: some term is indexed by the word's stem or exact form
	// (findTerms looks only at such words).
	wordAnchor
)

// wordFlags returns the classes of a folded word.
func wordFlags(w []byte) uint8 {
	var f uint8
	if monthNames[string(w)] {
		f |= wordMonth
	}
	if injuryWords[string(w)] {
		f |= wordInjury
	}
	if nonCountUnits[string(w)] {
		f |= wordUnit
	}
	return f
}

// wordIn reports token i, lower-cased, among a table's words: a plain word
// (ASCII letters and digits, whose folded form is its lower case) by its
// word's flags, any other by the table.
func wordIn(d *doc, i int, flag uint8, table map[string]bool) bool {
	tk := &d.toks[i]
	if tk.plain {
		return tk.flags&flag != 0
	}
	return table[strings.ToLower(d.text[tk.start:tk.end])]
}

// isYear reports whether token i looks like a year rather than a count.
func isYear(d *doc, i int) bool {
	tk := d.toks[i]
	return tk.num >= 1900 && tk.num <= 2100 && tk.end-tk.start == 4
}

func refYear(published time.Time, toks []token) int {
	if !published.IsZero() {
		return published.Year()
	}
	y := 0
	for _, t := range toks {
		if t.num >= 1900 && t.num <= 2100 && int(t.num) > y && t.end-t.start == 4 {
			y = int(t.num)
		}
	}
	return y
}

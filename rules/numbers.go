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
		if !isYear(d, i) && i > 0 && monthNames[strings.ToLower(d.text[d.toks[i-1].start:d.toks[i-1].end])] ||
			i+1 < len(d.toks) && monthNames[strings.ToLower(d.text[d.toks[i+1].start:d.toks[i+1].end])] {
			tk.num = -1
			continue
		}
		// "11 wounded", "injuring 20": a count of the hurt, not the dead.
		if i+1 < len(d.toks) && injuryWords[strings.ToLower(d.text[d.toks[i+1].start:d.toks[i+1].end])] ||
			i > 0 && injuryWords[strings.ToLower(d.text[d.toks[i-1].start:d.toks[i-1].end])] {
			tk.num = -1
			continue
		}
		if i+1 < len(d.toks) && d.toks[i+1].sent == tk.sent {
			next := d.toks[i+1]
			if next.end-next.start <= 11 && nonCountUnits[strings.ToLower(d.text[next.start:next.end])] {
				tk.num = -1
				continue
			}
			if gap := d.text[tk.end:next.start]; strings.Contains(gap, "%") {
				tk.num = -1
			}
		}
	}
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

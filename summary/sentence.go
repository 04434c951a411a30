package summary

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// abbreviations end with a period that does not end a sentence. News text is
// full of them ("Gen.", "Feb. 14", "Mr."); splitting there would cut a fact
// in half.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "gen": true, "lt": true, "col": true,
	"maj": true, "capt": true, "cpt": true, "sgt": true, "cpl": true, "pvt": true, "adm": true, "brig": true,
	"cmdr": true, "gov": true, "sen": true, "rep": true, "pres": true, "rev": true, "st": true, "mt": true,
	"ft": true, "jr": true, "sr": true, "no": true, "nos": true, "vs": true, "etc": true, "approx": true,
	"inc": true, "ltd": true, "co": true, "corp": true, "dept": true, "est": true, "fig": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true,
	"sept": true, "oct": true, "nov": true, "dec": true, "km": true, "approx.": true,
}

// splitSentences splits cleaned text into sentences. Every line is at least
// one sentence (paragraphs, live-blog bullets and headlines have no final
// period); inside a line a sentence ends at . ! ? or … followed by closing
// quotes or brackets, a space, and an upper-case letter, a digit or an
// opening quote — unless the word before the period is an abbreviation or an
// initial ("U.S.", "Feb.", "J.").
func splitSentences(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = bulletRe.ReplaceAllString(strings.TrimSpace(line), "")
		start := 0
		for i := 0; i < len(line); {
			r, size := utf8.DecodeRuneInString(line[i:])
			i += size
			if r != '.' && r != '!' && r != '?' && r != '…' {
				continue
			}
			end := i
			for end < len(line) {
				c, sz := utf8.DecodeRuneInString(line[end:])
				if !isCloser(c) && c != '.' && c != '!' && c != '?' {
					break
				}
				end += sz
			}
			if end >= len(line) || line[end] != ' ' {
				continue
			}
			next, _ := utf8.DecodeRuneInString(line[end+1:])
			if !(unicode.IsUpper(next) || unicode.IsDigit(next) || isOpener(next)) {
				continue
			}
			if r == '.' && isAbbreviation(line[start:i-size]) {
				continue
			}
			if s := strings.TrimSpace(line[start:end]); s != "" {
				out = append(out, s)
			}
			start = end + 1
			i = end + 1
		}
		if s := strings.TrimSpace(line[start:]); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// isAbbreviation reports whether the last word of s (the text before a
// period) is an abbreviation or an initial.
func isAbbreviation(s string) bool {
	w := s
	if i := strings.LastIndexAny(s, " (\"“'‘"); i >= 0 {
		w = s[i+1:]
	}
	if w == "" {
		return false
	}
	if strings.Contains(w, ".") { // U.S, U.N, a.m
		return true
	}
	if utf8.RuneCountInString(w) == 1 {
		r, _ := utf8.DecodeRuneInString(w)
		return unicode.IsUpper(r)
	}
	return abbreviations[strings.ToLower(w)]
}

func isCloser(r rune) bool {
	switch r {
	case '"', '\'', '”', '’', ')', ']', '»':
		return true
	}
	return false
}

func isOpener(r rune) bool {
	switch r {
	case '"', '\'', '“', '‘', '(', '[', '«':
		return true
	}
	return false
}

// endsSentence reports whether s ends with terminal punctuation (possibly
// inside closing quotes).
func endsSentence(s string) bool {
	s = strings.TrimRightFunc(s, isCloser)
	r, _ := utf8.DecodeLastRuneInString(s)
	return r == '.' || r == '!' || r == '?' || r == '…'
}

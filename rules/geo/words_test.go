package geo

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// addWords gives f the words of text the way the scorer's tokenizer finds
// them: runs of ASCII letters and digits, with an apostrophe before a
// letter or a digit group's separator inside. It reports false for a text
// FindWords is not for (markup, entities, backticks, non-ASCII).
func addWords(g *Gazetteer, f *Finder, text string) bool {
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= 0x80 || c == '<' || c == '&' || c == '`' {
			return false
		}
	}
	f.Begin(text)
	word := func(c byte) bool { return isASCIIWord(c) }
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	for i := 0; i < len(text); {
		if !word(text[i]) {
			i++
			continue
		}
		start, plain := i, true
		for i < len(text) {
			c := text[i]
			if word(c) {
				i++
				continue
			}
			if i+1 < len(text) && (c == '\'' && word(text[i+1]) || (c == ',' || c == '.') && digit(text[i+1]) && digit(text[i-1])) {
				plain = false
				i++
				continue
			}
			break
		}
		if plain {
			f.AddPlain(start, i, g.StartsName([]byte(strings.ToLower(text[start:i]))))
		} else {
			f.AddWord(start, i)
		}
	}
	return true
}

// TestFindWordsAsFindWith: places found from a caller's words are exactly
// those Find finds reading the text itself, on every sentence of the dev
// corpus and on hard cases (possessives, inner apostrophes, digit groups,
// abbreviations, hyphenated names).
func TestFindWordsAsFindWith(t *testing.T) {
	g := gaz(t)
	texts := strings.SplitAfter(newsSample, ". ")
	texts = append(texts, "Syria's army entered Sana'a and St. Petersburg's port.", "U.S. jets hit Port-au-Prince, 1,200 died in Aleppo's old city.",
		"AL-QAEDA attacked the U.S.A. embassy in Dar es Salaam; Ta'izz fell.", "rebels' positions near Kyiv's outskirts, a's'b Gaza's's",
		"North  Kivu and North-Kivu and North - Kivu", "Yemen's Houthis and the DRC, the US, Us and us.", "3.5 Mosul 2,000 Tikrit.")
	f, err := os.Open("../../corpus/dev.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct{ Title, Text string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, r.Title)
		texts = append(texts, strings.SplitAfter(r.Text, ". ")...)
	}
	var fw, fd Finder
	checked, found := 0, 0
	for _, text := range texts {
		if !addWords(g, &fw, text) {
			continue
		}
		got, want := g.FindWords(nil, &fw), g.FindWith(&fd, text)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\nFindWords %v\nFindWith  %v", text, got, want)
		}
		checked++
		found += len(want)
	}
	if checked < 500 || found < 500 {
		t.Fatalf("only %d texts, %d places checked", checked, found)
	}
}

// FuzzFindWords: for any plain text, FindWords agrees with FindWith.
func FuzzFindWords(f *testing.F) {
	for _, s := range strings.SplitAfter(newsSample, ". ") {
		f.Add(s)
	}
	f.Add("Syria's army in Sana'a, St. Petersburg's 1,200 U.S.A. a's'b")
	g := gaz(f)
	f.Fuzz(func(t *testing.T, text string) {
		var fw, fd Finder
		if !addWords(g, &fw, text) {
			return
		}
		if got, want := g.FindWords(nil, &fw), g.FindWith(&fd, text); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nFindWords %v\nFindWith  %v", text, got, want)
		}
	})
}

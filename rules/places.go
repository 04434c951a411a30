package rules

import (
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/rules/geo"
)

// placesIn returns the gazetteer mentions of one sentence, computed once per
// call: location and boosts ask about the same sentences repeatedly. The
// gazetteer reads the scorer's words (looking up only those that begin a
// place name) unless the sentence holds something the two tokenizers read
// apart: markup, an entity, a backtick, a letter beyond ASCII.
func (sc *scratch) placesIn(g *geo.Gazetteer, d *doc, sent int32) []geo.Mention {
	if len(sc.placeGen) < len(d.sents) {
		sc.placeGen = make([]uint32, len(d.sents))
		sc.placeAt = make([][2]int32, len(d.sents))
	}
	if sc.placeGen[sent] == sc.gen {
		at := sc.placeAt[sent]
		return sc.mentions[at[0]:at[1]:at[1]]
	}
	sn := d.sents[sent]
	text := d.text[sn.start:sn.end]
	from := len(sc.mentions)
	if plainText(text) {
		f := &sc.finder
		f.Begin(text)
		for _, tk := range d.toks[sn.first:sn.last] {
			if tk.plain {
				f.AddPlain(int(tk.start-sn.start), int(tk.end-sn.start), tk.place)
			} else {
				f.AddWord(int(tk.start-sn.start), int(tk.end-sn.start))
			}
		}
		sc.mentions = g.FindWords(sc.mentions, f)
	} else {
		sc.mentions = g.AppendFind(sc.mentions, &sc.finder, text)
	}
	sc.placeGen[sent] = sc.gen
	sc.placeAt[sent] = [2]int32{int32(from), int32(len(sc.mentions))}
	return sc.mentions[from:len(sc.mentions):len(sc.mentions)]
}

// plainText reports text the scorer's words cover as the gazetteer's would:
// ASCII without markup, entities or backticks.
func plainText(text string) bool {
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c >= utf8.RuneSelf, c == '<', c == '&', c == '`':
			return false
		}
	}
	return true
}

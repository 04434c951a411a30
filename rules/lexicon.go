package rules

import (
	"strings"
	"sync"

	"github.com/kljensen/snowball/english"

	"github.com/tocsin-alerts/tocsin/rules/prior"
)

// irregular maps word forms that a suffix stemmer cannot relate to their
// stem (irregular past tenses, derived nouns) onto the stem of the base
// form, so that a rule written with "withdraw" matches "withdrew" and a rule
// with "close" matches "closure". Terms and text both pass through it.
var irregular = map[string]string{
	"withdrew": "withdraw", "withdrawn": "withdraw", "withdrawal": "withdraw", "withdrawals": "withdraw",
	"closure": "close", "closures": "close",
	"seizure": "seiz", "seizures": "seiz",
	"took": "take", "taken": "take", "retook": "retak", "retaken": "retak", "overtook": "overtak", "overtaken": "overtak",
	"fled": "flee", "struck": "strike", "stricken": "strike", "shot": "shoot", "fought": "fight",
	"began": "begin", "begun": "begin", "overran": "overrun", "flew": "fli", "flown": "fli",
	"sent": "send", "led": "lead", "fell": "fall", "fallen": "fall", "drove": "drive", "driven": "drive",
	"broke": "break", "broken": "break", "held": "hold", "lost": "lose", "won": "win", "ran": "run",
	"rose": "rise", "risen": "rise", "sought": "seek", "threw": "throw", "thrown": "throw", "blew": "blow",
	"blown": "blow", "slain": "slay", "slew": "slay", "bled": "bleed", "stood": "stand", "caught": "catch",
	"brought": "bring", "built": "build", "kept": "keep", "swept": "sweep", "overthrew": "overthrow",
	"overthrown": "overthrow", "underwent": "undergo", "undergone": "undergo", "shook": "shake",
	"said": "say", "told": "tell", "came": "come", "went": "go", "gone": "go", "got": "get", "gotten": "get",
	"left": "leav", "hit": "hit", "hits": "hit", "hitting": "hit", "shut": "shut", "shuts": "shut", "shutting": "shut",
	"dead": "dead", "died": "die", "dying": "die", "dies": "die", "death": "death", "deaths": "death",
	"evacuee": "evacu", "evacuees": "evacu", "departure": "depart", "departures": "depart",
	"forbade": "forbid", "forbidden": "forbid", "chose": "choos", "chosen": "choos", "spoke": "speak",
	"spoken": "speak", "arose": "aris", "arisen": "aris", "bombed": "bomb", "bombing": "bomb", "bombings": "bomb",
	"laid": "lay", "paid": "pay", "met": "meet", "meant": "mean", "thought": "think", "bought": "buy",
	"saw": "see", "seen": "see", "gave": "give", "given": "give", "wrote": "write", "written": "write",
	"drew": "draw", "drawn": "draw", "knew": "know", "known": "know", "grew": "grow", "grown": "grow",
	"hid": "hide", "hidden": "hide", "mistook": "mistak", "undertook": "undertak", "shelled": "shell",
	"shelling": "shell", "shells": "shell", "airstrikes": "airstrik", "airstrike": "airstrik",
	"men": "man", "women": "woman", "children": "child", "people": "peopl",
}

// britishToAmerican maps -ise/-isation spellings to -ize/-ization so that
// "mobilisation" and "mobilization" share a stem. Applying the same mapping to
// terms and text is all that matters: the result need not be a real word.
func britishToAmerican(w string) string {
	if len(w) < 6 {
		return w
	}
	for _, suf := range [...]string{"isations", "isation", "ising", "ised", "ises", "ise"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			return w[:len(w)-len(suf)] + "iz" + suf[2:]
		}
	}
	return w
}

// stemWord is the single normalisation applied to every word of both terms
// and text: irregular forms first, then British spellings, then the Snowball
// (Porter2) English stemmer.
func stemWord(w string) string {
	if s, ok := irregular[w]; ok {
		return s
	}
	return english.Stem(britishToAmerican(w), false)
}

// numberWords gives a conservative value to number words used in casualty
// counts. Vague plurals take a low reading ("dozens" is at least 24).
var numberWords = map[string]int32{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "hundreds": 200,
	"thousand": 1000, "thousands": 2000, "million": 1000000, "millions": 2000000, "dozen": 12, "dozens": 24,
	"scores": 40, "tens": 20, "several": 3, "two-dozen": 24,
}

// parseNumber reads "12", "1,200", "3.5" (as 3); it reports false for
// anything else.
func parseNumber(w []byte) (int32, bool) {
	if len(w) == 0 || w[0] < '0' || w[0] > '9' {
		return 0, false
	}
	var v int64
	for _, c := range w {
		switch {
		case c >= '0' && c <= '9':
			v = v*10 + int64(c-'0')
			if v > 1<<30 {
				return 1 << 30, true
			}
		case c == ',':
		case c == '.':
			return int32(v), true
		default:
			return 0, false // "5th", "f16", "2km"
		}
	}
	return int32(v), true
}

// prefixKey indexes the first three letters of a word (a-z, other) for the
// stem pre-filter.
func prefixKey[T ~string | ~[]byte](w T) int {
	k := 0
	for i := 0; i < 3; i++ {
		c := 26
		if i < len(w) && w[i] >= 'a' && w[i] <= 'z' {
			c = int(w[i] - 'a')
		}
		k = k*27 + c
	}
	return k
}

const prefixSpace = 27 * 27 * 27

// wordInfo is what the scorer needs to know about one folded word: its ids
// in the rule set's dictionaries, its value as a number word, and its
// feature for the learned prior.
type wordInfo struct {
	stem, surf, num int32
	feat            uint32
	place           bool  // the word begins a place name (geo.StartsName)
	flags           uint8 // word classes (wordMonth...)
}

// stemCache remembers word → wordInfo for one Set. Stemming costs ~1 µs a
// word and news vocabulary is small, so after warm-up nearly every word costs
// one map lookup. It is bounded so hostile input cannot grow it without limit.
type stemCache struct {
	mu sync.RWMutex
	m  map[string]wordInfo
}

const stemCacheMax = 200_000

func (c *stemCache) get(w []byte) (wordInfo, bool) {
	c.mu.RLock()
	wi, ok := c.m[string(w)]
	c.mu.RUnlock()
	return wi, ok
}

func (c *stemCache) put(w []byte, wi wordInfo) {
	c.mu.Lock()
	if len(c.m) < stemCacheMax {
		c.m[string(w)] = wi
	}
	c.mu.Unlock()
}

// classify fills a token's stem, exact-surface, number and feature fields
// from its folded form w. It looks in the caller's lock-free cache first
// (each pooled scratch keeps one), then in the Set's shared cache, then
// computes. h is the word's hash (hashBytes).
func (s *Set) classify(tk *token, w []byte, h uint32, local *wordCache) {
	if v, ok := parseNumber(w); ok {
		tk.num = v
		tk.feat = prior.ShapeNumber
		if id, ok := s.surfIDs[string(w)]; ok {
			tk.surf = id
			if len(s.postSurf.of(id)) > 0 {
				tk.flags |= wordAnchor
			}
		}
		return
	}
	if wi, ok := local.get(w, h); ok {
		tk.stem, tk.surf, tk.num, tk.feat, tk.place, tk.flags = wi.stem, wi.surf, wi.num, wi.feat, wi.place, wi.flags
		return
	}
	if wi, ok := s.cache.get(w); ok {
		if len(w) <= maxCachedWord {
			local.put(w, h, wi)
		}
		tk.stem, tk.surf, tk.num, tk.feat, tk.place, tk.flags = wi.stem, wi.surf, wi.num, wi.feat, wi.place, wi.flags
		return
	}
	wi := wordInfo{stem: -1, surf: -1, num: -1}
	if v, ok := numberWords[string(w)]; ok {
		wi.num = v
	}
	if id, ok := s.surfIDs[string(w)]; ok {
		wi.surf = id
	}
	// Every word is stemmed once (then cached): the prior reads all words,
	// the rules only those whose prefix some term uses.
	st := stemWord(string(w))
	wi.feat = prior.HashWord(st)
	if len(w) > 0 && s.prefixes[prefixKey(w)] {
		if id, ok := s.stemIDs[st]; ok {
			wi.stem = id
		}
	}
	wi.place = s.gaz != nil && s.gaz.StartsName(w)
	wi.flags = wordFlags(w)
	if len(s.postStem.of(wi.stem)) > 0 || len(s.postSurf.of(wi.surf)) > 0 {
		wi.flags |= wordAnchor
	}
	if len(w) <= maxCachedWord {
		s.cache.put(w, wi)
		local.put(w, h, wi)
	}
	tk.stem, tk.surf, tk.num, tk.feat, tk.place, tk.flags = wi.stem, wi.surf, wi.num, wi.feat, wi.place, wi.flags
}

// maxCachedWord keeps hostile "words" (a 1 MB run of letters) out of the
// caches: real words are short.
const maxCachedWord = 64

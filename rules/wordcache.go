package rules

// wordCache is a scratch's lock-free first-level word cache: an
// open-addressing table keyed by the folded word. Looking a word up in a Go
// map was an eighth of scoring; this table compares the hash first and the
// bytes only on a hash match, and never allocates once warm.
type wordCache struct {
	slots []wordSlot
	n     int
}

type wordSlot struct {
	hash uint32
	word string // "" = empty slot
	info wordInfo
}

// wordCacheMax bounds the table (hostile input cannot grow it without
// limit); past it, words are simply not cached here.
const wordCacheMax = 1 << 16

func hashBytes(w []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range w {
		h ^= uint32(c)
		h *= 16777619
	}
	return h | 1 // never 0, so a zero hash marks nothing
}

func (c *wordCache) get(w []byte, h uint32) (wordInfo, bool) {
	if len(c.slots) == 0 {
		return wordInfo{}, false
	}
	mask := uint32(len(c.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &c.slots[i]
		if s.hash == 0 {
			return wordInfo{}, false
		}
		if s.hash == h && s.word == string(w) {
			return s.info, true
		}
	}
}

func (c *wordCache) put(w []byte, h uint32, info wordInfo) {
	if c.n >= wordCacheMax {
		return
	}
	if (c.n+1)*4 > len(c.slots)*3 { // keep the load under 3/4
		c.grow()
	}
	mask := uint32(len(c.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &c.slots[i]
		if s.hash == 0 {
			*s = wordSlot{hash: h, word: string(w), info: info}
			c.n++
			return
		}
		if s.hash == h && s.word == string(w) {
			return
		}
	}
}

func (c *wordCache) grow() {
	old := c.slots
	size := max(1024, 2*len(old))
	c.slots = make([]wordSlot, size)
	c.n = 0
	for _, s := range old {
		if s.hash != 0 {
			c.put([]byte(s.word), s.hash, s.info)
		}
	}
}

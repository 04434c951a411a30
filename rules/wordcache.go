package rules

// wordCache is a scratch's lock-free first-level word cache: an
// open-addressing table keyed by the folded word. Looking a word up in a Go
// map was an eighth of scoring; this table keeps short words inside the
// slot (no pointer to follow), compares the hash first and the bytes only
// on a hash match, and never allocates once warm.
type wordCache struct {
	slots []wordSlot
	n     int
}

// inlineWord is the longest word a slot holds; longer ones (rare in news)
// are left to the Set's shared cache.
const inlineWord = 27

type wordSlot struct {
	hash uint32 // 0 = empty slot
	n    uint8
	key  [inlineWord]byte
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
	if len(c.slots) == 0 || len(w) > inlineWord {
		return wordInfo{}, false
	}
	mask := uint32(len(c.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &c.slots[i]
		if s.hash == 0 {
			return wordInfo{}, false
		}
		if s.hash == h && int(s.n) == len(w) && string(s.key[:s.n]) == string(w) {
			return s.info, true
		}
	}
}

func (c *wordCache) put(w []byte, h uint32, info wordInfo) {
	if c.n >= wordCacheMax || len(w) > inlineWord {
		return
	}
	if (c.n+1)*4 > len(c.slots)*3 { // keep the load under 3/4
		c.grow()
	}
	mask := uint32(len(c.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &c.slots[i]
		if s.hash == 0 {
			*s = wordSlot{hash: h, n: uint8(len(w)), info: info}
			copy(s.key[:], w)
			c.n++
			return
		}
		if s.hash == h && int(s.n) == len(w) && string(s.key[:s.n]) == string(w) {
			return
		}
	}
}

func (c *wordCache) grow() {
	old := c.slots
	size := max(1024, 2*len(old))
	c.slots = make([]wordSlot, size)
	c.n = 0
	for i := range old {
		if s := &old[i]; s.hash != 0 {
			c.put(s.key[:s.n], s.hash, s.info)
		}
	}
}

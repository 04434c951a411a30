package summary

import lru "github.com/hashicorp/golang-lru/v2"

// cache is a bounded least-recently-used cache of accepted model summaries,
// keyed by a hash of everything that went into the prompt. The same incident
// is summarised again on every update; a hit costs no request and no budget.
// A size <= 0 disables it: every method is then a no-op.
type cache struct{ c *lru.Cache[string, string] }

func newLRU(size int) cache {
	if size <= 0 {
		return cache{}
	}
	c, err := lru.New[string, string](size)
	if err != nil { // only for size <= 0, excluded above
		return cache{}
	}
	return cache{c}
}

func (c cache) get(key string) (string, bool) {
	if c.c == nil {
		return "", false
	}
	return c.c.Get(key)
}

func (c cache) put(key, value string) {
	if c.c != nil {
		c.c.Add(key, value)
	}
}

func (c cache) len() int {
	if c.c == nil {
		return 0
	}
	return c.c.Len()
}

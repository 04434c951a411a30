package summary

import "testing"

func TestLRUBoundAndRecency(t *testing.T) {
	c := newLRU(2)
	c.put("a", "1")
	c.put("b", "2")
	if v, ok := c.get("a"); !ok || v != "1" { // a is now the most recent
		t.Fatalf("get a = %q %v", v, ok)
	}
	c.put("c", "3") // evicts b, the least recently used
	if _, ok := c.get("b"); ok {
		t.Error("b survived eviction")
	}
	if v, ok := c.get("a"); !ok || v != "1" {
		t.Errorf("a evicted: %q %v", v, ok)
	}
	if c.len() != 2 {
		t.Errorf("len = %d", c.len())
	}
	off := newLRU(-1)
	off.put("a", "1")
	if _, ok := off.get("a"); ok || off.len() != 0 {
		t.Error("a disabled cache stored a value")
	}
}

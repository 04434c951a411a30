package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestIdentity(t *testing.T) {
	cases := []struct {
		name string
		r    Report
		want string
	}{
		{"guid wins, scoped by source", Report{GUID: " 42 ", URL: "https://a.example/x", Source: "wire"}, "guid:wire:42"},
		{"canonical url", Report{URL: "HTTPS://News.Example:443/a/b/?utm_source=x&b=2&a=1#frag"}, "url:https://news.example/a/b?a=1&b=2"},
		{"content hash", Report{Title: "T", Text: "Body"}, "hash:" + Report{Title: "t", Text: "  body "}.ContentHash()},
	}
	for _, c := range cases {
		if got := c.r.Identity(); got != c.want {
			t.Errorf("%s: Identity() = %q, want %q", c.name, got, c.want)
		}
	}
	if (Report{Text: "a"}).ContentHash() == (Report{Text: "b"}).ContentHash() {
		t.Error("different words must hash differently")
	}
}

func TestCanonicalURLRejects(t *testing.T) {
	for _, raw := range []string{"", "not a url", "ftp://x.example/f", "/relative/path", "javascript:alert(1)"} {
		if got := CanonicalURL(raw); got != "" {
			t.Errorf("CanonicalURL(%q) = %q, want empty", raw, got)
		}
	}
}

func TestSanitize(t *testing.T) {
	r := Report{Title: "bad \xff title", Text: "nul\x00 and " + strings.Repeat("é", MaxTextBytes)}.Sanitize()
	if !utf8.ValidString(r.Title) || !utf8.ValidString(r.Text) {
		t.Fatal("sanitized strings must be valid UTF-8")
	}
	if strings.ContainsRune(r.Text, 0) {
		t.Fatal("NUL bytes must be removed")
	}
	if len(r.Text) > MaxTextBytes {
		t.Fatalf("text is %d bytes, limit %d", len(r.Text), MaxTextBytes)
	}
}

func TestParseText(t *testing.T) {
	r := ParseText("dir/a.txt", []byte("# Headline here\n\nFirst line.\nSecond line.\n"))
	if r.Title != "Headline here" || r.Text != "First line.\nSecond line." || r.GUID != "a.txt" {
		t.Fatalf("got %+v", r)
	}
	r = ParseText("b.txt", []byte("No title line\nbody continues"))
	if r.Title != "" || !strings.HasPrefix(r.Text, "No title line") {
		t.Fatalf("without a blank line the first line is body: %+v", r)
	}
}

func TestParseJSONL(t *testing.T) {
	in := `{"id":"x1","title":"A","text":"B","published":"2024-01-02T03:04:05Z","label":{"escalation":true}}

{"id":"x2","text":"C"}
`
	ls, err := ParseJSONL(strings.NewReader(in))
	if err != nil || len(ls) != 2 || ls[0].ID != "x1" || ls[0].GUID != "x1" || ls[0].Published.Year() != 2024 || len(ls[0].Label) == 0 {
		t.Fatalf("got %+v, %v", ls, err)
	}
	if _, err := ParseJSONL(strings.NewReader("{\"id\":1}\n{bad")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("want an error naming line 1, got %v", err)
	}
}

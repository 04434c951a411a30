package summary

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"html tags and entities", "<p>Two bombs hit&nbsp;Kharkiv &amp; nearby.</p>\n<p>More.</p>", "Two bombs hit Kharkiv & nearby.\nMore."},
		{"script and comment", "A<script>alert('x')</script> B<!-- hidden --> C", "A B C"},
		{"markdown link keeps label", "See [the ministry statement](https://example.org/x) now.", "See the ministry statement now."},
		{"markdown image", "![map](http://x/y.png) Troops moved.", "map Troops moved."},
		{"bare url dropped", "Read https://example.org/a?b=c today.", "Read today."},
		{"everyone defused", "Alert @everyone and @here now", "Alert @\u200beveryone and @\u200bhere now"},
		{"user role channel mentions dropped", "Hi <@123> <@!456> <@&789> <#42> ok", "Hi ok"},
		{"escaped mention decoded then dropped", "x &lt;@&amp;99&gt; y", "x y"},
		{"control and bidi characters", "a\x07b\u202ec\td\u200fe", "abc de"},
		{"invalid utf8", "ok\xffok", "ok\uFFFDok"},
		{"blank lines collapse", "one\n\n\n  two  three ", "one\ntwo three"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Clean(tc.in); got != tc.want {
				t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTruncateRunes(t *testing.T) {
	s := strings.Repeat("é", 10)
	got := truncateRunes(s, 5)
	if utf8.RuneCountInString(got) != 5 || !strings.HasSuffix(got, "…") || !utf8.ValidString(got) {
		t.Errorf("truncateRunes = %q", got)
	}
	if got := truncateRunes("short", 10); got != "short" {
		t.Errorf("truncateRunes kept %q", got)
	}
}

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"U.S. forces struck on Feb. 14 near Mosul. Gen. Smith said 1.5 tons fell. Residents fled.",
			[]string{"U.S. forces struck on Feb. 14 near Mosul.", "Gen. Smith said 1.5 tons fell.", "Residents fled."}},
		{`He said "we will fight." Then he left.`, []string{`He said "we will fight."`, "Then he left."}},
		{"Headline without period\nBody one. Body two!", []string{"Headline without period", "Body one.", "Body two!"}},
		{"- 09:00: Shelling began. - not a split\n* Bullet two", []string{"09:00: Shelling began. - not a split", "Bullet two"}},
		{"The J. Doe camp fell. it continued.", []string{"The J. Doe camp fell. it continued."}},
	}
	for _, tc := range tests {
		got := splitSentences(tc.in)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("splitSentences(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

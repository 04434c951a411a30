package feed

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/report"
)

func TestHTMLToText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain keeps lines", "First para.\n\n  Second   para.\n", "First para.\nSecond para."},
		{"plain entities", "Tom &amp; Jerry &lt;3 &#8212; ok", "Tom & Jerry <3 — ok"},
		{"less-than is not markup", "a < b and c > d", "a < b and c > d"},
		{"paragraphs", "<p>One.</p><p>Two <b>bold</b>.</p>", "One.\nTwo bold."},
		{"br and entities", "Line&nbsp;one<br>Line &quot;two&quot;<br/>", "Line one\nLine \"two\""},
		{"script and style dropped", "<style>p{}</style><p>Keep</p><script>alert('x')</script><noscript>no</noscript>", "Keep"},
		{"lists", "<ul><li>a</li><li>b</li></ul>", "a\nb"},
		{"inline whitespace", "<p>Hello\n   <a href='x'>world</a>\t!</p>", "Hello world !"},
		{"table cells", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
		{"pre keeps lines", "<pre>x = 1\ny = 2</pre>", "x = 1\ny = 2"},
		{"comments", "<!-- hidden --><p>shown</p>", "shown"},
		{"void embed does not swallow the rest", "<embed src=x><p>after</p>", "after"},
		{"title in a fragment head dropped", "<title>Site</title><p>body</p>", "body"},
		{"nested blocks", "<div><div><p>deep</p></div></div><div>next</div>", "deep\nnext"},
		{"unclosed", "<p>open <b>bold", "open bold"},
		{"invalid utf8", "<p>bad \xff byte</p>", "bad \uFFFD byte"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := HTMLToText(tc.in); got != tc.want {
				t.Errorf("HTMLToText(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestHTMLToTextDeepNesting(t *testing.T) {
	in := strings.Repeat("<div>", 100000) + "core" + strings.Repeat("</div>", 100000)
	if got := HTMLToText(in); got != "core" {
		t.Fatalf("got %q", report.TruncateBytes(got, 200))
	}
}

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{"", "<p>a</p>", "a < b", "&amp;&#0;&#xD800;", "<pre>x\ny</pre>", "\xff\xfe<br>", "<script>x</script>y", "<table><td>1<td>2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := HTMLToText(in)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
		}
		if strings.IndexByte(out, 0) >= 0 {
			t.Fatalf("NUL out of %q", in)
		}
		if out != strings.TrimSpace(out) {
			t.Fatalf("untrimmed output %q", out)
		}
	})
}

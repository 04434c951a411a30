package config

import (
	"os"
	"strings"
	"testing"
)

func TestAppendSources(t *testing.T) {
	add := []Source{
		{ID: "kyiv-independent", Kind: "feed", URL: "https://kyivindependent.com/feed/", Labels: map[string]string{"folder": "Ukraine", "trust": "press"}},
		{ID: "sahel-watch", Kind: "feed", URL: "https://example.org/sahel?format=rss&x=1", Interval: Duration(600e9)},
	}
	titles := []string{"The Kyiv Independent", "Sahel # Watch\nline two"}
	cases := []struct {
		name, in string
		want     string // the whole edited file
	}{
		{"no sources key", "log: {level: debug}   # keep me\n",
			"log: {level: debug}   # keep me\nsources:\n" +
				"  - id: kyiv-independent  # The Kyiv Independent\n    kind: feed\n    url: https://kyivindependent.com/feed/\n    labels: {folder: Ukraine, trust: press}\n" +
				"  - id: sahel-watch  # Sahel # Watch line two\n    kind: feed\n    url: https://example.org/sahel?format=rss&x=1\n    interval: 10m0s\n"},
		{"no trailing newline", "log: {level: debug}",
			"log: {level: debug}\nsources:\n" +
				"  - id: kyiv-independent  # The Kyiv Independent\n    kind: feed\n    url: https://kyivindependent.com/feed/\n    labels: {folder: Ukraine, trust: press}\n" +
				"  - id: sahel-watch  # Sahel # Watch line two\n    kind: feed\n    url: https://example.org/sahel?format=rss&x=1\n    interval: 10m0s\n"},
		{"empty flow list with a comment", "sources: []   # none yet\n#  - id: example\nalerts: {min_severity: high}\n",
			"sources:   # none yet\n" +
				"  - id: kyiv-independent  # The Kyiv Independent\n    kind: feed\n    url: https://kyivindependent.com/feed/\n    labels: {folder: Ukraine, trust: press}\n" +
				"  - id: sahel-watch  # Sahel # Watch line two\n    kind: feed\n    url: https://example.org/sahel?format=rss&x=1\n    interval: 10m0s\n" +
				"#  - id: example\nalerts: {min_severity: high}\n"},
		{"block list at indent 0, then a commented key", "sources:\n- id: wire\n  kind: feed\n  url: https://wire.example/rss   # the wire\n\n# Incident policy\nalerts: {min_severity: high}\n",
			"sources:\n- id: wire\n  kind: feed\n  url: https://wire.example/rss   # the wire\n" +
				"- id: kyiv-independent  # The Kyiv Independent\n  kind: feed\n  url: https://kyivindependent.com/feed/\n  labels: {folder: Ukraine, trust: press}\n" +
				"- id: sahel-watch  # Sahel # Watch line two\n  kind: feed\n  url: https://example.org/sahel?format=rss&x=1\n  interval: 10m0s\n" +
				"\n# Incident policy\nalerts: {min_severity: high}\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := AppendSources([]byte(c.in), add, titles)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != c.want {
				t.Errorf("edited:\n%s\nwant:\n%s", out, c.want)
			}
			cfg, err := Parse(out, env(nil))
			if err != nil {
				t.Fatalf("edited config invalid: %v\n%s", err, out)
			}
			n := len(cfg.Sources)
			if n < 2 || cfg.Sources[n-2].Labels["folder"] != "Ukraine" || cfg.Sources[n-1].Interval.D().Minutes() != 10 {
				t.Errorf("sources = %+v", cfg.Sources)
			}
		})
	}
	for _, c := range []struct{ name, in, want string }{
		{"flow list with items", "sources: [{id: a, kind: feed, url: \"https://a\"}]\n", "not a block list"},
		{"explicit null", "sources: ~\n", `without "~"`},
		{"not YAML", "sources: [\n", "parse config"},
	} {
		if _, err := AppendSources([]byte(c.in), add, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := AppendSources([]byte("log: {}\n"), []Source{{ID: "x", Kind: "feed", URL: "https://x/${HOME}"}}, nil); err == nil ||
		!strings.Contains(err.Error(), "contains ${") {
		t.Errorf("${ in an imported URL: %v", err)
	}
}

// TestAppendSourcesToTheExample: the shipped example keeps every byte and
// comment and gains the sources.
func TestAppendSourcesToTheExample(t *testing.T) {
	in, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := AppendSources(in, []Source{{ID: "wire", Kind: "feed", URL: "https://wire.example/rss"}}, []string{"Wire"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(out, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) != 1 || cfg.Sources[0].ID != "wire" {
		t.Errorf("sources = %+v", cfg.Sources)
	}
	// Every original line is still there, in order.
	outLines := strings.Split(string(out), "\n")
	j := 0
	for _, ln := range strings.Split(string(in), "\n") {
		if strings.HasPrefix(ln, "sources: []") {
			ln = "sources:" + strings.TrimPrefix(ln, "sources: []")
		}
		for j < len(outLines) && outLines[j] != ln {
			j++
		}
		if j == len(outLines) {
			t.Fatalf("line %q lost or moved", ln)
		}
	}
}

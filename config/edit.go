package config

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// FileSources returns the sources: list of a config file's text as
// written, without expanding ${VAR} or reading anything else: what an edit
// of the list needs to know (ids and URLs taken).
func FileSources(data []byte) ([]Source, error) {
	_, seq, err := sourcesNode(data)
	if err != nil || seq == nil || seq.Kind != yaml.SequenceNode {
		return nil, err
	}
	var out []Source
	if err := seq.Decode(&out); err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	return out, nil
}

// sourcesNode parses data and returns the document's top mapping and the
// value of its sources: key (nil when there is none).
func sourcesNode(data []byte) (top, seq *yaml.Node, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("parse config: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, nil, nil
	}
	top = doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, nil, errors.New("the config is not a YAML mapping")
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "sources" {
			return top, top.Content[i+1], nil
		}
	}
	return top, nil, nil
}

// AppendSources returns the config text with srcs added at the end of its
// sources: list, and every other byte as it was: comments, order, quoting
// and blank lines are the operator's, so the file is edited, not
// rewritten. A missing sources: key is added at the end; "sources: []" or
// an empty "sources:" becomes a block list. The result is parsed again and
// must hold exactly the old sources followed by srcs, or nothing is
// returned. Each source may carry a comment (its feed's title), written
// after its id.
func AppendSources(data []byte, srcs []Source, comments []string) ([]byte, error) {
	if len(srcs) == 0 {
		return data, nil
	}
	for _, s := range srcs {
		// ${...} would be expanded from the environment when the file is
		// loaded: an imported URL must not name a variable.
		for _, v := range append([]string{s.ID, s.URL, s.Path}, mapValues(s.Labels)...) {
			if strings.Contains(v, "${") {
				return nil, fmt.Errorf("source %s: %q contains ${, which the config would expand from the environment", s.ID, v)
			}
		}
	}
	old, err := FileSources(data)
	if err != nil {
		return nil, err
	}
	top, seq, err := sourcesNode(data)
	if err != nil {
		return nil, err
	}
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") {
		lines[n-1] += "\n"
	}
	var at int // insert the items before lines[at]
	indent := "  "
	switch {
	case seq == nil:
		lines = append(lines, "sources:\n")
		at = len(lines)
	case seq.Kind == yaml.ScalarNode && seq.Tag == "!!null":
		// "sources:" with nothing after it on its line.
		if seq.Value != "" {
			return nil, fmt.Errorf("line %d: write \"sources:\" without %q to import into it", seq.Line, seq.Value)
		}
		at = seq.Line
	case seq.Kind == yaml.SequenceNode && len(seq.Content) == 0 && seq.Style&yaml.FlowStyle != 0:
		// "sources: []": drop the brackets, keep any comment after them.
		ln := lines[seq.Line-1]
		col := seq.Column - 1
		if col < 0 || !strings.HasPrefix(ln[col:], "[]") {
			return nil, fmt.Errorf("line %d: cannot find the [] of sources", seq.Line)
		}
		lines[seq.Line-1] = strings.TrimRight(ln[:col], " ") + ln[col+2:]
		at = seq.Line
	case seq.Kind == yaml.SequenceNode && seq.Style&yaml.FlowStyle == 0:
		first := lines[seq.Content[0].Line-1]
		if i := strings.Index(first, "- "); i >= 0 && strings.TrimSpace(first[:i]) == "" {
			indent = first[:i]
		}
		at = listEnd(top, lines, seq)
	default:
		return nil, errors.New("sources is not a block list (- id: ...); write it as one, or import without --config and paste the output")
	}
	items, err := renderSources(srcs, comments, indent)
	if err != nil {
		return nil, err
	}
	out := strings.Join(lines[:at], "") + items + strings.Join(lines[at:], "")

	// Check the edit: the old sources, then exactly the new ones.
	got, err := FileSources([]byte(out))
	if err != nil {
		return nil, fmt.Errorf("edited config does not parse (nothing written): %w", err)
	}
	if len(got) != len(old)+len(srcs) {
		return nil, fmt.Errorf("edited config has %d sources, want %d (nothing written)", len(got), len(old)+len(srcs))
	}
	for i, s := range srcs {
		if g := got[len(old)+i]; g.ID != s.ID || g.URL != s.URL {
			return nil, fmt.Errorf("edited config: source %d is %q, want %q (nothing written)", len(old)+i, g.ID, s.ID)
		}
	}
	return []byte(out), nil
}

// listEnd is the index of the line before which items are appended to a
// block list: after its last item, before the blank and comment lines that
// lead into the next top-level key.
func listEnd(top *yaml.Node, lines []string, seq *yaml.Node) int {
	last := seq.Content[len(seq.Content)-1].Line
	end := len(lines)
	for i := 0; i+1 < len(top.Content); i += 2 {
		if l := top.Content[i].Line; l > last && l-1 < end {
			end = l - 1
		}
	}
	for end > last {
		t := strings.TrimSpace(lines[end-1])
		if t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		end--
	}
	return end
}

// renderSources writes srcs as block list items at indent.
func renderSources(srcs []Source, comments []string, indent string) (string, error) {
	var b strings.Builder
	for i, s := range srcs {
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(sourceNode(s)); err != nil {
			return "", fmt.Errorf("source %s: %w", s.ID, err)
		}
		enc.Close()
		body := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
		for j, ln := range body {
			prefix := indent + "  "
			if j == 0 {
				prefix = indent + "- "
			}
			b.WriteString(prefix + ln)
			if j == 0 && i < len(comments) {
				if c := commentText(comments[i]); c != "" {
					b.WriteString("  # " + c)
				}
			}
			b.WriteString("\n")
		}
	}
	return b.String(), nil
}

// sourceNode is a source as a YAML mapping of the keys it sets, in the
// order config.example.yaml documents them.
func sourceNode(s Source) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v *yaml.Node) {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, v)
	}
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	add("id", str(s.ID))
	add("kind", str(s.Kind))
	if s.URL != "" {
		add("url", str(s.URL))
	}
	if s.Path != "" {
		add("path", str(s.Path))
	}
	if s.Interval > 0 {
		add("interval", str(s.Interval.String()))
	}
	if s.FullText {
		add("full_text", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	if len(s.Labels) > 0 {
		l := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		for _, k := range sortedKeys(s.Labels) {
			l.Content = append(l.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, str(s.Labels[k]))
		}
		add("labels", l)
	}
	return m
}

// commentText makes a title safe as a YAML comment: one line, no control
// characters, at most 100 runes.
func commentText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 100 {
		s = string(r[:99]) + "…"
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, 2*len(m))
	for k, v := range m {
		out = append(out, k, v)
	}
	return out
}

package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// Labelled is a report with the corpus label it came with, if any. The label
// is kept as raw JSON: only `tocsin eval` interprets it. WeakLabel and
// Section carry a weakly labelled corpus's class and the section it was
// filed under (the Wikipedia portal file: "conflict", "Armed conflicts and
// attacks"); Line is the line it was read from, for errors.
type Labelled struct {
	Report
	ID        string          `json:"id"`
	Label     json.RawMessage `json:"label,omitempty"`
	WeakLabel string          `json:"weak_label,omitempty"`
	Section   string          `json:"section,omitempty"`
	Cluster   string          `json:"cluster,omitempty"`
	Line      int             `json:"-"`
}

// corpusLine is one line of the corpus format (../shared/corpus/README.md),
// which is also the push endpoint's and the folder source's JSON shape.
type corpusLine struct {
	ID        string          `json:"id"`
	GUID      string          `json:"guid"`
	Title     string          `json:"title"`
	Text      string          `json:"text"`
	Source    string          `json:"source"`
	Outlet    string          `json:"outlet"`
	URL       string          `json:"url"`
	Published string          `json:"published"`
	Label     json.RawMessage `json:"label"`
	WeakLabel string          `json:"weak_label"`
	Section   string          `json:"section"`
	Cluster   string          `json:"cluster"`
}

func (c corpusLine) labelled() (Labelled, error) {
	r := Report{GUID: c.GUID, URL: c.URL, Source: c.Source, Outlet: c.Outlet, Title: c.Title, Text: c.Text}
	if r.GUID == "" {
		r.GUID = c.ID
	}
	if c.Published != "" {
		t, err := time.Parse(time.RFC3339, c.Published)
		if err != nil {
			return Labelled{}, fmt.Errorf("published: %w", err)
		}
		r.Published = t
	}
	return Labelled{Report: r.Sanitize(), ID: c.ID, Label: c.Label, WeakLabel: c.WeakLabel, Section: c.Section,
		Cluster: c.Cluster}, nil
}

// ParseJSONL reads the corpus format, one JSON object per line. Blank lines
// are skipped; a malformed line is an error naming its line number. Lines may
// be long (a 10 MB report is still one line).
func ParseJSONL(r io.Reader) ([]Labelled, error) {
	var out []Labelled
	br := bufio.NewReaderSize(r, 1<<16)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var c corpusLine
			if jerr := json.Unmarshal(line, &c); jerr != nil {
				return out, fmt.Errorf("line %d: %w", n, jerr)
			}
			l, lerr := c.labelled()
			if lerr != nil {
				return out, fmt.Errorf("line %d: %w", n, lerr)
			}
			l.Line = n
			out = append(out, l)
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("line %d: %w", n, err)
		}
	}
}

// ParseJSON reads one report object or an array of them (the push endpoint
// and .json files in a folder source).
func ParseJSON(data []byte) ([]Labelled, error) {
	data = bytes.TrimSpace(data)
	var lines []corpusLine
	if len(data) > 0 && data[0] == '[' {
		if err := json.Unmarshal(data, &lines); err != nil {
			return nil, fmt.Errorf("decode report array: %w", err)
		}
	} else {
		var c corpusLine
		if err := json.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("decode report: %w", err)
		}
		lines = []corpusLine{c}
	}
	out := make([]Labelled, 0, len(lines))
	for i, c := range lines {
		l, err := c.labelled()
		if err != nil {
			return out, fmt.Errorf("report %d: %w", i, err)
		}
		out = append(out, l)
	}
	return out, nil
}

// ParseText reads a plain-text or Markdown report: the first line is the
// title when a blank line follows it, otherwise the whole file is the body.
// A leading Markdown "# " is dropped from the title. name becomes the GUID
// (the file name is the publisher's identity for a folder of reports).
func ParseText(name string, data []byte) Report {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	s = strings.TrimPrefix(s, "\uFEFF")
	r := Report{GUID: filepath.Base(name)}
	if i := strings.Index(s, "\n"); i >= 0 {
		rest := s[i+1:]
		if strings.HasPrefix(rest, "\n") || strings.HasPrefix(strings.TrimLeft(rest, " \t"), "\n") {
			r.Title = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s[:i]), "# "))
			s = strings.TrimLeft(rest, " \t\n")
		}
	}
	r.Text = strings.TrimSpace(s)
	return r.Sanitize()
}

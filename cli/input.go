package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tocsin-alerts/tocsin/report"
)

// readInputs reads reports from files: .jsonl corpora (one report per line),
// .json (one report or an array), anything else as a text report, and "-" for
// stdin (JSON Lines when it starts with '{', else text). Directories are
// read non-recursively.
func readInputs(paths []string, stdin io.Reader) ([]report.Labelled, error) {
	var out []report.Labelled
	for _, p := range paths {
		if p == "-" {
			data, err := io.ReadAll(stdin)
			if err != nil {
				return nil, fmt.Errorf("read stdin: %w", err)
			}
			ls, err := parseBytes("stdin", data, bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")))
			if err != nil {
				return nil, err
			}
			out = append(out, ls...)
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		files := []string{p}
		if st.IsDir() {
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", p, err)
			}
			files = files[:0]
			for _, e := range entries {
				switch strings.ToLower(filepath.Ext(e.Name())) {
				case ".txt", ".md", ".json", ".jsonl":
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", f, err)
			}
			ext := strings.ToLower(filepath.Ext(f))
			ls, err := parseBytes(f, data, ext == ".jsonl")
			if ext == ".json" {
				ls, err = report.ParseJSON(data)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			out = append(out, ls...)
		}
	}
	return out, nil
}

func parseBytes(name string, data []byte, jsonl bool) ([]report.Labelled, error) {
	if jsonl {
		return report.ParseJSONL(bytes.NewReader(data))
	}
	r := report.ParseText(name, data)
	return []report.Labelled{{Report: r, ID: filepath.Base(name)}}, nil
}

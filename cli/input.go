package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tocsin-alerts/tocsin/report"
)

// maxInputBytes bounds one input file or stdin read whole (summarize; score
// streams its inputs instead).
const maxInputBytes = 64 << 20

func reportFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var files []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".txt", ".md", ".json", ".jsonl":
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	return files, nil
}

// readReportFile reads one input by its extension: .jsonl/.ndjson corpus,
// .json report or array, anything else a text report. "-" reads stdin and
// sniffs the format: '{' starts JSON Lines, '[' a JSON array, else text.
// Text reports get no ID; callers name them.
func readReportFile(name string, stdin io.Reader) ([]report.Labelled, error) {
	var r io.Reader
	if name == "-" {
		if stdin == nil {
			return nil, errors.New("no standard input")
		}
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > maxInputBytes {
		return nil, fmt.Errorf("larger than %d MiB", maxInputBytes>>20)
	}
	ext := strings.ToLower(filepath.Ext(name))
	if trimmed := bytes.TrimSpace(data); name == "-" && len(trimmed) > 0 {
		switch trimmed[0] {
		case '{':
			ext = ".jsonl"
		case '[':
			ext = ".json"
		}
	}
	switch ext {
	case ".jsonl", ".ndjson":
		return report.ParseJSONL(bytes.NewReader(data))
	case ".json":
		return report.ParseJSON(data)
	}
	return []report.Labelled{{Report: report.ParseText(name, data)}}, nil
}

// apiKey resolves a model API key: the key file when given, else the
// TOCSIN_LLM_API_KEY environment variable.
func apiKey(getenv func(string) string, keyFile string) (string, error) {
	if keyFile == "" {
		return getenv("TOCSIN_LLM_API_KEY"), nil
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return "", fmt.Errorf("api key file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

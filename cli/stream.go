package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tocsin-alerts/tocsin/report"
)

// maxLineBytes bounds one line of a JSON Lines input (one report): a
// report's text is cut to report.MaxTextBytes for scoring anyway, so a
// longer line is reported and skipped rather than held in memory.
const maxLineBytes = 8 * report.MaxTextBytes

// maxTextFileBytes is how much of a text report is read: its body is cut
// to report.MaxTextBytes when scored.
const maxTextFileBytes = report.MaxTextBytes + 1<<20

// input is one file (or "-", stdin) to read reports from, and its size
// when known (for progress).
type input struct {
	name string
	size int64
}

// listInputs expands the arguments into files, in argument order
// (directories non-recursively, report extensions only), so that a missing
// path is an error before anything is scored.
func listInputs(paths []string) ([]input, error) {
	var out []input
	for _, p := range paths {
		if p == "-" {
			out = append(out, input{name: p, size: -1})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		if !st.IsDir() {
			out = append(out, input{name: p, size: st.Size()})
			continue
		}
		files, err := reportFiles(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			size := int64(-1)
			if fst, err := os.Stat(f); err == nil {
				size = fst.Size()
			}
			out = append(out, input{name: f, size: size})
		}
	}
	return out, nil
}

// reportSink receives each report read; bad receives each item that could
// not be read (file: line N: why), which is skipped.
type reportSink struct {
	report func(report.Labelled) error
	bad    func(error)
}

// streamInput reads one input's reports one at a time: a .jsonl corpus line
// by line and a .json array element by element, in constant memory however
// large; a text report whole. "-" is stdin, its format sniffed: '{' starts
// JSON Lines, '[' a JSON array, anything else is a text report.
func streamInput(ctx context.Context, in input, stdin io.Reader, counted func(io.Reader) io.Reader, sink reportSink) error {
	var r io.Reader
	if in.name == "-" {
		if stdin == nil {
			return errors.New("-: no standard input")
		}
		r = stdin
	} else {
		f, err := os.Open(in.name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	br := bufio.NewReaderSize(counted(r), 1<<16)
	ext := strings.ToLower(filepath.Ext(in.name))
	if in.name == "-" {
		ext = sniff(br)
	}
	name := in.name
	named := func(l report.Labelled) error {
		if l.ID == "" {
			l.ID = filepath.Base(name)
		}
		return sink.report(l)
	}
	switch ext {
	case ".jsonl", ".ndjson":
		return readJSONL(ctx, br, name, reportSink{report: named, bad: sink.bad})
	case ".json":
		return readJSONArray(ctx, br, name, reportSink{report: named, bad: sink.bad})
	}
	data, err := io.ReadAll(io.LimitReader(br, maxTextFileBytes))
	if err != nil {
		return fmt.Errorf("%s: read: %w", name, err)
	}
	return named(report.Labelled{Report: report.ParseText(name, data)})
}

// sniff tells stdin's format from its first byte that is not a space:
// ".jsonl" for '{', ".json" for '[', else ".txt". It only peeks.
func sniff(br *bufio.Reader) string {
	for n := 1; n <= br.Size(); n++ {
		b, _ := br.Peek(n)
		if len(b) < n {
			break // all space, or empty
		}
		switch b[n-1] {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			continue
		case '{':
			return ".jsonl"
		case '[':
			return ".json"
		}
		break
	}
	return ".txt"
}

// readJSONL reads one report a line. A malformed or oversized line is
// reported with its number and skipped.
func readJSONL(ctx context.Context, br *bufio.Reader, name string, sink reportSink) error {
	var line []byte
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		var tooLong bool
		line, tooLong, err = readLine(br, line[:0])
		switch {
		case tooLong:
			sink.bad(fmt.Errorf("%s: line %d: longer than %d MiB; skipped", name, n, maxLineBytes>>20))
		case len(bytes.TrimSpace(line)) == 0:
		case bytes.TrimSpace(line)[0] != '{':
			sink.bad(fmt.Errorf("%s: line %d: want a JSON object", name, n))
		default:
			ls, perr := report.ParseJSON(line)
			if perr != nil {
				sink.bad(fmt.Errorf("%s: line %d: %w", name, n, errors.Unwrap(perr)))
				break
			}
			for _, l := range ls {
				l.Line = n
				if rerr := sink.report(l); rerr != nil {
					return rerr
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: line %d: %w", name, n, err)
		}
	}
}

// readLine reads up to and including the next newline into dst. A line
// past maxLineBytes is read to its end but not kept (tooLong).
func readLine(br *bufio.Reader, dst []byte) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(dst)+len(chunk) > maxLineBytes {
				tooLong, dst = true, dst[:0]
			} else {
				dst = append(dst, chunk...)
			}
		}
		if err != bufio.ErrBufferFull {
			return dst, tooLong, err
		}
	}
}

// readJSONArray reads a JSON array of reports element by element, or one
// report object whole. A malformed element ends the file: JSON gives no
// place to resume.
func readJSONArray(ctx context.Context, br *bufio.Reader, name string, sink reportSink) error {
	if sniff(br) != ".json" {
		data, err := io.ReadAll(br)
		if err != nil {
			return fmt.Errorf("%s: read: %w", name, err)
		}
		ls, err := report.ParseJSON(data)
		if err != nil {
			sink.bad(fmt.Errorf("%s: %w", name, err))
		}
		for _, l := range ls {
			if err := sink.report(l); err != nil {
				return err
			}
		}
		return nil
	}
	dec := json.NewDecoder(br)
	if _, err := dec.Token(); err != nil { // the '['
		sink.bad(fmt.Errorf("%s: decode report array: %w", name, err))
		return nil
	}
	for i := 0; dec.More(); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			sink.bad(fmt.Errorf("%s: report %d: %w", name, i, err))
			return nil
		}
		if err := decodeReports(raw, name, i, sink); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the ']'
		sink.bad(fmt.Errorf("%s: decode report array: %w", name, err))
	}
	return nil
}

func decodeReports(raw []byte, name string, i int, sink reportSink) error {
	ls, err := report.ParseJSON(raw)
	if err != nil {
		sink.bad(fmt.Errorf("%s: report %d: %w", name, i, errors.Unwrap(err)))
		return nil
	}
	for _, l := range ls {
		if err := sink.report(l); err != nil {
			return err
		}
	}
	return nil
}

package feed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
)

// DefaultMaxFileBytes bounds one file of a folder source.
const DefaultMaxFileBytes = 10 << 20

// FileState is what a folder scan remembers about one file so that the next
// scan (even after a restart: the caller stores it) reports only new and
// changed files. Size and ModTime are a cheap first check; Hash decides, so
// a touched-but-unchanged file is not reported again.
type FileState struct {
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
	// Hash is the hex SHA-256 of the content.
	Hash string `json:"hash"`
	// Err is the last problem with this file ("" when it parsed), kept so
	// that an unchanged broken file stays visible without being re-read.
	Err string `json:"err,omitempty"`
}

// FileError is a problem with one file of a folder; the others are unaffected.
type FileError struct {
	Name string
	Err  error
}

func (e FileError) Error() string { return e.Name + ": " + e.Err.Error() }
func (e FileError) Unwrap() error { return e.Err }

// FolderScan is the outcome of one Scan.
type FolderScan struct {
	// Reports come from new and changed files only, sanitized.
	Reports []report.Report
	// State is the state to pass to the next Scan (every current file).
	State map[string]FileState
	// Problems lists every file currently unreadable or malformed,
	// including ones that were already broken at the last scan.
	Problems []FileError
}

// FolderOptions configures a Folder.
type FolderOptions struct {
	// Source is the source ID given to reports that do not name their own
	// (text files always; JSON reports without "source").
	Source string
	// MaxFileBytes bounds one file; larger files are a problem, not read.
	MaxFileBytes int64
	Logger       *slog.Logger
	// Now stamps report.Report.Fetched.
	Now func() time.Time
}

// Folder is a source made of report files in one directory: .txt and .md
// (report.ParseText), .json (one report or an array, report.ParseJSON) and
// .jsonl (the corpus format, report.ParseJSONL). Sub-directories, hidden
// files and other extensions are ignored.
type Folder struct {
	o   FolderOptions
	log *slog.Logger
}

// NewFolder returns a Folder with o's zero fields set to defaults.
func NewFolder(o FolderOptions) *Folder {
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Folder{o: o, log: o.Logger.With("component", "feed", "source", o.Source)}
}

// ScanDir scans directory dir. It is opened as an os.Root, so a symbolic link
// in the folder cannot make tocsin read files outside it.
func (f *Folder) ScanDir(ctx context.Context, dir string, prev map[string]FileState) (FolderScan, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return FolderScan{State: prev}, fmt.Errorf("folder source %q: %w", f.o.Source, err)
	}
	defer root.Close()
	return f.Scan(ctx, root.FS(), prev)
}

// Scan lists the top level of fsys and returns the reports of files that are
// new or changed since prev. A broken file is listed in Problems and skipped;
// only a failure to list the folder itself is an error, and then prev is
// returned unchanged so nothing is forgotten.
func (f *Folder) Scan(ctx context.Context, fsys fs.FS, prev map[string]FileState) (FolderScan, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return FolderScan{State: prev}, fmt.Errorf("folder source %q: list: %w", f.o.Source, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	out := FolderScan{State: make(map[string]FileState, len(entries))}
	now := f.o.Now()
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			// Keep what the previous scan knew about files not reached,
			// so they are neither lost nor reported twice.
			for name, st := range prev {
				if _, done := out.State[name]; !done {
					out.State[name] = st
				}
			}
			return out, fmt.Errorf("folder source %q: %w", f.o.Source, err)
		}
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") || !supportedFile(name) {
			continue
		}
		rs, st, problem := f.scanFile(fsys, e, prev[name], now)
		out.State[name] = st
		if problem != nil {
			out.Problems = append(out.Problems, FileError{Name: name, Err: problem})
		}
		// A .jsonl with one bad line still yields the good lines before it.
		out.Reports = append(out.Reports, rs...)
	}
	// Problems are the caller's to report (status, logs); this is detail.
	for _, p := range out.Problems {
		f.log.Debug("skipping report file", "file", p.Name, "error", p.Err)
	}
	return out, nil
}

func supportedFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt", ".md", ".json", ".jsonl":
		return true
	}
	return false
}

// scanFile returns the reports of one file when it changed since old.
func (f *Folder) scanFile(fsys fs.FS, e fs.DirEntry, old FileState, now time.Time) ([]report.Report, FileState, error) {
	name := e.Name()
	info, err := e.Info()
	if err == nil && info.Mode()&fs.ModeSymlink != 0 {
		// Follow the link through fsys: with an os.Root a link that
		// leaves the folder fails here instead of being read.
		info, err = fs.Stat(fsys, name)
	}
	if err != nil {
		return nil, FileState{Err: err.Error()}, err
	}
	if !info.Mode().IsRegular() {
		err := errors.New("not a regular file")
		return nil, FileState{Err: err.Error()}, err
	}
	st := FileState{Size: info.Size(), ModTime: info.ModTime().UTC()}
	if old.Hash != "" && old.Size == st.Size && old.ModTime.Equal(st.ModTime) {
		// Unchanged by size and time: no need to read it again.
		if old.Err != "" {
			return nil, old, errors.New(old.Err)
		}
		return nil, old, nil
	}
	if st.Size > f.o.MaxFileBytes {
		err := fmt.Errorf("%d bytes is over the %d-byte limit", st.Size, f.o.MaxFileBytes)
		st.Hash = "size:" + fmt.Sprint(st.Size) // remembered: not re-read until it changes
		st.Err = err.Error()
		return nil, st, err
	}
	data, err := readFileCapped(fsys, name, f.o.MaxFileBytes)
	if err != nil {
		st.Err = err.Error()
		return nil, st, err // no hash: read again next scan
	}
	sum := sha256.Sum256(data)
	st.Hash = hex.EncodeToString(sum[:])
	if old.Hash == st.Hash {
		// Touched but identical: nothing new to report.
		st.Err = old.Err
		if old.Err != "" {
			return nil, st, errors.New(old.Err)
		}
		return nil, st, nil
	}
	rs, err := parseReportFile(name, data)
	if err != nil {
		st.Err = err.Error()
	}
	for i := range rs {
		if rs[i].Source == "" {
			rs[i].Source = f.o.Source
		}
		rs[i].Fetched = now
		rs[i] = rs[i].Sanitize()
	}
	return rs, st, err
}

func readFileCapped(fsys fs.FS, name string, limit int64) ([]byte, error) {
	fh, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("grew over the %d-byte limit while being read", limit)
	}
	return data, nil
}

// parseReportFile parses one file by extension.
func parseReportFile(name string, data []byte) ([]report.Report, error) {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt", ".md":
		r := report.ParseText(name, data)
		if strings.TrimSpace(r.Title) == "" && strings.TrimSpace(r.Text) == "" {
			return nil, errors.New("empty report")
		}
		return []report.Report{r}, nil
	case ".json":
		ls, err := report.ParseJSON(data)
		return unlabel(ls), err
	case ".jsonl":
		ls, err := report.ParseJSONL(bytes.NewReader(data))
		return unlabel(ls), err
	}
	return nil, fmt.Errorf("unsupported extension %q", path.Ext(name))
}

func unlabel(ls []report.Labelled) []report.Report {
	out := make([]report.Report, len(ls))
	for i, l := range ls {
		out[i] = l.Report
	}
	return out
}

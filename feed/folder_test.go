package feed

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/seeds"
)

func writeFile(t *testing.T, dir, name, body string, mtime time.Time) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	// Explicit mtimes: the test must not depend on timestamp resolution.
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func guids(rs []report.Report) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.GUID
	}
	sort.Strings(out)
	return out
}

func problemNames(ps []FileError) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func TestFolderScan(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2024, 12, 5, 10, 0, 0, 0, time.UTC)
	writeFile(t, dir, "a.txt", "Troops withdraw\n\nForces were ordered to withdraw.", t0)
	writeFile(t, dir, "b.md", "# Airport closed\n\nAll flights suspended.", t0)
	writeFile(t, dir, "c.json", `[{"id":"c1","title":"One","text":"Body one","source":"wire-a"},{"guid":"c2","text":"Body two"}]`, t0)
	writeFile(t, dir, "d.jsonl", `{"id":"d1","text":"Line one"}`+"\n\n"+`{"id":"d2","text":"Line two","published":"2024-12-05T16:10:00Z"}`+"\n", t0)
	writeFile(t, dir, "broken.json", `{"text": "unterminated`, t0)
	writeFile(t, dir, "ignored.csv", "x,y", t0)
	writeFile(t, dir, ".hidden.txt", "secret draft", t0)
	writeFile(t, dir, "draft.txt~", "editor backup", t0)
	writeFile(t, dir, "huge.txt", strings.Repeat("x", 2048), t0)
	if err := os.Mkdir(filepath.Join(dir, "sub.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A symlink pointing outside the folder must not be followed out.
	outside := filepath.Join(t.TempDir(), "outside.txt")
	if err := os.WriteFile(outside, []byte("outside the folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	// A link that stays inside is followed.
	if err := os.Symlink("a.txt", filepath.Join(dir, "alias.txt")); err != nil {
		t.Fatal(err)
	}

	now := time.Date(2024, 12, 6, 0, 0, 0, 0, time.UTC)
	f := NewFolder(FolderOptions{Source: "inbox", MaxFileBytes: 1024, Now: func() time.Time { return now }})
	ctx := context.Background()

	s1, err := f.ScanDir(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(guids(s1.Reports), ","), "a.txt,alias.txt,b.md,c1,c2,d1,d2"; got != want {
		t.Fatalf("first scan reports %s, want %s", got, want)
	}
	if got, want := strings.Join(problemNames(s1.Problems), ","), "broken.json,escape.txt,huge.txt"; got != want {
		t.Fatalf("problems %s, want %s (%v)", got, want, s1.Problems)
	}
	byGUID := map[string]report.Report{}
	for _, r := range s1.Reports {
		byGUID[r.GUID] = r
		if !r.Fetched.Equal(now) {
			t.Errorf("%s: fetched %v", r.GUID, r.Fetched)
		}
	}
	if r := byGUID["a.txt"]; r.Title != "Troops withdraw" || r.Text != "Forces were ordered to withdraw." || r.Source != "inbox" {
		t.Errorf("a.txt: %+v", r)
	}
	if r := byGUID["b.md"]; r.Title != "Airport closed" {
		t.Errorf("b.md: %+v", r)
	}
	if byGUID["c1"].Source != "wire-a" || byGUID["c2"].Source != "inbox" {
		t.Errorf("sources: c1 %q c2 %q", byGUID["c1"].Source, byGUID["c2"].Source)
	}
	if !byGUID["d2"].Published.Equal(time.Date(2024, 12, 5, 16, 10, 0, 0, time.UTC)) {
		t.Errorf("d2 published %v", byGUID["d2"].Published)
	}

	// Second scan, nothing changed: no reports, broken files still listed.
	s2, err := f.ScanDir(ctx, dir, s1.State)
	if err != nil {
		t.Fatal(err)
	}
	if len(s2.Reports) != 0 || len(s2.Problems) != 3 {
		t.Fatalf("unchanged scan: %d reports, problems %v", len(s2.Reports), s2.Problems)
	}

	// Touch a.txt without changing it (hash equal: not reported), change
	// b.md, fix broken.json, add e.txt, delete d.jsonl.
	t1 := t0.Add(time.Hour)
	writeFile(t, dir, "a.txt", "Troops withdraw\n\nForces were ordered to withdraw.", t1)
	writeFile(t, dir, "b.md", "# Airport closed\n\nAll flights suspended until Monday.", t1)
	writeFile(t, dir, "broken.json", `{"id":"fixed","text":"now valid"}`, t1)
	writeFile(t, dir, "e.txt", "New report body only.", t1)
	if err := os.Remove(filepath.Join(dir, "d.jsonl")); err != nil {
		t.Fatal(err)
	}
	s3, err := f.ScanDir(ctx, dir, s2.State)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(guids(s3.Reports), ","), "b.md,e.txt,fixed"; got != want {
		t.Fatalf("third scan reports %s, want %s", got, want)
	}
	if _, ok := s3.State["d.jsonl"]; ok {
		t.Error("deleted file still in state")
	}
	if got := strings.Join(problemNames(s3.Problems), ","); got != "escape.txt,huge.txt" {
		t.Errorf("problems after fix: %s", got)
	}
}

func TestFolderPartialJSONL(t *testing.T) {
	fsys := fstest.MapFS{
		"corpus.jsonl": {Data: []byte(`{"id":"ok-1","text":"fine"}` + "\n" + `{"id":` + "\n" + `{"id":"ok-3","text":"after"}` + "\n")},
		"bad.txt":      {Data: []byte("  \n\n  ")},
	}
	s, err := NewFolder(FolderOptions{Source: "x"}).Scan(context.Background(), fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The good line before the bad one is kept; the file is reported.
	if got := strings.Join(guids(s.Reports), ","); got != "ok-1" {
		t.Errorf("reports %s", got)
	}
	if got := strings.Join(problemNames(s.Problems), ","); got != "bad.txt,corpus.jsonl" {
		t.Errorf("problems %s", got)
	}
	for _, p := range s.Problems {
		if p.Name == "corpus.jsonl" && !strings.Contains(p.Error(), "line 2") {
			t.Errorf("problem does not name the line: %v", p)
		}
	}
}

// TestFolderSeeds scans the embedded seed folder, which `tocsin run` polls
// on its defaults: every seed must come through.
func TestFolderSeeds(t *testing.T) {
	entries, err := seeds.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewFolder(FolderOptions{Source: "seeds"}).Scan(context.Background(), seeds.FS, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Problems) != 0 || len(s.Reports) != len(entries) || len(s.Reports) == 0 {
		t.Fatalf("%d reports from %d seeds, problems %v", len(s.Reports), len(entries), s.Problems)
	}
	for _, r := range s.Reports {
		if r.Text == "" || r.Source != "seeds" || r.GUID == "" {
			t.Errorf("seed %s: source %q, %d bytes of text", r.GUID, r.Source, len(r.Text))
		}
	}
	// embed.FS has no mtimes: a rescan relies on the hash and finds nothing new.
	s2, err := NewFolder(FolderOptions{Source: "seeds"}).Scan(context.Background(), seeds.FS, s.State)
	if err != nil || len(s2.Reports) != 0 {
		t.Fatalf("rescan: %v, %d reports", err, len(s2.Reports))
	}
}

func TestFolderMissingDirKeepsState(t *testing.T) {
	prev := map[string]FileState{"a.txt": {Size: 1, Hash: "h"}}
	s, err := NewFolder(FolderOptions{Source: "x"}).ScanDir(context.Background(), filepath.Join(t.TempDir(), "nope"), prev)
	if err == nil || s.State["a.txt"].Hash != "h" {
		t.Fatalf("err %v, state %v", err, s.State)
	}
}

package app_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

// ruleVersions writes two different valid rule sets into two directories:
// the built-in files, and the same files with one of them edited.
func ruleVersions(t *testing.T, root string) (v1, v2 string) {
	t.Helper()
	files, err := rules.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	v1, v2 = filepath.Join(root, "v1"), filepath.Join(root, "v2")
	for _, d := range []string{v1, v2} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			if d == v2 && name == "airspace.yaml" {
				b = append(b, "\n# edited for v2\n"...)
			}
			if err := os.WriteFile(filepath.Join(d, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return v1, v2
}

func versionOf(t *testing.T, dir string) string {
	t.Helper()
	set, err := rules.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return set.Version()
}

// watching loads the rules from dir and watches them until the test ends.
func watching(t *testing.T, dir string) *app.Rules {
	t.Helper()
	st, _ := storetest.SQLite(t)
	r, err := app.NewRules(dir, st, prometheus.NewRegistry(), discard())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Watch(ctx, make(chan os.Signal), 50*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-done })
	// Let the watcher arm itself before the test changes anything.
	time.Sleep(200 * time.Millisecond)
	return r
}

// waitVersion waits for the live rules to reach a version; the deadline is
// a failure guard only (the file events make it take milliseconds; the
// watcher's fingerprint poll is the net under them).
func waitVersion(t *testing.T, r *app.Rules, want string) {
	t.Helper()
	deadline := time.Now().Add(25 * time.Second)
	for r.Version() != want {
		if time.Now().After(deadline) {
			t.Fatalf("live rules %s after the change; want %s (last load %+v)", r.Version(), want, r.Last())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRulesDirDeletedAndRecreated: the directory is removed and made again
// with new rules (a deploy that rm -rf's and copies). The watch on the old
// directory died with it, and reloads used to stop for good.
func TestRulesDirDeletedAndRecreated(t *testing.T) {
	root := t.TempDir()
	v1, v2 := ruleVersions(t, root)
	dir := filepath.Join(root, "rules")
	if err := os.Rename(v1, dir); err != nil {
		t.Fatal(err)
	}
	r := watching(t, dir)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	// Meanwhile the old rules stay live, and the failure to read is shown.
	deadline := time.Now().Add(25 * time.Second)
	for r.Last().OK && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if r.Last().OK {
		t.Errorf("status still says ok with the rules directory gone")
	}
	if err := os.Rename(v2, dir); err != nil {
		t.Fatal(err)
	}
	waitVersion(t, r, versionOf(t, dir))
	if !r.Last().OK {
		t.Errorf("after the directory came back: %+v", r.Last())
	}
}

// TestRulesConfigMapSwap: Kubernetes mounts a ConfigMap as a directory of
// symlinks through ..data, and updates it by pointing ..data at a new
// timestamped directory; no rule file path sees an event. Reloads used to
// miss it and status kept saying "ok" with the old version.
func TestRulesConfigMapSwap(t *testing.T) {
	root := t.TempDir()
	v1, v2 := ruleVersions(t, root)
	dir := filepath.Join(root, "mount")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(v1, filepath.Join(dir, "..2025_01_01_00_00_00.1")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..2025_01_01_00_00_00.1", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "..data"))
	for _, e := range entries {
		if err := os.Symlink(filepath.Join("..data", e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	r := watching(t, dir)
	want := versionOf(t, v2)
	// The kubelet's atomic update: new directory, new link, rename over
	// ..data, old directory removed. The rule file links never change.
	if err := os.Rename(v2, filepath.Join(dir, "..2025_01_02_00_00_00.2")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..2025_01_02_00_00_00.2", filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "..2025_01_01_00_00_00.1")); err != nil {
		t.Fatal(err)
	}
	waitVersion(t, r, want)
}

// TestRulesDirSymlinkSwapped: rules.dir is itself a symlink that a deploy
// points at a new release directory (ln -sfn). The watch followed the old
// target, and reloads used to stop.
func TestRulesDirSymlinkSwapped(t *testing.T) {
	root := t.TempDir()
	v1, v2 := ruleVersions(t, root)
	link := filepath.Join(root, "current")
	if err := os.Symlink(v1, link); err != nil {
		t.Fatal(err)
	}
	r := watching(t, link)
	if err := os.Symlink(v2, link+".tmp"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(link+".tmp", link); err != nil {
		t.Fatal(err)
	}
	waitVersion(t, r, versionOf(t, v2))
}

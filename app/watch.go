package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// rulesPollEvery is how often Watch compares the rule files' fingerprint
// with the one last loaded: the safety net under fsnotify (network file
// systems, events lost in a swap).
const rulesPollEvery = 15 * time.Second

// Watch reloads on every signal from hup and on changes to the rules
// directory, until ctx ends. Without a rules directory only the signal is
// watched.
//
// The directory is watched robustly, because the ways admins and
// orchestrators update rules do not all touch the rule files:
//   - any change in the directory counts (an editor's rename, Kubernetes
//     swapping the ..data symlink its ConfigMap files point through);
//   - its parent is watched too, so a directory deleted and created again,
//     or a directory that is itself a symlink swapped to a new target, is
//     watched again and reloaded;
//   - every rulesPollEvery the files' fingerprint (names, sizes, times,
//     through symlinks) is compared with the last load's, which catches
//     whatever the events missed.
//
// Events are debounced (an editor's save is several events). A reload that
// fails keeps the old rules live and says so in the log, /status and the
// metrics; the next change tries again.
func (r *Rules) Watch(ctx context.Context, hup <-chan os.Signal, debounce time.Duration) {
	var events <-chan fsnotify.Event
	var errs <-chan error
	var poll <-chan time.Time
	var w *fsnotify.Watcher
	last := ""
	if r.dir != "" {
		var err error
		if w, err = fsnotify.NewWatcher(); err != nil {
			r.log.Error("cannot watch the rules directory; polling it and SIGHUP still reload", "error", err)
		} else {
			defer w.Close()
			events, errs = w.Events, w.Errors
			r.arm(w)
		}
		last = rulesFingerprint(r.dir)
		t := time.NewTicker(rulesPollEvery)
		defer t.Stop()
		poll = t.C
	}
	var timer *time.Timer
	var fire <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	later := func() {
		if timer == nil {
			timer = time.NewTimer(debounce)
		} else {
			timer.Reset(debounce)
		}
		fire = timer.C
	}
	reload := func() {
		last = rulesFingerprint(r.dir)
		r.Reload(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			r.log.Info("SIGHUP: reloading rules")
			reload()
		case ev := <-events:
			if r.relevant(ev) {
				if filepath.Clean(ev.Name) == filepath.Clean(r.dir) {
					// The directory itself was replaced, or its link swapped:
					// watch what the path names now.
					r.arm(w)
				}
				later()
			}
		case <-fire:
			fire = nil
			r.arm(w) // cheap, and a directory recreated between events is caught
			reload()
		case <-poll:
			if fp := rulesFingerprint(r.dir); fp != last {
				r.log.Info("rule files changed without a file event; reloading", "dir", r.dir)
				r.arm(w)
				reload()
			}
		case err := <-errs:
			r.log.Warn("rules watcher", "error", err)
		}
	}
}

// arm (re)adds the watches on the rules directory and its parent. Adding a
// path already watched is a no-op; a directory that does not exist (deleted,
// not yet recreated) is skipped until its parent reports it back.
func (r *Rules) arm(w *fsnotify.Watcher) {
	if w == nil {
		return
	}
	parent := filepath.Dir(filepath.Clean(r.dir))
	if err := w.Add(parent); err != nil {
		r.log.Debug("cannot watch the rules directory's parent", "dir", parent, "error", err)
	}
	// A watch on a path that was replaced still points at the old inode:
	// drop it and watch again.
	_ = w.Remove(r.dir)
	if err := w.Add(r.dir); err != nil {
		r.log.Warn("cannot watch the rules directory; waiting for it to appear", "dir", r.dir, "error", err)
	}
}

// relevant reports whether an event may change the rule set: anything in
// the rules directory, and in its parent only what names the directory.
func (r *Rules) relevant(ev fsnotify.Event) bool {
	dir := filepath.Clean(r.dir)
	name := filepath.Clean(ev.Name)
	if name == dir {
		return true
	}
	if filepath.Dir(name) != dir {
		return false
	}
	base := filepath.Base(name)
	// Editors' swap and backup files are noise; Kubernetes' ..data and
	// ..<timestamp> entries are not.
	return !(strings.HasSuffix(base, ".swp") || strings.HasSuffix(base, "~") || strings.HasPrefix(base, ".#"))
}

// rulesFingerprint summarises the rule files as a reload would read them
// (through symlinks): name, size and modification time of each.
func rulesFingerprint(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "error: " + err.Error()
	}
	var parts []string
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if strings.HasPrefix(name, ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			parts = append(parts, name+":"+err.Error())
			continue
		}
		parts = append(parts, fmt.Sprintf("%s:%d:%d", name, st.Size(), st.ModTime().UnixNano()))
	}
	sort.Strings(parts)
	return strings.Join(parts, "|")
}

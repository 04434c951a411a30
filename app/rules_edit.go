package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/web"
)

// Rule editing for the web console's playground: read the files the live
// set was loaded from, trial-compile an edit next to the others, and save
// one file (then reload). The console itself checks who may save.

var _ web.RuleEditor = (*Rules)(nil)

// RuleFiles returns the rule files by name: the rules directory's .yaml
// files, or the built-in ones (Dir empty) when none is configured.
func (r *Rules) RuleFiles() (web.RuleFiles, error) {
	if r.dir == "" {
		files, err := rules.DefaultFiles()
		if err != nil {
			return web.RuleFiles{}, fmt.Errorf("built-in rules: %w", err)
		}
		return web.RuleFiles{Files: files}, nil
	}
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return web.RuleFiles{}, fmt.Errorf("read rules dir: %w", err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if !ruleFileName(e.Name()) || e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(r.dir, e.Name()))
		if err != nil {
			return web.RuleFiles{}, fmt.Errorf("read rule file: %w", err)
		}
		files[e.Name()] = b
	}
	return web.RuleFiles{Dir: r.dir, Files: files}, nil
}

// ruleFileName matches what rules.LoadFS loads.
func ruleFileName(n string) bool {
	ext := filepath.Ext(n)
	return n != "" && n[0] != '.' && (ext == ".yaml" || ext == ".yml")
}

// Compile builds a set from files with the shared gazetteer and the live
// set's learned prior, without making it live: an edit is judged as it
// would score.
func (r *Rules) Compile(files map[string][]byte) (*rules.Set, error) {
	m, threshold := r.Set().Prior()
	return rules.Compile(files, rules.WithGazetteer(r.gaz), rules.WithPrior(m, threshold))
}

// SaveRuleFile replaces one existing rule file when the whole set with the
// new content lints clean and the file still holds what the edit started
// from (base, a web.FileHash), then reloads. The write is atomic: a temp
// file in the same directory renamed over the old one, so the watcher and
// a crash never see half a file.
func (r *Rules) SaveRuleFile(ctx context.Context, name string, content []byte, base string) error {
	if r.dir == "" {
		return errors.New("the built-in rules cannot be saved; set rules.dir")
	}
	rf, err := r.RuleFiles()
	if err != nil {
		return err
	}
	old, ok := rf.Files[name]
	if !ok || filepath.Base(name) != name {
		return fmt.Errorf("no rule file %q in %s", name, r.dir)
	}
	if web.FileHash(old) != base {
		return web.ErrRuleFileChanged
	}
	rf.Files[name] = content
	if _, err := r.Compile(rf.Files); err != nil {
		return err
	}
	path := filepath.Join(r.dir, name)
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("save rule file: %w", err)
	}
	tmp, err := os.CreateTemp(r.dir, ".tocsin-save-*")
	if err != nil {
		return fmt.Errorf("save rule file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return fmt.Errorf("save rule file: %w", err)
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("save rule file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save rule file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save rule file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save rule file: %w", err)
	}
	r.log.Info("rule file saved", "file", path)
	return r.Reload(ctx)
}

package rules

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/tocsin-alerts/tocsin/vocab"
)

// declaredCategories merges the categories: sections of a set's files. A
// set that declares none (a rule directory exported before categories were
// declarable) uses the built-in declaration, so old rule directories keep
// loading; a set that declares some owns its whole vocabulary.
func declaredCategories(files map[string]*file, order []string) (vocab.Categories, Problems) {
	var defs []vocab.Def
	var ps Problems
	where := map[vocab.Category]string{}
	firstFile, firstLine := "", 0
	for _, name := range order {
		f := files[name]
		for i, d := range f.cats {
			if prev, dup := where[d.Name]; dup {
				ps = append(ps, Problem{File: name, Line: f.catLines[i], Field: "categories." + string(d.Name),
					Msg: "category already declared in " + prev})
				continue
			}
			where[d.Name] = fmt.Sprintf("%s:%d", name, f.catLines[i])
			defs = append(defs, d)
			if firstFile == "" {
				firstFile, firstLine = name, f.catLines[i]
			}
		}
	}
	if len(defs) == 0 {
		cats, err := builtinCategories()
		if err != nil {
			return vocab.Categories{}, Problems{{File: "built-in", Msg: err.Error()}}
		}
		return cats, nil
	}
	cats, err := vocab.NewCategories(defs)
	if err != nil {
		return vocab.Categories{}, append(ps, Problem{File: firstFile, Line: firstLine, Field: "categories", Msg: err.Error()})
	}
	return cats, ps
}

// builtinCategories reads the categories declared by the embedded rule
// files: the built-in vocabulary is written once, in rules/default.
func builtinCategories() (vocab.Categories, error) {
	entries, err := fs.ReadDir(defaultFS, "default")
	if err != nil {
		return vocab.Categories{}, fmt.Errorf("built-in rules: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var defs []vocab.Def
	for _, n := range names {
		b, err := defaultFS.ReadFile(path.Join("default", n))
		if err != nil {
			return vocab.Categories{}, fmt.Errorf("built-in rules: %w", err)
		}
		f, ps := parseFile(n, b)
		if len(ps) > 0 || f == nil {
			return vocab.Categories{}, fmt.Errorf("built-in rules: %s", ps.Error())
		}
		defs = append(defs, f.cats...)
	}
	return vocab.NewCategories(defs)
}

// Categories returns the set's category vocabulary: what config routes,
// silences and chat commands validate against.
func (s *Set) Categories() vocab.Categories { return s.cats }

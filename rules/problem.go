package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong in a rule file, located precisely enough for an
// editor to jump to it.
type Problem struct {
	File  string
	Line  int
	Field string // e.g. "rules[2].match.all[1]"
	Msg   string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found in a rule set. A set with any problem is
// refused as a whole, so that a half-valid edit never goes live.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func (ps Problems) sorted() Problems {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
	return ps
}

// problems collects Problems for one file.
type problems struct {
	file string
	list Problems
	in   *interner // strings and lists shared across a set's files, or nil
}

// interner shares one copy of each distinct string and term list across
// the files of a set: copies of a rule for many regions repeat the same
// terms thousands of times.
type interner struct {
	strs  map[string]string
	lists map[string][]string
}

func newInterner() *interner {
	return &interner{strs: map[string]string{}, lists: map[string][]string{}}
}

// internList returns the set's copy of a term list: a rule copied for
// many regions repeats its lists verbatim. Lists are never changed once
// parsed, so they can be shared.
func (p *problems) internList(l []string) []string {
	if p.in == nil || len(l) < 2 {
		return l
	}
	key := strings.Join(l, "\x00")
	if c, ok := p.in.lists[key]; ok {
		return c
	}
	p.in.lists[key] = l
	return l
}

// intern returns the set's copy of s.
func (p *problems) intern(s string) string {
	if p.in == nil {
		return s
	}
	if c, ok := p.in.strs[s]; ok {
		return c
	}
	p.in.strs[s] = s
	return s
}

func (p *problems) add(line int, field, format string, args ...any) {
	p.list = append(p.list, Problem{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

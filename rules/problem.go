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
}

func (p *problems) add(line int, field, format string, args ...any) {
	p.list = append(p.list, Problem{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

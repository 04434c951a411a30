package web

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// editorView is the rule editor's state on the playground page.
type editorView struct {
	Available bool // rule editing is wired in
	Files     []string
	File      string
	YAML      string
	Base      string // FileHash of the content the edit started from
	Dir       string // "" for the built-in rules
	Tried     bool
	Clean     bool
	Lines     []lineView
	Other     []string // problems without a line in this file
	Preview   *preview
	Message   string
	Error     string
}

// lineView is one numbered line of the edited file with its problems.
type lineView struct {
	N        int
	Text     string
	Problems []string
}

// openEditor loads a rule file for editing (none when name is empty or
// unknown).
func (s *Server) openEditor(name string) editorView {
	ev := editorView{Available: s.o.Editor != nil}
	if !ev.Available {
		return ev
	}
	rf, err := s.o.Editor.RuleFiles()
	if err != nil {
		s.log.Error("read rule files", "error", err)
		ev.Error = "The rule files could not be read; the log has the details."
		return ev
	}
	ev.Files, ev.Dir = sortedNames(rf.Files), rf.Dir
	if b, ok := rf.Files[name]; ok {
		ev.File, ev.YAML, ev.Base = name, string(b), FileHash(b)
	} else if name != "" {
		ev.Error = fmt.Sprintf("There is no rule file %q.", name)
	}
	return ev
}

// editorFromForm is the editor as posted: the file name must be one of the
// rule set's files.
func (s *Server) editorFromForm(r *http.Request) editorView {
	ev := s.openEditor(r.PostFormValue("file"))
	if ev.File == "" {
		return ev
	}
	ev.YAML = strings.ReplaceAll(r.PostFormValue("yaml"), "\r\n", "\n")
	ev.Base = r.PostFormValue("base")
	return ev
}

// tryEdit lints the edited file within the whole set and, when it is clean,
// previews it on the stored reports. It returns the edited set (nil when
// the edit does not lint).
func (s *Server) tryEdit(ctx context.Context, ev *editorView, live *rules.Set) *rules.Set {
	ev.Tried = true
	rf, err := s.o.Editor.RuleFiles()
	if err != nil {
		s.log.Error("read rule files", "error", err)
		ev.Error = "The rule files could not be read; the log has the details."
		return nil
	}
	files := maps.Clone(rf.Files)
	files[ev.File] = []byte(ev.YAML)
	set, err := s.o.Editor.Compile(files)
	ev.annotate(err)
	if err != nil {
		return nil
	}
	ev.Clean = true
	if s.o.Reports != nil {
		reps, err := s.o.Reports.RecentReports(ctx, s.o.PreviewReports)
		if err != nil {
			s.log.Error("read recent reports", "error", err)
			ev.Error = "The stored reports could not be read for the preview; the log has the details."
			return set
		}
		ev.Preview = previewEdit(live, set, reps)
	}
	return set
}

// annotate lays the edited file out line by line with the lint problems
// at their lines; problems of other files, or of no line, are listed apart.
func (ev *editorView) annotate(err error) {
	lines := strings.Split(ev.YAML, "\n")
	ev.Lines = make([]lineView, len(lines))
	for i, l := range lines {
		ev.Lines[i] = lineView{N: i + 1, Text: l}
	}
	if err == nil {
		return
	}
	var ps rules.Problems
	if !errors.As(err, &ps) {
		ev.Other = append(ev.Other, err.Error())
		return
	}
	for _, p := range ps {
		msg := p.Msg
		if p.Field != "" {
			msg = p.Field + ": " + p.Msg
		}
		if p.File == ev.File && p.Line >= 1 && p.Line <= len(ev.Lines) {
			ev.Lines[p.Line-1].Problems = append(ev.Lines[p.Line-1].Problems, msg)
			continue
		}
		ev.Other = append(ev.Other, p.String())
	}
}

// brief is a verdict in a few words, for the preview table.
type brief struct {
	Alert    bool
	Severity rules.Severity
	Location string
	Rules    string
}

func briefOf(res rules.Result) brief {
	b := brief{Alert: res.Alert, Severity: res.Severity, Location: res.Location}
	var ids []string
	for _, e := range res.Evidence {
		if !slices.Contains(ids, e.Rule) {
			ids = append(ids, e.Rule)
		}
	}
	b.Rules = strings.Join(ids, ", ")
	return b
}

// previewRow is one stored report whose verdict the edit changes.
type previewRow struct {
	Change        string // added, removed, changed
	Title, Source string
	Before, After brief
}

// preview is what an edit would have changed on the stored reports.
type preview struct {
	Compared                int
	Added, Removed, Changed int
	Rows                    []previewRow
	More                    int // changed reports not listed
}

// maxPreviewRows bounds the preview table.
const maxPreviewRows = 50

// Summary says it in one sentence.
func (p *preview) Summary() string {
	if p.Added+p.Removed+p.Changed == 0 {
		return fmt.Sprintf("This edit would change no verdict on the last %s.", plural(p.Compared, "stored report"))
	}
	s := fmt.Sprintf("On the last %s, this edit would have added %s and removed %d",
		plural(p.Compared, "stored report"), plural(p.Added, "alert"), p.Removed)
	if p.Changed > 0 {
		s += fmt.Sprintf(", and changed the severity or place of %d", p.Changed)
	}
	return s + "."
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// previewEdit scores each report with the live and the edited rules.
func previewEdit(live, edited *rules.Set, reps []report.Report) *preview {
	p := &preview{Compared: len(reps)}
	for _, rep := range reps {
		before, after := briefOf(live.Score(rep)), briefOf(edited.Score(rep))
		var change string
		switch {
		case !before.Alert && after.Alert:
			change = "added"
			p.Added++
		case before.Alert && !after.Alert:
			change = "removed"
			p.Removed++
		case before.Alert && (before.Severity != after.Severity || before.Location != after.Location):
			change = "changed"
			p.Changed++
		default:
			continue
		}
		if len(p.Rows) == maxPreviewRows {
			p.More++
			continue
		}
		title := rep.Title
		if title == "" {
			if title = report.TruncateBytes(rep.Text, 120); len(title) < len(rep.Text) {
				title += "…"
			}
		}
		p.Rows = append(p.Rows, previewRow{Change: change, Title: title, Source: rep.Source, Before: before, After: after})
	}
	return p
}

// saveRule writes the edited rule file (admin only): it must lint clean
// within the whole set, and the file must not have changed since the edit
// began.
func (s *Server) saveRule(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	if s.o.Editor == nil {
		s.fail(w, r, http.StatusNotFound, "Rule editing is not available.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPlaygroundBytes)
	if err := r.ParseMultipartForm(maxPlaygroundBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		s.fail(w, r, http.StatusRequestEntityTooLarge, "The form could not be read.")
		return
	}
	d := playgroundData{Text: r.PostFormValue("report"), Editor: s.editorFromForm(r)}
	ev := &d.Editor
	status := http.StatusOK
	switch {
	case ev.File == "":
		status = http.StatusBadRequest
	case ev.Dir == "":
		status = http.StatusConflict
		ev.Error = "The built-in rules cannot be saved from here: export them with `tocsin rules export DIR`, " +
			"set rules.dir to DIR and restart."
	default:
		err := s.o.Editor.SaveRuleFile(ctx, ev.File, []byte(ev.YAML), ev.Base)
		if err == nil {
			s.log.Info("rule file saved from the web console", "file", ev.File, "remote", r.RemoteAddr)
			http.Redirect(w, r, "/playground?file="+url.QueryEscape(ev.File)+"&saved=1", http.StatusSeeOther)
			return
		}
		var ps rules.Problems
		switch {
		case errors.As(err, &ps):
			status = http.StatusUnprocessableEntity
			ev.Tried = true
			ev.annotate(err)
			ev.Error = "Not saved: the edit does not lint clean."
		case errors.Is(err, ErrRuleFileChanged):
			status = http.StatusConflict
			ev.Error = "Not saved: " + err.Error() + "."
		default:
			s.log.Error("save rule file", "file", ev.File, "error", err)
			status = http.StatusInternalServerError
			ev.Error = "Not saved: the file could not be written; the log has the details."
		}
	}
	s.render(w, r, status, "playground", "Rule playground", d)
}

package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

const (
	// maxPlaygroundBytes bounds one playground request: a pasted or
	// uploaded report plus a rule file.
	maxPlaygroundBytes = 4 << 20
	// maxReportBytes bounds the report scored (what a source would keep).
	maxReportBytes = 2 << 20
)

// verdict is a scored report ready to show: the result and the report's
// title and text cut into highlighted segments.
type verdict struct {
	Result    rules.Result
	TitleSegs []segment
	TextSegs  []segment
}

func newVerdict(rep report.Report, res rules.Result) *verdict {
	return &verdict{Result: res,
		TitleSegs: segments(rep.Title, evidenceSpans(res, "title", rep.Title)),
		TextSegs:  segments(rep.Text, evidenceSpans(res, "text", rep.Text))}
}

type playgroundData struct {
	Text    string // the report as pasted, to refill the form
	Live    *verdict
	Edited  *verdict // the pasted report under the edited rules
	Problem string   // why the input could not be read

	Editor editorView
}

func (s *Server) playgroundPage(w http.ResponseWriter, r *http.Request) {
	d := playgroundData{}
	d.Editor = s.openEditor(r.URL.Query().Get("file"))
	if r.URL.Query().Get("saved") != "" && d.Editor.File != "" {
		d.Editor.Message = "Saved " + d.Editor.File + " and reloaded the rules."
	}
	s.render(w, r, http.StatusOK, "playground", "Rule playground", d)
}

func (s *Server) playgroundPost(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	r.Body = http.MaxBytesReader(w, r.Body, maxPlaygroundBytes)
	if err := r.ParseMultipartForm(maxPlaygroundBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("The form could not be read (at most %d MiB).", maxPlaygroundBytes>>20))
		return
	}
	d := playgroundData{Text: r.PostFormValue("report")}
	rep, text, err := uploadedReport(r)
	switch {
	case err != nil:
		d.Problem = err.Error()
	case text != "":
		d.Text = text
	default:
		rep = report.ParseText("playground", []byte(d.Text))
	}
	live := s.o.Rules.Set()
	if d.Problem == "" && strings.TrimSpace(d.Text) != "" {
		if len(d.Text) > maxReportBytes {
			d.Problem = fmt.Sprintf("The report is %d bytes; the playground scores at most %d.", len(d.Text), maxReportBytes)
		} else {
			d.Live = newVerdict(rep, live.Score(rep))
		}
	}
	d.Editor = s.editorFromForm(r)
	if r.PostFormValue("action") == "try" && d.Editor.File != "" {
		set := s.tryEdit(ctx, &d.Editor, live)
		if set != nil && d.Live != nil {
			d.Edited = newVerdict(rep, set.Score(rep))
		}
	}
	s.render(w, r, http.StatusOK, "playground", "Rule playground", d)
}

// uploadedReport reads the optional file upload: .json and .jsonl in the
// corpus format (the first report), anything else as text. text is the
// report as it will refill the form; both are empty without an upload.
func uploadedReport(r *http.Request) (report.Report, string, error) {
	f, hdr, err := r.FormFile("upload")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return report.Report{}, "", nil
	}
	if err != nil {
		return report.Report{}, "", fmt.Errorf("the upload could not be read: %w", err)
	}
	defer f.Close()
	if hdr.Size == 0 {
		return report.Report{}, "", nil
	}
	b, err := io.ReadAll(io.LimitReader(f, maxReportBytes+1))
	if err != nil {
		return report.Report{}, "", fmt.Errorf("the upload could not be read: %w", err)
	}
	if len(b) > maxReportBytes {
		return report.Report{}, "", fmt.Errorf("the upload is larger than %d bytes", maxReportBytes)
	}
	var list []report.Labelled
	switch strings.ToLower(path.Ext(hdr.Filename)) {
	case ".json":
		list, err = report.ParseJSON(b)
	case ".jsonl":
		list, err = report.ParseJSONL(bytes.NewReader(b))
	default:
		rep := report.ParseText(hdr.Filename, b)
		return rep, asText(rep), nil
	}
	if err != nil {
		return report.Report{}, "", fmt.Errorf("%s: %w", hdr.Filename, err)
	}
	if len(list) == 0 {
		return report.Report{}, "", fmt.Errorf("%s holds no report", hdr.Filename)
	}
	return list[0].Report, asText(list[0].Report), nil
}

// asText writes a report the way ParseText reads it back: title, blank
// line, text.
func asText(r report.Report) string {
	if r.Title == "" {
		return r.Text
	}
	return r.Title + "\n\n" + r.Text
}

// sortedNames lists a file map's names in order.
func sortedNames(files map[string][]byte) []string {
	out := make([]string, 0, len(files))
	for n := range files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

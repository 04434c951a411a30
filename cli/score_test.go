package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/report"
)

// runCLI runs tocsin in-process with args and stdin, the way main does.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), Env{
		Args:   args,
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errb,
		Getenv: func(string) string { return "" },
	})
	return code, out.String(), errb.String()
}

// verdict is the jsonl line `tocsin score` promises (issue 2).
type verdict struct {
	ID         string   `json:"id"`
	Alert      bool     `json:"alert"`
	Score      float64  `json:"score"`
	Severity   string   `json:"severity"`
	Categories []string `json:"categories"`
	Location   string   `json:"location"`
	Evidence   []struct {
		Rule     string `json:"rule"`
		Category string `json:"category"`
		Sentence string `json:"sentence"`
		Field    string `json:"field"`
		Start    int    `json:"start"`
		End      int    `json:"end"`
		Why      string `json:"why"`
	} `json:"evidence"`
}

// verdicts decodes jsonl output strictly: every line one JSON object with
// every promised key present.
func verdicts(t *testing.T, out string) []verdict {
	t.Helper()
	var vs []verdict
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(line, &keys); err != nil {
			t.Fatalf("output line is not a JSON object: %v\n%s", err, line)
		}
		for _, k := range []string{"id", "alert", "score", "severity", "categories", "location", "evidence"} {
			if _, ok := keys[k]; !ok {
				t.Errorf("output line lacks %q: %s", k, line)
			}
		}
		var v verdict
		if err := json.Unmarshal(line, &v); err != nil {
			t.Fatalf("output line: %v\n%s", err, line)
		}
		for _, ev := range v.Evidence {
			if ev.Rule == "" || ev.Category == "" || ev.Sentence == "" || ev.Why == "" || ev.End <= ev.Start {
				t.Errorf("%s: incomplete evidence %+v", v.ID, ev)
			}
		}
		switch v.Severity {
		case "none", "low", "medium", "high", "critical":
		default:
			t.Errorf("%s: severity %q", v.ID, v.Severity)
		}
		vs = append(vs, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestScoreSeedStoryJSONL(t *testing.T) {
	const path = "../seeds/aleppo-offensive.txt"
	code, out, errOut := runCLI(t, "", "score", "--format", "jsonl", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	vs := verdicts(t, out)
	if len(vs) != 1 {
		t.Fatalf("%d verdicts, want 1:\n%s", len(vs), out)
	}
	v := vs[0]
	if v.ID != "aleppo-offensive.txt" {
		t.Errorf("id %q", v.ID)
	}
	if !v.Alert || (v.Severity != "high" && v.Severity != "critical") || v.Score <= 0 {
		t.Errorf("alert=%v severity=%s score=%v, want a high or critical alert", v.Alert, v.Severity, v.Score)
	}
	for _, c := range []string{"airport_closure", "withdrawal", "offensive"} {
		if !slices.Contains(v.Categories, c) {
			t.Errorf("categories %v lack %s", v.Categories, c)
		}
	}
	if !strings.HasPrefix(v.Location, "Aleppo") {
		t.Errorf("location %q, want Aleppo...", v.Location)
	}
	if len(v.Evidence) == 0 {
		t.Fatal("no evidence")
	}
	// Offsets index the report as the file reads: title, or body text.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := report.ParseText(path, data)
	for _, ev := range v.Evidence {
		field := r.Text
		if ev.Field == "title" {
			field = r.Title
		}
		if ev.Start < 0 || ev.End > len(field) || field[ev.Start:ev.End] != ev.Sentence {
			t.Errorf("%s: %s[%d:%d] does not slice to %q", ev.Rule, ev.Field, ev.Start, ev.End, ev.Sentence)
		}
		if strings.Contains(ev.Sentence, "refuted") {
			t.Errorf("the state-TV denial is evidence for %s", ev.Rule)
		}
	}
}

func TestScoreTextFormat(t *testing.T) {
	code, out, errOut := runCLI(t, "", "score", "../seeds/aleppo-offensive.txt", "../seeds/munich-snow-airport.txt")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "== aleppo-offensive.txt: ALERT") || !strings.Contains(out, "== munich-snow-airport.txt: no alert") {
		t.Errorf("text output lacks the two verdicts:\n%s", out)
	}
	if !strings.Contains(out, "suppressed") {
		t.Errorf("the snow trap should show what was suppressed:\n%s", out)
	}
}

// TestScoreJSONLKeepsOrder: a corpus file gives one line per report, in
// input order (not sorted, not by verdict), each with its own id.
func TestScoreJSONLKeepsOrder(t *testing.T) {
	dir := t.TempDir()
	lines := []map[string]any{
		{"id": "zz-last-id-first", "title": "Russian missiles strike Kharkiv", "text": "Russian missiles struck apartment blocks in Kharkiv overnight, killing 14 people, the governor said.", "published": "2024-05-01T06:00:00Z"},
		{"id": "aa-quiet", "title": "Bakery wins prize", "text": "A family bakery in Lyon won a national prize for its bread on Sunday.", "published": "2024-05-01T07:00:00Z"},
		{"id": "mm-snow", "title": "Snow closes Munich airport", "text": "Heavy snow forced Munich airport to close on Saturday and all flights were cancelled.", "published": "2023-12-02T07:00:00Z"},
	}
	var b strings.Builder
	for _, l := range lines {
		j, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	p := filepath.Join(dir, "three.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "score", "--format", "jsonl", p)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	vs := verdicts(t, out)
	if len(vs) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(vs), out)
	}
	wantAlert := []bool{true, false, false}
	for i, v := range vs {
		if v.ID != lines[i]["id"] {
			t.Errorf("line %d: id %q, want %q", i+1, v.ID, lines[i]["id"])
		}
		if v.Alert != wantAlert[i] {
			t.Errorf("line %d (%s): alert %v, want %v", i+1, v.ID, v.Alert, wantAlert[i])
		}
	}
}

func TestScoreStdin(t *testing.T) {
	text := "Rebels seize Saraqib\n\nRebels seized the town of Saraqib in Idlib province after heavy fighting, killing 12 soldiers.\n"
	code, out, errOut := runCLI(t, text, "score", "--format", "jsonl", "-")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	vs := verdicts(t, out)
	if len(vs) != 1 || !vs[0].Alert || !slices.Contains(vs[0].Categories, "territory_seized") {
		t.Fatalf("stdin text: %+v", vs)
	}
	// JSON Lines on stdin are read as a corpus.
	jsonl := `{"id":"s1","title":"Calm","text":"The city council approved a new park."}` + "\n" +
		`{"id":"s2","title":"Jets strike Homs","text":"Warplanes struck the city of Homs on Monday, killing 20 civilians."}` + "\n"
	code, out, errOut = runCLI(t, jsonl, "score", "--format", "jsonl", "-")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	vs = verdicts(t, out)
	if len(vs) != 2 || vs[0].ID != "s1" || vs[1].ID != "s2" || vs[0].Alert || !vs[1].Alert {
		t.Fatalf("stdin jsonl: %+v", vs)
	}
}

// TestScoreHostileFiles: a 10 MB report, an empty one, one of only
// punctuation and one of broken UTF-8 are all scored, exit 0.
func TestScoreHostileFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"big.txt":         bytes.Repeat([]byte("Shelling hit the town of Avdiivka again on Tuesday, officials said. "), 10<<20/68+1),
		"empty.txt":       nil,
		"punct.txt":       bytes.Repeat([]byte("!?.,;:—“”()[]…-–'\"\n"), 5000),
		"broken.txt":      []byte("Title \xff\xfe\n\nRebels \xc3\x28 seized the town \xed\xa0\x80 of Idlib.\x00 @everyone"),
		"empty-lines.txt": []byte("\n\n\n\n"),
	}
	var paths []string
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if len(files["big.txt"]) < 10<<20 {
		t.Fatalf("big.txt is %d bytes", len(files["big.txt"]))
	}
	code, out, errOut := runCLI(t, "", append([]string{"score", "--format", "jsonl"}, paths...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	vs := verdicts(t, out)
	if len(vs) != len(files) {
		t.Fatalf("%d verdicts for %d files", len(vs), len(files))
	}
	for _, v := range vs {
		switch v.ID {
		case "big.txt":
			if !v.Alert {
				t.Errorf("the 10 MB shelling report did not alert")
			}
		case "empty.txt", "punct.txt", "empty-lines.txt":
			if v.Alert || len(v.Evidence) != 0 {
				t.Errorf("%s: %+v", v.ID, v)
			}
		}
	}
}

func TestScoreUsageErrors(t *testing.T) {
	cases := [][]string{
		{"score"},
		{"score", "--format", "xml", "../seeds/aleppo-offensive.txt"},
		{"score", "--no-such-flag", "x"},
		{"score", filepath.Join(t.TempDir(), "missing.txt")},
	}
	for _, args := range cases {
		code, _, errOut := runCLI(t, "", args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
		if errOut == "" {
			t.Errorf("%v: nothing on stderr", args)
		}
	}
	// A malformed corpus line names its line.
	p := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(p, []byte("{\"id\":\"ok\",\"text\":\"fine\"}\n{not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "", "score", p)
	if code != ExitUsage || !strings.Contains(errOut, "bad.jsonl: line 2:") {
		t.Errorf("malformed jsonl: exit %d, stderr %q", code, errOut)
	}
}

// customRules is a one-rule directory: a word no built-in rule knows.
const customRules = `rules:
  - id: kraken-sighted
    title: Kraken sighted
    category: threat
    severity: medium
    match:
      all:
        - [kraken, sea monster]
        - [sight, spot, surface]
    examples:
      match: ["A kraken was sighted off the coast."]
      no_match: ["The aquarium sold kraken plush toys."]
`

func writeRules(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestScoreCustomRules: --rules DIR replaces the built-in set.
func TestScoreCustomRules(t *testing.T) {
	dir := writeRules(t, map[string]string{"kraken.yaml": customRules})
	text := "Kraken surfaces\n\nFishermen sighted a kraken off the coast of Bergen, Norway on Friday.\n"

	_, out, _ := runCLI(t, text, "score", "--format", "jsonl", "-")
	if vs := verdicts(t, out); len(vs) != 1 || vs[0].Alert {
		t.Fatalf("built-in rules alert on the kraken: %+v", vs)
	}
	// The rules alone (--no-prior): the custom rule fires.
	code, out, errOut := runCLI(t, text, "score", "--format", "jsonl", "--no-prior", "--rules", dir, "-")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	vs := verdicts(t, out)
	if len(vs) != 1 || !vs[0].Alert || vs[0].Severity != "medium" || len(vs[0].Evidence) == 0 || vs[0].Evidence[0].Rule != "kraken-sighted" {
		t.Fatalf("custom rule did not fire: %+v", vs)
	}
	// With the learned prior, a sea monster is no armed conflict: the
	// rule's evidence stays in the verdict, the alert is held, and says so.
	_, out, _ = runCLI(t, text, "score", "--format", "jsonl", "--rules", dir, "-")
	if vs := verdicts(t, out); len(vs) != 1 || vs[0].Alert || len(vs[0].Evidence) == 0 || !strings.Contains(out, `"held":true`) {
		t.Fatalf("the prior should hold the kraken alert and say so: %s", out)
	}
	// A threshold of 0 lets every rules alert through.
	_, out, _ = runCLI(t, text, "score", "--format", "jsonl", "--prior-threshold", "0", "--rules", dir, "-")
	if vs := verdicts(t, out); len(vs) != 1 || !vs[0].Alert {
		t.Fatalf("--prior-threshold 0 held the alert: %s", out)
	}
	// Replaced, not added: the seed story no longer alerts.
	_, out, _ = runCLI(t, "", "score", "--format", "jsonl", "--rules", dir, "../seeds/aleppo-offensive.txt")
	if vs := verdicts(t, out); len(vs) != 1 || vs[0].Alert {
		t.Fatalf("--rules kept built-in rules: %+v", vs)
	}
	// A bad rules dir is refused with exit 2.
	bad := writeRules(t, map[string]string{"bad.yaml": "rules:\n  - id: x\n    severity: loud\n"})
	code, _, errOut = runCLI(t, text, "score", "--rules", bad, "-")
	if code != ExitUsage || !strings.Contains(errOut, "bad.yaml:") {
		t.Fatalf("bad --rules: exit %d, stderr %q", code, errOut)
	}
}

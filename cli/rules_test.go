package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/rules"
)

// problemLine is the shape of every problem `rules lint` prints, so editors
// and CI annotations can jump to it: file:line: field: message.
var problemLine = regexp.MustCompile(`^\S+\.yaml:\d+: \S+: .+$`)

// problemLines returns the output lines that are not the closing summary,
// checking each has the file:line: field: message shape.
func problemLines(t *testing.T, out string) []string {
	t.Helper()
	var ps []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" || strings.HasPrefix(l, "tocsin: ") {
			continue
		}
		if !problemLine.MatchString(l) {
			t.Errorf("problem line not in file:line: field: message form: %q", l)
		}
		ps = append(ps, l)
	}
	return ps
}

// TestRulesLintReportsEveryProblem: one run names every problem of a bad
// rule directory, each at its file and line, and exits 2.
func TestRulesLintReportsEveryProblem(t *testing.T) {
	dir := writeRules(t, map[string]string{
		"a.yaml": `rules:
  - id: shared-id
    category: threat
    severity: low
    match: [warn]
  - id: unknown-key
    category: threat
    severity: low
    colour: red
    match: [threaten]
  - id: empty-terms
    category: offensive
    severity: high
    match:
      all:
        - []
        - [launch]
`,
		"b.yaml": `rules:
  - id: shared-id
    category: threat
    severity: low
    match: [ultimatum]
  - id: bad-severity
    category: shelling
    severity: apocalyptic
    match: [shell]
`,
	})
	code, out, errOut := runCLI(t, "", "rules", "lint", dir)
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d\n%s%s", code, ExitUsage, out, errOut)
	}
	ps := problemLines(t, out+errOut)
	want := []struct{ file, field, msg string }{
		{"a.yaml:9:", "colour", "unknown field"},
		{"a.yaml:", "all[0]", "empty"},
		{"b.yaml:8:", "severity", "severity"},
		{"b.yaml:2:", "id", "duplicate"},
	}
	for _, w := range want {
		found := false
		for _, p := range ps {
			if strings.Contains(p, w.file) && strings.Contains(p, w.field) && strings.Contains(p, w.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem %s ... %s: ...%s... in one run; got:\n%s", w.file, w.field, w.msg, strings.Join(ps, "\n"))
		}
	}
}

// TestRulesLintDuplicatesAcrossFiles: a rule id or a named list defined in
// two files is reported at the second definition, file:line: field: message.
func TestRulesLintDuplicatesAcrossFiles(t *testing.T) {
	dir := writeRules(t, map[string]string{
		"a.yaml": "lists:\n  places: [town]\nrules:\n  - id: shared-id\n    category: threat\n    severity: low\n    match: [warn]\n",
		"b.yaml": "lists:\n  places: [city]\nrules:\n  - id: shared-id\n    category: threat\n    severity: low\n    match: [\"@places\"]\n",
	})
	code, out, _ := runCLI(t, "", "rules", "lint", dir)
	if code != ExitUsage {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	ps := problemLines(t, out)
	for _, w := range []string{"b.yaml:4: id: duplicate rule id", "b.yaml:2: lists.places: list already defined"} {
		if !slices.ContainsFunc(ps, func(p string) bool { return strings.Contains(p, w) }) {
			t.Errorf("no %q in:\n%s", w, out)
		}
	}
}

// TestRulesLintLexiconProblems: a bad term in cues or global suppressors is
// reported at its file and line like any other problem.
func TestRulesLintLexiconProblems(t *testing.T) {
	dir := writeRules(t, map[string]string{"lex.yaml": `cues:
  hedge: ["@nolist"]
suppress:
  - {id: s, terms: ["@nolist2"]}
rules:
  - id: r
    category: threat
    severity: low
    match: [warn]
`})
	code, out, _ := runCLI(t, "", "rules", "lint", dir)
	if code != ExitUsage {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	ps := problemLines(t, out)
	for _, w := range []string{"lex.yaml:2: cues.hedge", "lex.yaml:4: suppress"} {
		if !slices.ContainsFunc(ps, func(p string) bool { return strings.Contains(p, w) }) {
			t.Errorf("no problem at %q in:\n%s", w, out)
		}
	}
}

// TestRulesLintOneProblem checks one problem's exact line and text.
func TestRulesLintOneProblem(t *testing.T) {
	dir := writeRules(t, map[string]string{"x.yaml": "rules:\n  - id: a\n    category: threat\n    severity: low\n    match: [warn]\n    colour: red\n"})
	code, out, _ := runCLI(t, "", "rules", "lint", dir)
	if code != ExitUsage {
		t.Fatalf("exit %d", code)
	}
	ps := problemLines(t, out)
	want := filepath.Join(dir, "x.yaml") + ":6: rules[0].colour: unknown field"
	if len(ps) != 1 || ps[0] != want {
		t.Fatalf("got %q, want [%q]", ps, want)
	}
}

func TestRulesLintInvalidYAML(t *testing.T) {
	dir := writeRules(t, map[string]string{"broken.yaml": "rules:\n  - id: a\n    match: [warn\n"})
	code, out, _ := runCLI(t, "", "rules", "lint", dir)
	if code != ExitUsage || !strings.Contains(out, "broken.yaml:") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestRulesLintBuiltin(t *testing.T) {
	code, out, errOut := runCLI(t, "", "rules", "lint")
	if code != ExitOK || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
}

func TestRulesTestBuiltin(t *testing.T) {
	code, out, errOut := runCLI(t, "", "rules", "test")
	if code != ExitOK {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	if !regexp.MustCompile(`(?m)^[1-9]\d* passed, 0 failed$`).MatchString(out) {
		t.Fatalf("built-in examples: %s", out)
	}
}

func TestRulesTestFailingExample(t *testing.T) {
	dir := writeRules(t, map[string]string{"kraken.yaml": customRules})
	code, out, errOut := runCLI(t, "", "rules", "test", dir)
	if code != ExitOK || !strings.Contains(out, "2 passed, 0 failed") {
		t.Fatalf("passing examples: exit %d: %s%s", code, out, errOut)
	}
	bad := strings.Replace(customRules, `"The aquarium sold kraken plush toys."`, `"A sea monster surfaced near the pier."`, 1)
	dir = writeRules(t, map[string]string{"kraken.yaml": bad})
	code, out, _ = runCLI(t, "", "rules", "test", dir)
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d: %s", code, ExitFailure, out)
	}
	if !strings.Contains(out, "FAIL") || !strings.Contains(out, "kraken-sighted") || !strings.Contains(out, "sea monster surfaced") ||
		!strings.Contains(out, "1 passed, 1 failed") {
		t.Fatalf("failure report lacks rule, text or counts:\n%s", out)
	}
}

func TestRulesExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exported")
	code, out, errOut := runCLI(t, "", "rules", "export", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	want, err := rules.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Fatalf("%d files exported, want %d", len(entries), len(want))
	}
	for name, content := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != string(content) {
			t.Errorf("%s: exported content differs (err %v)", name, err)
		}
	}
	// What export writes, lint accepts: the same number of rules.
	code, out, errOut = runCLI(t, "", "rules", "lint", dir)
	_, builtin, _ := runCLI(t, "", "rules", "lint")
	if code != ExitOK || firstField(out, 1) != firstField(builtin, 1) {
		t.Fatalf("lint of exported rules: exit %d: %s%s (built-in: %s)", code, out, errOut, builtin)
	}
	// An admin's edit is never overwritten.
	edited := filepath.Join(dir, "closures.yaml")
	if _, ok := want["closures.yaml"]; !ok {
		names := make([]string, 0, len(want))
		for n := range want {
			names = append(names, n)
		}
		slices.Sort(names)
		edited = filepath.Join(dir, names[len(names)-1])
	}
	if err := os.WriteFile(edited, []byte("# my edit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "", "rules", "export", dir)
	if code == ExitOK || !strings.Contains(errOut, "exists") {
		t.Fatalf("export over existing files: exit %d, stderr %q", code, errOut)
	}
	if got, _ := os.ReadFile(edited); string(got) != "# my edit\n" {
		t.Fatalf("export overwrote an edited file")
	}
	if code, _, _ := runCLI(t, "", "rules", "export"); code != ExitUsage {
		t.Errorf("export without DIR: exit %d", code)
	}
}

func TestRulesUsage(t *testing.T) {
	for _, args := range [][]string{{"rules"}, {"rules", "frobnicate"}, {"rules", "lint", "a", "b"}} {
		if code, _, errOut := runCLI(t, "", args...); code != ExitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	code, out, _ := runCLI(t, "", "rules", "list")
	if code != ExitOK || !strings.Contains(out, "airport_closure") {
		t.Errorf("rules list: exit %d\n%s", code, out)
	}
}

// firstField returns the n-th whitespace-separated field of s.
func firstField(s string, n int) string {
	f := strings.Fields(s)
	if n < len(f) {
		return f[n]
	}
	return ""
}

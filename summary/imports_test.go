package summary

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportBoundary keeps the package on its side of the design: it may use
// the standard library, report, go-openai, x/time/rate and golang-lru, and nothing else of
// tocsin (no rules, alerts or config), so it stays a leaf adapter.
func TestImportBoundary(t *testing.T) {
	allowed := map[string]bool{
		"github.com/tocsin-alerts/tocsin/report": true,
		"github.com/sashabaranov/go-openai":      true,
		"golang.org/x/time/rate":                 true,
		"github.com/hashicorp/golang-lru/v2":     true,
	}
	for _, dir := range []string{".", "openaitest"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if strings.Contains(strings.SplitN(p, "/", 2)[0], ".") && !allowed[p] {
					t.Errorf("%s imports %s", f, p)
				}
			}
		}
	}
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// corePackages must stay pure: they decide, they do not talk to the world
// (design.md). The poller, store, bot and app do the I/O around them.
var corePackages = []string{"./report", "./rules", "./rules/geo", "./alerts", "./vocab", "./route", "./secret"}

// forbiddenDeps are SDKs and I/O packages no core package may depend on,
// directly or through another package.
var forbiddenDeps = []string{
	"github.com/bwmarrin/discordgo",
	"github.com/sashabaranov/go-openai",
	"database/sql",
	"net/http",
	"github.com/robfig/cron/v3",
	"modernc.org/sqlite",
	"github.com/jackc/pgx/v5",
	"github.com/mmcdole/gofeed",
	"os/exec",
}

// goTool finds the go command of the toolchain running the tests, falling
// back to the one on PATH.
func goTool(t *testing.T) string {
	t.Helper()
	if root := runtime.GOROOT(); root != "" {
		p := filepath.Join(root, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command: %v", err)
	}
	return p
}

// goList runs `go list` with args and returns its output lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command(goTool(t), append([]string{"list"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.Fields(string(out))
}

// forbiddenIn returns the forbidden packages among deps.
func forbiddenIn(deps []string) []string {
	var bad []string
	for _, d := range deps {
		for _, f := range forbiddenDeps {
			if d == f || strings.HasPrefix(d, f+"/") {
				bad = append(bad, d)
			}
		}
	}
	return bad
}

// TestCoreImportsNoSDK enforces the architecture boundary of design.md:
// report, rules, rules/geo and alerts import no SDK, database, HTTP, cron,
// feed parser or process execution, even indirectly. (alerts has its own
// TestNoIO; this one covers every core package in one place.)
func TestCoreImportsNoSDK(t *testing.T) {
	for _, pkg := range corePackages {
		t.Run(strings.TrimPrefix(pkg, "./"), func(t *testing.T) {
			deps := goList(t, "-deps", "-f", "{{.ImportPath}}", pkg)
			self := "github.com/tocsin-alerts/tocsin/" + strings.TrimPrefix(pkg, "./")
			if !contains(deps, self) {
				t.Fatalf("go list -deps %s does not list %s itself: %v", pkg, self, deps)
			}
			if bad := forbiddenIn(deps); len(bad) > 0 {
				t.Errorf("%s depends on %v; core packages must do no I/O and import no SDK (design.md)", self, bad)
			}
		})
	}
}

// TestCoreNoOS: report and alerts do not even import os. rules may (it
// offers LoadDir over os.DirFS), so it is not listed here.
func TestCoreNoOS(t *testing.T) {
	for _, pkg := range []string{"./report", "./alerts", "./vocab"} {
		imports := goList(t, "-f", "{{join .Imports \"\\n\"}}", pkg)
		if len(imports) == 0 {
			t.Fatalf("%s: go list printed no imports; the check would prove nothing", pkg)
		}
		if contains(imports, "os") {
			t.Errorf("%s imports os; core packages take data, not files", pkg)
		}
	}
}

// TestArchCheckBites makes sure the check above can fail: the command
// itself (which runs the service) does depend on forbidden packages.
func TestArchCheckBites(t *testing.T) {
	deps := goList(t, "-e", "-deps", "-f", "{{.ImportPath}}", ".")
	if len(forbiddenIn(deps)) == 0 {
		t.Fatalf("the tocsin command shows no forbidden dependency; is go list output parsed right? %v", deps)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

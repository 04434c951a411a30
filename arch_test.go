package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
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

// configMay is everything outside the standard library that config may
// depend on, directly or through another package (design.md: config
// imports the stdlib and YAML). Reading a config file must not link a chat
// SDK, a feed parser or a database driver: `tocsin silence` and `tocsin
// status` load it too, and each notifier's section lives next to the
// notifier in a leaf package for exactly this reason. Add a package here
// only if it is as small and pure as these, and say why.
var configMay = struct {
	modules  []string // third-party modules, by module path
	packages []string // tocsin packages, by import path below the module
}{
	modules: []string{
		"gopkg.in/yaml.v3", // the YAML decoder: strict decoding, line numbers
	},
	packages: []string{
		"config",                  // itself
		"vocab",                   // severities, categories, label names: one vocabulary
		"secret",                  // the Secret type that prints <secret>
		"route",                   // a route's filter as configured, and inhibition rules
		"notify/notifyconfig",     // what the notifiers' sections share: BotToken, Retry, RouteSpec
		"slack/slackconfig",       // the slack: section
		"telegram/telegramconfig", // the telegram: section
		"matrix/matrixconfig",     // the matrix: section
		"webhook/webhookconfig",   // the webhook: section
	},
}

const module = "github.com/tocsin-alerts/tocsin"

// outsideConfigMay returns the non-standard packages of a go list line set
// ("importpath modulepath") that configMay does not allow.
func outsideConfigMay(lines []string) []string {
	var bad []string
	for _, ln := range lines {
		pkg, mod, _ := strings.Cut(ln, " ")
		switch {
		case mod == module:
			if !contains(configMay.packages, strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")) {
				bad = append(bad, pkg)
			}
		case !contains(configMay.modules, mod):
			bad = append(bad, pkg+" (module "+mod+")")
		}
	}
	return bad
}

// nonStandard lists pkg's dependency closure outside the standard library,
// one "importpath modulepath" a line.
func nonStandard(t *testing.T, pkgs ...string) []string {
	t.Helper()
	cmd := exec.Command(goTool(t), append([]string{"list", "-deps", "-f",
		"{{if not .Standard}}{{.ImportPath}} {{with .Module}}{{.Path}}{{end}}{{end}}"}, pkgs...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %v: %v", pkgs, err)
	}
	var lines []string
	for _, ln := range strings.Split(string(out), "\n") {
		if ln = strings.TrimSpace(ln); ln != "" {
			lines = append(lines, ln)
		}
	}
	return lines
}

// TestConfigDependsOnLeavesOnly enforces design.md's boundary for config:
// its dependency closure holds the standard library, gopkg.in/yaml.v3 and
// the tocsin leaves of configMay, nothing else. The leaves themselves do
// no I/O (the core's forbidden list), and each listed leaf is still used,
// so that the list says what config depends on.
func TestConfigDependsOnLeavesOnly(t *testing.T) {
	deps := nonStandard(t, "./config")
	if bad := outsideConfigMay(deps); len(bad) > 0 {
		t.Errorf("config depends on %d package(s) outside stdlib, YAML and its leaves (arch_test.go configMay):\n  %s",
			len(bad), strings.Join(bad, "\n  "))
	}
	for _, p := range configMay.packages {
		if !slices.ContainsFunc(deps, func(ln string) bool { return strings.HasPrefix(ln, module+"/"+p+" ") }) {
			t.Errorf("configMay lists %s, which config no longer depends on: remove it", p)
		}
	}
	var leaves []string
	for _, p := range configMay.packages {
		if p != "config" {
			leaves = append(leaves, "./"+p)
		}
	}
	if bad := forbiddenIn(goList(t, append([]string{"-deps", "-f", "{{.ImportPath}}"}, leaves...)...)); len(bad) > 0 {
		t.Errorf("config's leaves depend on %v; they must do no I/O and import no SDK", bad)
	}
	// The check bites: a notifier package (slack-go) is outside the list.
	if bad := outsideConfigMay(nonStandard(t, "./slack")); !slices.ContainsFunc(bad, func(s string) bool {
		return strings.Contains(s, "github.com/slack-go/slack")
	}) {
		t.Errorf("the slack notifier passes the config dependency check: %v", bad)
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

package cli

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// commandPaths lists every command of the tree (root included, hidden ones
// such as cobra's __complete left out), so a command added later is
// checked without anyone remembering to add it here.
func commandPaths(t *testing.T) [][]string {
	t.Helper()
	var out [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if c.Hidden {
			return
		}
		out = append(out, path)
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string(nil), path...), sub.Name()))
		}
	}
	root := newRoot(&Env{Getenv: func(string) string { return "" }})
	walk(root, nil)
	if len(out) < 15 {
		t.Fatalf("only %d commands found: %v", len(out), out)
	}
	return out
}

// TestEveryCommandFollowsTheConvention: -h/--help on every command exits 0
// and prints its usage on stdout, `help CMD` prints the same, an unknown
// flag (before or after the arguments) exits 2 naming the flag and the
// command's --help, and a flag that takes one of a few words says which
// when given another.
func TestEveryCommandFollowsTheConvention(t *testing.T) {
	for _, path := range commandPaths(t) {
		name := strings.Join(append([]string{"tocsin"}, path...), " ")
		t.Run(name, func(t *testing.T) {
			var helpOut string
			for _, h := range []string{"-h", "--help"} {
				code, out, errOut := runCLI(t, "", append(append([]string(nil), path...), h)...)
				if code != ExitOK || errOut != "" {
					t.Errorf("%s %s: exit %d, stderr %q", name, h, code, errOut)
				}
				if !strings.Contains(out, "Usage:\n  "+name) {
					t.Errorf("%s %s: no usage line for %q:\n%s", name, h, name, out)
				}
				helpOut = out
			}
			if len(path) > 0 && path[0] != "help" {
				code, out, _ := runCLI(t, "", append([]string{"help"}, path...)...)
				if code != ExitOK || out != helpOut {
					t.Errorf("help %s: exit %d, output differs from --help:\n%s", strings.Join(path, " "), code, out)
				}
			}
			bad := [][]string{append(append([]string(nil), path...), "--no-such-flag")}
			if len(path) > 0 {
				bad = append(bad, append(append([]string(nil), path...), "some-arg", "--no-such-flag"))
			}
			for _, args := range bad {
				code, out, errOut := runCLI(t, "", args...)
				if code != ExitUsage || out != "" || !strings.Contains(errOut, "unknown flag: --no-such-flag") ||
					!strings.Contains(errOut, "--help' for usage") {
					t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
				}
			}
			cmd, _, err := newRoot(&Env{Getenv: func(string) string { return "" }}).Find(path)
			if err != nil {
				t.Fatal(err)
			}
			cmd.Flags().VisitAll(func(fl *pflag.Flag) {
				ev, ok := fl.Value.(*enumValue)
				if !ok {
					return
				}
				code, _, errOut := runCLI(t, "", append(append([]string(nil), path...), "--"+fl.Name, "xml-bogus")...)
				want := `invalid argument "xml-bogus" for "--` + fl.Name + `" flag: must be ` + orList(ev.allowed)
				if code != ExitUsage || !strings.Contains(errOut, want) {
					t.Errorf("--%s xml-bogus: exit %d, stderr %q, want %q", fl.Name, code, errOut, want)
				}
			})
		})
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "a command is required"},
		{[]string{"scroe"}, "unknown command \"scroe\" for \"tocsin\"\n\nDid you mean this?\n\tscore"},
		{[]string{"score"}, "tocsin score: missing FILE, DIR or - (stdin) to score\nRun 'tocsin score --help' for usage."},
		{[]string{"score", "--format", "xml", "x.txt"}, "tocsin score: invalid argument \"xml\" for \"--format\" flag: must be text or jsonl"},
		{[]string{"rules"}, "tocsin rules: a subcommand is required: export, lint, list, test"},
		{[]string{"rules", "lnit"}, "unknown subcommand \"lnit\" (want export, lint, list, test); did you mean lint"},
		{[]string{"rules", "lint", "a", "b"}, "too many arguments"},
		{[]string{"run", "extra"}, "tocsin run: unexpected arguments [\"extra\"]"},
		{[]string{"help", "nope"}, "tocsin: unknown help topic \"nope\"\nRun 'tocsin --help' for usage."},
		{[]string{"eval", "-json"}, "unknown shorthand flag: 'j' in -json"},
	}
	for _, c := range cases {
		code, out, errOut := runCLI(t, "", c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, stderr %q, want it to contain %q (stdout %q)", c.args, code, errOut, c.want, out)
		}
	}
}

// TestFlagsAnywhere: flags may follow the arguments (issue 10: `eval FILE
// -v` read -v as a file name).
func TestFlagsAnywhere(t *testing.T) {
	corpus := filepath.Join(t.TempDir(), "c.jsonl")
	if err := os.WriteFile(corpus, []byte(`{"id":"a","text":"Rebels entered Aleppo and seized the airport.","label":{"escalation":true,"categories":["territory_seized"],"severity":"high","location":"Aleppo, Syria"}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, before, errOut := runCLI(t, "", "eval", "-v", corpus)
	if code != ExitOK {
		t.Fatalf("eval -v FILE: exit %d %s", code, errOut)
	}
	code, after, errOut := runCLI(t, "", "eval", corpus, "-v")
	if code != ExitOK || after != before {
		t.Errorf("eval FILE -v: exit %d %s\n%s\nwant\n%s", code, errOut, after, before)
	}
	code, out, _ := runCLI(t, "", "score", "../seeds/aleppo-offensive.txt", "--format", "jsonl")
	if code != ExitOK || !strings.HasPrefix(out, "{") {
		t.Errorf("score FILE --format jsonl: exit %d\n%s", code, out)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := runCLI(t, "", args...)
		if code != ExitOK || out != "tocsin "+Version+"\n" {
			t.Errorf("%v: exit %d %q", args, code, out)
		}
	}
}

// TestBusyPortNamesTheFlag: a port already in use says which address, where
// it came from, and how to choose another.
func TestBusyPortNamesTheFlag(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "", "run", "--http", addr, "--db", filepath.Join(dir, "a.db"))
	for _, want := range []string{"address already in use", addr + " (from --http)", "--http ADDR", "http.addr"} {
		if code != ExitFailure || !strings.Contains(errOut, want) {
			t.Errorf("busy --http: exit %d, stderr lacks %q:\n%s", code, want, errOut)
		}
	}
	cfg := filepath.Join(dir, "tocsin.yaml")
	if err := os.WriteFile(cfg, []byte("http: {addr: \""+addr+"\"}\nstore: {dsn: "+filepath.Join(dir, "b.db")+"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "", "run", "--config", cfg)
	if code != ExitFailure || !strings.Contains(errOut, "(from http.addr in "+cfg+")") {
		t.Errorf("busy http.addr: exit %d:\n%s", code, errOut)
	}
}

// TestStatusNeedsNoSecrets: `tocsin status` reads the store section only,
// so it works where the Discord token's variable and the model key's file
// are not there; `run` with the same config says what is missing.
func TestStatusNeedsNoSecrets(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tocsin.db")
	if code, _, errOut := runCLI(t, "", "once", "--db", db); code != ExitOK {
		t.Fatalf("once: exit %d %s", code, errOut)
	}
	cfg := filepath.Join(dir, "tocsin.yaml")
	if err := os.WriteFile(cfg, []byte("store: {dsn: "+db+"}\ndiscord:\n  token: ${DISCORD_TOKEN}\n  application_id: \"123456789012345678\"\n"+
		"summary: {base_url: \"http://127.0.0.1:1/v1\", model: m, api_key_file: "+filepath.Join(dir, "no-such-key")+"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "status", "--config", cfg)
	if code != ExitOK || !strings.Contains(out, "SOURCE") || !strings.Contains(out, "seeds") {
		t.Errorf("status: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "", "run", "--config", cfg, "--http", "")
	if code != ExitUsage || !strings.Contains(errOut, "discord.token (line 3): environment variable DISCORD_TOKEN is not set") {
		t.Errorf("run: exit %d %s", code, errOut)
	}
}

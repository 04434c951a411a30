package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/config"
)

const opmlFixture = "testdata/feeds.opml"

// wantImported are the feeds of testdata/feeds.opml that become sources:
// feed:// normalised, the repeat and the mailto: outline left out.
var wantImported = []struct{ id, url, folder string }{
	{"the-kyiv-independent", "https://kyivindependent.com/feed/", "Ukraine"},
	{"ukrainska-pravda", "http://www.pravda.com.ua/eng/rss/", "Ukraine"},
	{"studio-tamani-actualites", "https://www.studiotamani.org/feed/", "Sahel/Mali"},
	{"aljazeera-net", "https://www.aljazeera.net/aljazeerarss/a7c186be-1baa-4bd4-9d80-a84db769f779/73d0e1b4-532f-45ef-b135-bfdff8b8cab9", "Sahel"},
	{"wire", "https://wire.example/rss", ""},
}

func checkImported(t *testing.T, srcs []config.Source, trust string) {
	t.Helper()
	if len(srcs) != len(wantImported) {
		t.Fatalf("%d sources imported, want %d: %+v", len(srcs), len(wantImported), srcs)
	}
	for i, w := range wantImported {
		s := srcs[i]
		if s.ID != w.id || s.URL != w.url || s.Kind != "feed" || s.Labels["folder"] != w.folder || s.Labels["trust"] != trust {
			t.Errorf("source %d = %+v, want %+v trust=%q", i, s, w, trust)
		}
	}
}

// TestSourcesImportPrints: without --config the sources: block goes to
// stdout, a valid config on its own.
func TestSourcesImportPrints(t *testing.T) {
	code, out, errOut := runCLI(t, "", "sources", "import", opmlFixture, "--label", "trust=press")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	cfg, err := config.Parse([]byte(out), nil)
	if err != nil {
		t.Fatalf("printed sources are no valid config: %v\n%s", err, out)
	}
	checkImported(t, cfg.Sources, "press")
	for _, want := range []string{"5 new source(s), 0 already configured, 1 listed twice, 1 skipped", `skipped "Mailing list"`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, "- id: studio-tamani-actualites  # Studio Tamani – Actualités\n") {
		t.Errorf("titles not kept as comments:\n%s", out)
	}
}

// TestSourcesImportEditsTheConfig: with --config the file gains the
// sources and keeps every other line; a second import adds nothing; a dry
// run changes nothing; a config whose secrets come from unset variables is
// edited all the same (nothing is expanded).
func TestSourcesImportEditsTheConfig(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "tocsin.yaml")
	orig := "# our newsroom's tocsin\nlog: {level: info}\n\nsources:\n  - id: wire   # the agency wire\n    kind: feed\n    url: https://wire.example/rss\n\n# Discord\ndiscord:\n  token: ${DISCORD_TOKEN}\n  application_id: \"123456789012345678\"\n"
	if err := os.WriteFile(cfgPath, []byte(orig), 0o640); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "sources", "import", "--dry-run", opmlFixture, "-c", cfgPath)
	if b, _ := os.ReadFile(cfgPath); code != ExitOK || string(b) != orig || !strings.Contains(errOut, "dry run: nothing written") ||
		!strings.Contains(out, "the-kyiv-independent") {
		t.Fatalf("dry run: exit %d, file changed %v\n%s\n%s", code, string(b) != orig, out, errOut)
	}
	code, out, errOut = runCLI(t, "", "sources", "import", opmlFixture, "--config", cfgPath)
	if code != ExitOK || !strings.Contains(out, "4 new source(s), 1 already configured, 1 listed twice, 1 skipped; added to "+cfgPath) {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	edited, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(cfgPath); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}
	for _, ln := range strings.Split(orig, "\n") {
		if !strings.Contains(string(edited), ln) {
			t.Errorf("line %q lost:\n%s", ln, edited)
		}
	}
	cfg, err := config.Parse(edited, func(k string) string { return map[string]string{"DISCORD_TOKEN": "a.b.c"}[k] })
	if err != nil {
		t.Fatalf("edited config: %v\n%s", err, edited)
	}
	if cfg.Sources[0].ID != "wire" {
		t.Errorf("first source %q", cfg.Sources[0].ID)
	}
	// "wire" was configured already: the other four follow it.
	imported := append([]config.Source(nil), cfg.Sources[1:]...)
	checkImported(t, append(imported, cfg.Sources[0]), "")
	code, out, _ = runCLI(t, "", "sources", "import", opmlFixture, "--config", cfgPath)
	if again, _ := os.ReadFile(cfgPath); code != ExitOK || string(again) != string(edited) || !strings.Contains(out, "0 new source(s), 6 already configured") {
		t.Errorf("second import: exit %d, changed %v: %s", code, string(again) != string(edited), out)
	}
}

func TestSourcesImportErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	broken := write("broken.opml", "<opml version=\"2.0\"><body>\n<outline text=\"a\" xmlUrl=\"https://a/rss\">\n</body></opml>")
	rss := write("feed.xml", `<rss version="2.0"><channel><title>t</title></channel></rss>`)
	empty := write("empty.opml", `<opml version="2.0"><body><outline text="Folder"/></body></opml>`)
	flow := write("flow.yaml", "sources: [{id: a, kind: feed, url: \"https://a.example/rss\"}]\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sources", "import", broken}, "broken.opml: OPML line 3"},
		{[]string{"sources", "import", rss}, "not an OPML file: the root element is <rss>"},
		{[]string{"sources", "import", empty}, "lists no feeds"},
		{[]string{"sources", "import", filepath.Join(dir, "missing.opml")}, "no such file"},
		{[]string{"sources", "import", opmlFixture, "--label", "trust"}, `--label "trust": want NAME=VALUE`},
		{[]string{"sources", "import", opmlFixture, "--label", "Trust=x"}, "labels.Trust"},
		{[]string{"sources", "import", opmlFixture, "--interval", "soon"}, `invalid argument "soon" for "--interval"`},
		{[]string{"sources", "import"}, "missing one OPML FILE to import"},
	} {
		code, _, errOut := runCLI(t, "", c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errOut, c.want)
		}
	}
	code, _, errOut := runCLI(t, "", "sources", "import", opmlFixture, "--config", flow)
	if code != ExitFailure || !strings.Contains(errOut, "not a block list") {
		t.Errorf("flow list config: exit %d %s", code, errOut)
	}
}

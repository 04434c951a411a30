package cli

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"golang.org/x/text/unicode/norm"

	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/report"
)

func newSourcesCmd(env *Env) *cobra.Command {
	return group("sources", "Manage the configured sources", newSourcesImportCmd(env))
}

// importFlags are the flags of `tocsin sources import`.
type importFlags struct {
	config      string
	labels      []string
	folderLabel string
	interval    config.Duration
	dryRun      bool
}

func newSourcesImportCmd(env *Env) *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import [flags] FILE.opml",
		Short: "Add the feeds of an OPML subscription list to the config's sources",
		Long: `Import reads an OPML file (the subscription export of Miniflux, FreshRSS, Inoreader, Feedly,
NetNewsWire...) and adds each feed as a source of kind feed.

Sources live in the config file: it is what tocsin polls, and tocsin disables at start any source it
does not list. So import edits the config given by --config in place, adding to its sources: list and
leaving every other line, comment and blank line as it was; without --config it prints the sources:
block on stdout, to paste or to start a config with ('tocsin sources import feeds.opml > tocsin.yaml').
Feeds whose URL the config already has are skipped, as are repeats within the file. Restart tocsin to
poll the new sources.

Each source gets an id from its title (made unique), the --label labels, and the folder it sits in
as the label named by --folder-label ("folder" unless set to "").`,
		Example: "  tocsin sources import feeds.opml --config tocsin.yaml\n" +
			"  tocsin sources import feeds.opml -c tocsin.yaml --label trust=press --label region=sahel --dry-run\n" +
			"  tocsin sources import feeds.opml > tocsin.yaml",
		Args: argRange(1, 1, "one OPML FILE to import"),
		RunE: func(_ *cobra.Command, args []string) error { return exit(importSources(*env, f, args[0])) },
	}
	fs := cmd.Flags()
	fs.StringVarP(&f.config, "config", "c", env.Getenv("TOCSIN_CONFIG"), "config file to add the sources to, in place (env TOCSIN_CONFIG); none: print them")
	fs.StringArrayVar(&f.labels, "label", nil, "label NAME=VALUE for every imported source (repeatable)")
	fs.StringVar(&f.folderLabel, "folder-label", "folder", `label that records the OPML folder of a feed; "" for none`)
	fs.Var(durationValue{&f.interval}, "interval", "poll interval of the imported sources (default: poller.default_interval)")
	fs.BoolVarP(&f.dryRun, "dry-run", "n", false, "print what would be added; change nothing")
	return cmd
}

// durationValue is a flag that reads durations as the config does (90s,
// 5m, 1d).
type durationValue struct{ d *config.Duration }

func (v durationValue) Set(s string) error {
	d, err := config.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("want a positive duration such as 90s, 10m or 1d")
	}
	*v.d = config.Duration(d)
	return nil
}
func (v durationValue) String() string {
	if *v.d == 0 {
		return ""
	}
	return v.d.String()
}
func (v durationValue) Type() string { return "duration" }

func importSources(env Env, f importFlags, opmlPath string) int {
	fail := func(code int, format string, args ...any) int {
		fmt.Fprintf(env.Stderr, "tocsin sources import: "+format+"\n", args...)
		return code
	}
	labels := map[string]string{}
	for _, l := range f.labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return fail(ExitUsage, "--label %q: want NAME=VALUE", l)
		}
		labels[k] = v
	}
	fh, err := os.Open(opmlPath)
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	feeds, err := feed.ParseOPML(fh)
	fh.Close()
	if err != nil {
		return fail(ExitUsage, "%s: %v", opmlPath, err)
	}
	if len(feeds) == 0 {
		return fail(ExitUsage, "%s lists no feeds (no outline has an xmlUrl)", opmlPath)
	}
	var data []byte
	var existing []config.Source
	if f.config != "" {
		if data, err = os.ReadFile(f.config); err != nil {
			return fail(ExitUsage, "%v", err)
		}
		if existing, err = config.FileSources(data); err != nil {
			return fail(ExitUsage, "%s: %v", f.config, err)
		}
	}
	plan := planImport(feeds, existing, labels, f.folderLabel, f.interval)
	for _, s := range plan.skipped {
		fmt.Fprintf(env.Stderr, "skipped %s\n", s)
	}
	if err := config.ValidateSources(plan.add); err != nil {
		return fail(ExitUsage, "%v", err)
	}
	summary := fmt.Sprintf("%d new source(s), %d already configured, %d listed twice, %d skipped",
		len(plan.add), plan.present, plan.repeated, len(plan.skipped))
	if f.config == "" || f.dryRun {
		out, err := config.AppendSources(nil, plan.add, plan.titles)
		if err != nil {
			return fail(ExitFailure, "%v", err)
		}
		env.Stdout.Write(out)
		if f.dryRun {
			summary += " (dry run: nothing written)"
		}
		fmt.Fprintln(env.Stderr, summary)
		return ExitOK
	}
	if len(plan.add) == 0 {
		fmt.Fprintf(env.Stdout, "%s; %s unchanged\n", summary, f.config)
		return ExitOK
	}
	out, err := config.AppendSources(data, plan.add, plan.titles)
	if err != nil {
		return fail(ExitFailure, "%s: %v", f.config, err)
	}
	if err := writeFileAtomic(f.config, out); err != nil {
		return fail(ExitFailure, "%v", err)
	}
	fmt.Fprintf(env.Stdout, "%s; added to %s. Restart tocsin to poll them.\n", summary, f.config)
	return ExitOK
}

// importPlan is what an import adds, and why it leaves the rest out.
type importPlan struct {
	add               []config.Source
	titles            []string
	present, repeated int
	skipped           []string
}

// planImport turns OPML feeds into new sources: http(s) feeds only
// (feed:// is a link scheme for http), each URL once, none the config
// already has, ids unique.
func planImport(feeds []feed.OPMLFeed, existing []config.Source, labels map[string]string, folderLabel string, interval config.Duration) importPlan {
	var p importPlan
	configured := map[string]bool{}
	ids := map[string]bool{}
	for _, s := range existing {
		configured[report.CanonicalURL(s.URL)] = true
		ids[s.ID] = true
	}
	listed := map[string]bool{}
	for _, fd := range feeds {
		u, ok := feedURL(fd.URL)
		switch {
		case !ok:
			p.skipped = append(p.skipped, fmt.Sprintf("%q: %q is not an http(s) feed URL", fd.Title, fd.URL))
			continue
		case strings.Contains(u, "${"):
			p.skipped = append(p.skipped, fmt.Sprintf("%q: the URL contains ${, which the config would read as a variable", fd.Title))
			continue
		case configured[report.CanonicalURL(u)]:
			p.present++
			continue
		case listed[report.CanonicalURL(u)]:
			p.repeated++
			continue
		}
		listed[report.CanonicalURL(u)] = true
		s := config.Source{ID: uniqueID(sourceID(fd.Title, u), ids), Kind: "feed", URL: u, Interval: interval}
		ids[s.ID] = true
		if len(labels) > 0 || (folderLabel != "" && len(fd.Folder) > 0) {
			s.Labels = map[string]string{}
			for k, v := range labels {
				s.Labels[k] = v
			}
			if folderLabel != "" && len(fd.Folder) > 0 {
				s.Labels[folderLabel] = strings.Join(fd.Folder, "/")
			}
		}
		p.add = append(p.add, s)
		p.titles = append(p.titles, fd.Title)
	}
	return p
}

// feedURL normalises an OPML feed address: feed://host/x and
// feed:https://host/x name http(s) feeds.
func feedURL(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if rest, ok := strings.CutPrefix(raw, "feed:"); ok {
		raw = rest
		if strings.HasPrefix(raw, "//") {
			raw = "http:" + raw
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return u.String(), true
}

// sourceID makes a source id from a feed's title ("The Kyiv Independent"
// → "the-kyiv-independent"), or its host when the title has no Latin
// letters or digits ("الجزيرة" → "aljazeera-net").
func sourceID(title, rawURL string) string {
	id := slug(title)
	if id == "" {
		if u, err := url.Parse(rawURL); err == nil {
			id = slug(strings.TrimPrefix(u.Hostname(), "www."))
		}
	}
	if id == "" {
		id = "feed"
	}
	return id
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// accents fall away: "Genève" → "geneve"
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

func uniqueID(id string, taken map[string]bool) string {
	if !taken[id] {
		return id
	}
	for n := 2; ; n++ {
		if c := fmt.Sprintf("%s-%d", id, n); !taken[c] {
			return c
		}
	}
}

// writeFileAtomic replaces path with data so that a crash leaves the old
// file or the new one, never half of each, and keeps its permissions.
func writeFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

package bot

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/bot/discordtest"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/vocab"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -run Golden -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("%s differs from golden file:\n--- got\n%s\n--- want\n%s", path, buf.Bytes(), want)
	}
}

func TestGoldenPayloads(t *testing.T) {
	a := sampleAlert()
	esc := updated(a, "alert-3", alerts.Escalated)
	res := updated(esc, "alert-4", alerts.Resolved)
	contested := a
	contested.Incident.Contested = true
	contested.Incident.Evidence = append([]rules.Evidence(nil), a.Incident.Evidence...)
	contested.Incident.Evidence[0].Contested = true
	acks := []Ack{{IncidentID: a.Incident.ID, UserID: "123456789012345678", UserName: "ana", At: t0.Add(time.Hour)}}

	golden(t, "opened", incidentMessage(a, []string{roleHigh}, nil))
	golden(t, "escalated", incidentMessage(esc, []string{roleCrit}, acks))
	golden(t, "resolved", incidentMessage(res, nil, acks))
	golden(t, "contested", incidentMessage(contested, nil, nil))
	golden(t, "timeline_escalated", timelineLine(esc))
	golden(t, "announcement", escalationAnnouncement(esc, []string{roleCrit}, testChannel, "1100000000000000002"))
	golden(t, "hostile", incidentMessage(hostileAlert(), []string{roleHigh}, nil))
}

// hostileAlert carries everything a hostile or broken feed could send.
func hostileAlert() alerts.Alert {
	a := sampleAlert()
	big := strings.Repeat("Ωmega @everyone <@&999> **bold** [click](https://evil.example) ", 400) // ~24 KB
	broken := "caf\xe9 \xff\xfe broken \xc3"
	a.Incident.Title = "@everyone @here <@123456789012345678> <@&876543210987654321> # Heading [masked](https://evil.example) " + broken + big
	a.Incident.Location = "<#123> `code` ||spoiler||"
	a.Incident.Summary = big + broken
	a.Incident.Categories = []string{"airstrike", big}
	a.Incident.Evidence = []rules.Evidence{
		{Rule: "r1" + big, Category: big, Sentence: big, Why: big},
		{Rule: "r2", Category: "airstrike", Sentence: "> quoted\n# not a heading\n-# subtext " + broken, Why: "```code block```"},
		{Rule: "r3", Category: "airstrike", Sentence: big[:1000], Why: big},
		{Rule: "r4", Category: "airstrike", Sentence: "fourth", Why: "fourth"},
	}
	for i := 0; i < 40; i++ {
		a.Incident.Sources = append(a.Incident.Sources, alerts.SourceRef{
			Outlet: "Outlet [x](https://evil.example) @everyone " + big[:200], Title: big[:500],
			URL: "https://evil.example/a)b(c d?<x>", Source: "s"})
	}
	a.Incident.ID = strings.Repeat("long-incident-id-", 10)
	a.Report.Title = big
	return a
}

func TestHostileReportPostsAValidHarmlessMessage(t *testing.T) {
	e := newEnv(t, discordtest.Options{})
	n := e.notifier(newMemRefs())
	a := hostileAlert()
	mustNotify(t, n, a)
	mustNotify(t, n, updated(a, "alert-2", alerts.Escalated))
	noRejections(t, e)
	msgs := e.srv.Messages(testChannel)
	if len(msgs) != 2 {
		t.Fatalf("messages = %d, want incident + announcement", len(msgs))
	}
	for _, m := range append(msgs, e.srv.Messages(msgs[0].ID)...) {
		for _, p := range m.Pings {
			if p != "role:"+roleHigh && p != "role:"+roleCrit {
				t.Errorf("message %s would ping %q", m.ID, p)
			}
		}
		var am struct {
			Parse []string `json:"parse"`
		}
		if err := json.Unmarshal(m.AllowedMentions, &am); err != nil || am.Parse == nil || len(am.Parse) != 0 {
			t.Errorf("allowed_mentions.parse must be an explicit empty list: %s", m.AllowedMentions)
		}
		all := m.Content + string(m.Embeds)
		for _, bad := range []string{"@everyone", "@here", "<@123456789012345678>", "<@&876543210987654321>", "[masked](", "[click]("} {
			if strings.Contains(all, bad) {
				t.Errorf("message %s carries %q unneutralised", m.ID, bad)
			}
		}
		if !utf8.ValidString(all) {
			t.Errorf("message %s is not valid UTF-8", m.ID)
		}
	}
}

// TestLimitsByConstruction checks the worst case against every Discord
// limit, independently of the emulator.
func TestLimitsByConstruction(t *testing.T) {
	a := hostileAlert()
	many := make([]Ack, 50)
	for i := range many {
		many[i] = Ack{UserID: "123456789012345678", At: t0}
	}
	roles := make([]string, 200)
	for i := range roles {
		roles[i] = "876543210987654321"
	}
	for _, kind := range []alerts.EventKind{alerts.Opened, alerts.Escalated, alerts.Resolved} {
		b := a
		b.Kind = kind
		m := incidentMessage(b, roles, many)
		checkLimits(t, string(kind), m)
		checkLimits(t, "line", timelineLine(b))
		checkLimits(t, "announce", escalationAnnouncement(b, roles, testChannel, "1"))
		if got := runes(threadName(b.Incident)); got > limitThreadName {
			t.Errorf("thread name %d runes", got)
		}
	}
}

func checkLimits(t *testing.T, name string, m message) {
	t.Helper()
	if n := runes(m.Content); n > limitContent {
		t.Errorf("%s: content %d > %d", name, n, limitContent)
	}
	if len(m.AllowedMentions.Roles) > 100 {
		t.Errorf("%s: %d roles in allowed_mentions", name, len(m.AllowedMentions.Roles))
	}
	for _, e := range m.Embeds {
		if n := embedSize(e); n > limitEmbedTotal {
			t.Errorf("%s: embed total %d > %d", name, n, limitEmbedTotal)
		}
		if runes(e.Title) > limitTitle || runes(e.Description) > limitDescription || len(e.Fields) > limitFields {
			t.Errorf("%s: title %d, description %d, fields %d", name, runes(e.Title), runes(e.Description), len(e.Fields))
		}
		if e.Footer != nil && runes(e.Footer.Text) > limitFooter {
			t.Errorf("%s: footer %d", name, runes(e.Footer.Text))
		}
		for _, f := range e.Fields {
			if runes(f.Name) > limitFieldName || runes(f.Value) > limitFieldValue || strings.TrimSpace(f.Value) == "" {
				t.Errorf("%s: field %q: name %d value %d", name, f.Name, runes(f.Name), runes(f.Value))
			}
		}
	}
	for _, c := range m.Components {
		row := c.(discordgo.ActionsRow)
		for _, b := range row.Components {
			if btn, ok := b.(discordgo.Button); ok && len(btn.CustomID) > limitCustomID {
				t.Errorf("%s: custom id %d bytes", name, len(btn.CustomID))
			}
		}
	}
}

func TestEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"@everyone", "@\u200beveryone"},
		{"hi <@123>", "hi \\<\u200b@\u200b123\\>"},
		{"[x](https://e.example)", "\\[x\\]\\(https://e.example\\)"},
		{"# title\n> quote", "\\# title\n\\> quote"},
		{"a*b_c~d`e|f", "a\\*b\\_c\\~d\\`e\\|f"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"ctl\x00\x07\u202e", "ctl"},
	}
	for _, c := range cases {
		if got := escape(c.in); got != c.want {
			t.Errorf("escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"ωωωωωω", 4, "ωωω…"},
		{"abc\\*def", 5, "abc…"},        // no dangling backslash
		{"ab@\u200beveryone", 4, "ab…"}, // no half-neutralised mention
		{"x", 0, ""},
	}
	for _, c := range cases {
		if got := truncate(c.in, c.n); got != c.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestRouteMatches(t *testing.T) {
	inc := sampleAlert().Incident // high, strike, "Odesa, Ukraine"
	cases := []struct {
		name  string
		route Route
		want  bool
	}{
		{"everything", Route{}, true},
		{"country", Route{Places: []string{"ukraine"}}, true},
		{"city and country", Route{Places: []string{"Odesa,  Ukraine"}}, true},
		{"other country", Route{Places: []string{"Poland"}}, false},
		{"partial word is not a place", Route{Places: []string{"Ukr"}}, false},
		{"category", Route{Categories: []vocab.Category{"airstrike"}}, true},
		{"other category", Route{Categories: []vocab.Category{"territory_seized"}}, false},
		{"min severity met", Route{MinSeverity: rules.SevHigh}, true},
		{"min severity not met", Route{MinSeverity: rules.SevCritical}, false},
	}
	for _, c := range cases {
		if got := c.route.Matches(inc); got != c.want {
			t.Errorf("%s: Matches = %v, want %v", c.name, got, c.want)
		}
	}
}

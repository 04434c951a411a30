package feed

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/report"
)

// TestHostileFeedContent serves feeds with broken bytes, NULs, mentions and
// oversize bodies: nothing crashes, every report comes out sanitized, and
// the text is kept (mentions are the notifier's business, not ours).
func TestHostileFeedContent(t *testing.T) {
	huge := strings.Repeat("escalation ", (report.MaxTextBytes/11)+1000)
	feeds := map[string]string{
		"/rss-bad-utf8": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Bad \xff outlet</title>" +
			"<item><guid>1</guid><title>Broken \xc3\x28 bytes</title><description>@everyone &lt;@123&gt; text \xfe here</description></item></channel></rss>",
		"/latin1": "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>T</title>" +
			"<item><guid>l</guid><title>Caf\xe9 ferm\xe9</title><description>d\xe9j\xe0</description></item></channel></rss>",
		"/json-nul":  `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"n\u0000ul","title":"NUL\u0000title","content_text":"@here ping\u0000 me"}]}`,
		"/json-huge": `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"big","content_text":"` + huge + `"}]}`,
	}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(feeds[r.URL.Path])) })
	f := newFetcher(t, Options{})
	for path := range feeds {
		res, err := f.Fetch(context.Background(), Source{ID: "h", URL: srv.URL + path})
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if len(res.Reports) != 1 {
			t.Errorf("%s: %d reports", path, len(res.Reports))
			continue
		}
		r := res.Reports[0]
		for _, s := range []string{r.GUID, r.URL, r.Source, r.Outlet, r.Title, r.Text} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Errorf("%s: unsanitized %q", path, s)
			}
		}
		if len(r.Text) > report.MaxTextBytes {
			t.Errorf("%s: text %d bytes", path, len(r.Text))
		}
		switch path {
		case "/rss-bad-utf8":
			if r.Text != "@everyone <@123> text \uFFFD here" || r.Title != "Broken \uFFFD( bytes" {
				t.Errorf("bad utf8: %q / %q", r.Title, r.Text)
			}
		case "/latin1":
			if r.Title != "Café fermé" || r.Text != "déjà" {
				t.Errorf("latin1 not converted: %q / %q", r.Title, r.Text)
			}
		case "/json-nul":
			if r.Text != "@here ping me" || r.GUID != "nul" {
				t.Errorf("nul: %+v", r)
			}
		}
	}
}

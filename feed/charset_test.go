package feed

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// latin1Titles are the item titles of testdata/latin1.rss, an RSS feed
// written in ISO-8859-1 whose XML declaration names no encoding (issue 10:
// it came out as "Psychologue \uFFFD domicile").
var latin1Titles = []string{"Psychologue à domicile", "Cours de français - niveau avancé"}

// TestFetchLatin1Feed serves a real ISO-8859-1 feed over HTTP with the
// charset in the header, in the XML declaration, in neither, and in both
// disagreeing, and expects the same text each time.
func TestFetchLatin1Feed(t *testing.T) {
	raw := fixture(t, "latin1.rss")
	if utf8.Valid(raw) {
		t.Fatal("fixture is not ISO-8859-1")
	}
	declared := bytes.Replace(raw, []byte(`<?xml version="1.0"?>`), []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>`), 1)
	cases := []struct {
		name, contentType string
		body              []byte
		from              string
	}{
		{"header", "application/rss+xml; charset=ISO-8859-1", raw, "header"},
		{"header in quotes, other case", `text/xml; Charset="iso-8859-1"`, raw, "header"},
		{"declaration", "application/rss+xml", declared, "declaration"},
		{"neither: detected", "application/rss+xml", raw, "detected"},
		{"no content type at all", "", raw, "detected"},
		{"header claims utf-8, declaration knows", "application/rss+xml; charset=utf-8", declared, "declaration"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if c.contentType != "" {
					w.Header().Set("Content-Type", c.contentType)
				} else {
					w.Header()["Content-Type"] = nil // no sniffing either
				}
				w.Write(c.body)
			})
			res, err := newFetcher(t, Options{}).Fetch(context.Background(), Source{ID: "annonces", URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			if res.CharsetFrom != c.from {
				t.Errorf("charset from %q (%s), want %q", res.CharsetFrom, res.Charset, c.from)
			}
			checkLatin1Reports(t, res)
		})
	}
}

func checkLatin1Reports(t *testing.T, res Result) {
	t.Helper()
	if len(res.Reports) != len(latin1Titles) {
		t.Fatalf("%d reports", len(res.Reports))
	}
	for i, want := range latin1Titles {
		if got := res.Reports[i].Title; got != want {
			t.Errorf("title %d = %q, want %q", i, got, want)
		}
	}
	if !strings.Contains(res.Reports[0].Text, "quartier des Pâquis") || strings.ContainsRune(res.Reports[0].Text, utf8.RuneError) {
		t.Errorf("text = %q", res.Reports[0].Text)
	}
	if res.Reports[0].Outlet != "Annonces de Genève" {
		t.Errorf("outlet = %q", res.Reports[0].Outlet)
	}
}

// TestFetchLatin1FileFeed: a file:// feed has no header; detection reads it.
func TestFetchLatin1FileFeed(t *testing.T) {
	p, err := filepath.Abs(filepath.Join("testdata", "latin1.rss"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := newFetcher(t, Options{}).Fetch(context.Background(), Source{ID: "f", URL: "file://" + p})
	if err != nil {
		t.Fatal(err)
	}
	checkLatin1Reports(t, res)
}

func TestToUTF8(t *testing.T) {
	feed := func(decl, title string) []byte {
		return []byte(`<?xml version="1.0"` + decl + `?><rss version="2.0"><channel><title>t</title><item><title>` + title + `</title></item></channel></rss>`)
	}
	enc := func(cm *charmap.Charmap, b []byte) []byte {
		out, err := cm.NewEncoder().Bytes(b)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(feed(` encoding="UTF-16"`, "Обстрел Харькова"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name        string
		body        []byte
		contentType string
		wantTitle   string
		wantFrom    string
	}{
		{"utf-8 under a server's default latin-1 label stays utf-8", feed("", "Genève à l'aube"), "text/xml; charset=ISO-8859-1", "Genève à l'aube", "utf-8"},
		{"cyrillic named by the header", enc(charmap.Windows1251, feed("", "Обстрел Харькова")), "text/xml; charset=windows-1251", "Обстрел Харькова", "header"},
		{"cyrillic named by the declaration", enc(charmap.KOI8R, feed(` encoding="KOI8-R"`, "Обстрел Харькова")), "", "Обстрел Харькова", "declaration"},
		{"utf-16 with a byte-order mark", utf16, "text/xml", "Обстрел Харькова", "bom"},
		{"plain utf-8", feed(` encoding="utf-8"`, "Kharkiv — 3 dead"), "application/rss+xml", "Kharkiv — 3 dead", "declaration"},
		{"utf-8 named by the header", feed("", "Kharkiv — 3 dead"), "application/rss+xml; charset=UTF-8", "Kharkiv — 3 dead", "header"},
		{"unknown header charset falls through", enc(charmap.ISO8859_1, feed("", "Genève")), "text/xml; charset=x-klingon", "Genève", "detected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := toUTF8(c.body, c.contentType)
			if !utf8.Valid(d.body) {
				t.Fatalf("not UTF-8 after conversion: %q", d.body)
			}
			pf, err := parseFeed(d.body)
			if err != nil {
				t.Fatalf("parse after conversion (%s from %s): %v\n%s", d.charset, d.from, err, d.body)
			}
			if got := pf.feed.Items[0].Title; got != c.wantTitle {
				t.Errorf("title = %q, want %q (read as %s from %s)", got, c.wantTitle, d.charset, d.from)
			}
			if d.from != c.wantFrom {
				t.Errorf("decided by %q, want %q", d.from, c.wantFrom)
			}
		})
	}
}

// TestBrokenUTF8KeepsTheFeed: one bad byte in a UTF-8 feed costs one
// character, not the feed.
func TestBrokenUTF8KeepsTheFeed(t *testing.T) {
	body := []byte(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>` +
		"<item><title>Kyiv \xff strike</title></item><item><title>Odesa port</title></item></channel></rss>")
	d := toUTF8(body, "application/rss+xml; charset=utf-8")
	pf, err := parseFeed(d.body)
	if err != nil {
		t.Fatal(err)
	}
	if len(pf.feed.Items) != 2 || pf.feed.Items[0].Title != "Kyiv \uFFFD strike" || pf.feed.Items[1].Title != "Odesa port" {
		t.Errorf("items = %+v (from %s)", pf.feed.Items, d.from)
	}
}

func TestLatin1FixtureOnDisk(t *testing.T) {
	// The fixture must stay ISO-8859-1: an editor saving it as UTF-8 would
	// make TestFetchLatin1Feed pass for the wrong reason.
	b, err := os.ReadFile(filepath.Join("testdata", "latin1.rss"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("Psychologue \xe0 domicile")) {
		t.Error("testdata/latin1.rss is not ISO-8859-1 any more")
	}
}

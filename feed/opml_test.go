package feed

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

func TestParseOPML(t *testing.T) {
	src := `<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="1.0"><head><title>x</title></head><body>
  <outline text="Genève">
    <outline text="Le Temps" XMLURL="https://www.letemps.ch/feed" htmlUrl="https://www.letemps.ch"/>
    <outline title="Empty folder"/>
  </outline>
  <outline text="Top" type="rss" xmlUrl=" https://top.example/rss "/>
</body></opml>`
	latin1, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseOPML(bytes.NewReader(latin1))
	if err != nil {
		t.Fatal(err)
	}
	want := []OPMLFeed{
		{Title: "Le Temps", URL: "https://www.letemps.ch/feed", Site: "https://www.letemps.ch", Folder: []string{"Genève"}},
		{Title: "Top", URL: "https://top.example/rss"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if _, err := ParseOPML(strings.NewReader(strings.Repeat(" ", maxOPMLBytes+1))); err == nil {
		t.Error("oversize OPML accepted")
	}
}

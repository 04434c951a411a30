package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxOPMLBytes bounds an OPML file: a reader's export of thousands of feeds
// is well under a megabyte.
const maxOPMLBytes = 16 << 20

// OPMLFeed is one feed listed in an OPML subscription list, as feed readers
// (Miniflux, FreshRSS, Inoreader, Feedly, NetNewsWire...) export them.
type OPMLFeed struct {
	// Title is the outline's title (or its text).
	Title string
	// URL is the feed's address (xmlUrl).
	URL string
	// Site is the feed's web page (htmlUrl), when given.
	Site string
	// Folder is the path of folders (enclosing outlines) the feed sits in,
	// outermost first: ["News", "Ukraine"].
	Folder []string
}

// opmlOutline is an <outline> element. Exporters disagree on case
// (xmlUrl, xmlurl, XMLURL), so attributes are matched without it.
type opmlOutline struct {
	Attrs    []xml.Attr    `xml:",any,attr"`
	Outlines []opmlOutline `xml:"outline"`
}

func (o opmlOutline) attr(name string) string {
	for _, a := range o.Attrs {
		if strings.EqualFold(a.Name.Local, name) {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// ParseOPML reads an OPML 1.0 or 2.0 subscription list and returns its
// feeds in document order: every outline with an xmlUrl, at any depth;
// outlines without one are folders. A malformed file is an error naming its
// line.
func ParseOPML(r io.Reader) ([]OPMLFeed, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxOPMLBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read OPML: %w", err)
	}
	if len(data) > maxOPMLBytes {
		return nil, fmt.Errorf("OPML larger than %d MiB", maxOPMLBytes>>20)
	}
	var doc struct {
		XMLName xml.Name
		Body    struct {
			Outlines []opmlOutline `xml:"outline"`
		} `xml:"body"`
	}
	// OPML files in the wild come in other charsets too; toUTF8 handles
	// them as it does feeds.
	dec := xml.NewDecoder(bytes.NewReader(toUTF8(data, "").body))
	if err := dec.Decode(&doc); err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("OPML line %d: %s", se.Line, se.Msg)
		}
		return nil, fmt.Errorf("OPML: %w", err)
	}
	if !strings.EqualFold(doc.XMLName.Local, "opml") {
		return nil, fmt.Errorf("not an OPML file: the root element is <%s>, not <opml>", doc.XMLName.Local)
	}
	var out []OPMLFeed
	var walk func(os []opmlOutline, folder []string)
	walk = func(os []opmlOutline, folder []string) {
		for _, o := range os {
			title := o.attr("title")
			if title == "" {
				title = o.attr("text")
			}
			title = oneLine(title)
			if u := o.attr("xmlUrl"); u != "" {
				out = append(out, OPMLFeed{Title: title, URL: u, Site: o.attr("htmlUrl"), Folder: folder})
			}
			if len(o.Outlines) > 0 {
				sub := folder
				if title != "" {
					sub = append(append([]string(nil), folder...), title)
				}
				walk(o.Outlines, sub)
			}
		}
	}
	walk(doc.Body.Outlines, nil)
	return out, nil
}

package feed

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
)

// decodedBody is a feed body converted to UTF-8 and the encoding it was
// read as.
type decodedBody struct {
	body []byte
	// charset is the encoding's canonical name ("utf-8", "iso-8859-1",
	// "windows-1252"...); from says what decided it: bom, header,
	// declaration, utf-8 or detected.
	charset, from string
}

// xmlDecl matches the XML declaration's encoding attribute.
var xmlDecl = regexp.MustCompile(`^(\s*<\?xml[^>]*?\sencoding\s*=\s*)(["'])([A-Za-z0-9._:-]+)(["'])`)

// toUTF8 converts a feed body to UTF-8, deciding its encoding as a feed
// reader should (RFC 7303 §3, with what readers learnt from real feeds):
//
//  1. a byte-order mark;
//  2. the charset parameter of the HTTP Content-Type, except when it names
//     a legacy single-byte charset and the body is valid UTF-8 with
//     non-ASCII in it (UTF-8 under a server's default label, Apache's
//     ISO-8859-1: decoding it again would garble every accent), or names
//     UTF-8 and the body is not;
//  3. the XML declaration's encoding;
//  4. a body that is valid UTF-8 is UTF-8;
//  5. detection (golang.org/x/net/html/charset): an HTML meta charset,
//     else windows-1252, the superset of ISO-8859-1 that browsers use for
//     undeclared Western text.
//
// A converted body's XML declaration is rewritten to say UTF-8 so that the
// parser does not decode it a second time. Bytes invalid in the chosen
// encoding become U+FFFD: one bad byte must not cost the whole feed.
func toUTF8(body []byte, contentType string) decodedBody {
	if len(body) == 0 {
		return decodedBody{body: body, charset: "utf-8", from: "utf-8"}
	}
	if enc, name := bomEncoding(body); enc != nil {
		return convert(body, enc, name, "bom")
	}
	if label := headerCharset(contentType); label != "" {
		if enc, name := charset.Lookup(label); enc != nil {
			switch {
			case name == "utf-8" && !utf8.Valid(body):
				// Claimed UTF-8 but is not: the declaration or detection
				// knows better than U+FFFD for every accent.
			case singleByte(name) && utf8.Valid(body) && hasHighBit(body):
				// UTF-8 under a server's default label.
			default:
				return convert(body, enc, name, "header")
			}
		}
	}
	if m := xmlDecl.FindSubmatch(body[:min(len(body), 512)]); m != nil {
		if enc, name := charset.Lookup(string(m[3])); enc != nil {
			return convert(body, enc, name, "declaration")
		}
	}
	if utf8.Valid(body) {
		return decodedBody{body: body, charset: "utf-8", from: "utf-8"}
	}
	enc, name, _ := charset.DetermineEncoding(body, "")
	if name == "utf-8" {
		// The first KiB looked like UTF-8, the rest is not: repair it.
		return decodedBody{body: bytes.ToValidUTF8(body, []byte("\uFFFD")), charset: name, from: "utf-8"}
	}
	return convert(body, enc, name, "detected")
}

func convert(body []byte, enc encoding.Encoding, name, from string) decodedBody {
	out := body
	if name != "utf-8" {
		// The decoders of x/text replace invalid input with U+FFFD rather
		// than fail, so conversion errors cannot happen here.
		if b, err := enc.NewDecoder().Bytes(body); err == nil {
			out = b
		}
	} else if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	out = bytes.TrimPrefix(out, []byte("\uFEFF"))
	if name != "utf-8" {
		out = xmlDecl.ReplaceAll(out, []byte("${1}${2}UTF-8${4}"))
	}
	return decodedBody{body: out, charset: name, from: from}
}

func bomEncoding(b []byte) (encoding.Encoding, string) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return encoding.Nop, "utf-8"
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be"
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le"
	}
	return nil, ""
}

// headerCharset returns the charset parameter of a Content-Type, or "".
func headerCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(params["charset"])
}

// singleByte reports whether a canonical (WHATWG) encoding name is a
// single-byte charset (ISO-8859-x, windows-125x, KOI8...): the labels
// servers put on UTF-8 by default. Multi-byte ones (Shift_JIS, GBK) are
// not second-guessed.
func singleByte(name string) bool {
	for _, p := range []string{"iso-8859-", "windows-", "koi8-"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return name == "ibm866" || name == "macintosh" || name == "x-mac-cyrillic"
}

func hasHighBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

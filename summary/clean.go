package summary

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Patterns for text that must never reach Discord as written. Compiled once;
// regexps are immutable and safe for concurrent use, so this is not mutable
// package state.
var (
	scriptRe   = regexp.MustCompile(`(?is)<(script|style)\b[^>]*>.*?</(script|style)\s*>`)
	commentRe  = regexp.MustCompile(`(?s)<!--.*?-->`)
	blockTagRe = regexp.MustCompile(`(?i)</?(p|br|div|li|ul|ol|h[1-6]|tr|table|blockquote|section|article)\b[^<>]{0,500}>`)
	tagRe      = regexp.MustCompile(`</?[A-Za-z][^<>]{0,500}>`)
	// Discord markup that pings or renders: <@123>, <@!123>, <@&123>, <#123>,
	// custom emoji <:name:123>, timestamps <t:123:R>.
	discordRe = regexp.MustCompile(`<(@[!&]?|#)\d+>|<a?:\w{1,64}:\d+>|<t:\d+(:[a-zA-Z])?>`)
	// @everyone and @here ping a whole server even without angle brackets.
	massMentionRe = regexp.MustCompile(`(?i)@(everyone|here)\b`)
	mdLinkRe      = regexp.MustCompile(`!?\[([^\[\]\n]{0,500})\]\([^()\s]{0,1000}(\s+"[^"\n]*")?\)`)
	urlRe         = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"]+`)
	bulletRe      = regexp.MustCompile(`^(?:[-*•·▪>#]+|\d{1,2}[.)])\s+`)
)

// zwsp is inserted after "@" in "@everyone" and "@here": the text stays
// readable and no client treats it as a mention.
const zwsp = "\u200b"

// Clean turns report or model text into plain, harmless text: HTML tags,
// comments, scripts and entities are removed or decoded, Markdown links keep
// only their label, bare URLs and Discord mention markup are dropped,
// "@everyone"/"@here" are defused with a zero-width space, and control and
// bidirectional-override characters are removed. Paragraph breaks survive as
// single newlines; runs of spaces collapse. Invalid UTF-8 becomes U+FFFD.
//
// Notifiers still set allowed_mentions; Clean is the second lock, so that a
// summary is safe wherever it is shown (Discord, console, /status).
func Clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	// Each pass runs only when its trigger character is present: most text
	// has no markup at all, and the regexps are the cost of Extract.
	if strings.IndexByte(s, '<') >= 0 {
		s = scriptRe.ReplaceAllString(s, " ")
		s = commentRe.ReplaceAllString(s, " ")
		s = blockTagRe.ReplaceAllString(s, "\n")
		s = tagRe.ReplaceAllString(s, " ")
	}
	// Entities are decoded after tags are gone so that "&lt;b&gt;" in a story
	// about HTML stays visible text rather than vanishing; anything that
	// decodes to markup is handled by the passes below.
	s = html.UnescapeString(s)
	if strings.IndexByte(s, '[') >= 0 {
		s = mdLinkRe.ReplaceAllString(s, "$1")
	}
	if strings.Contains(s, "://") {
		s = urlRe.ReplaceAllString(s, " ")
	}
	if strings.IndexByte(s, '<') >= 0 {
		s = discordRe.ReplaceAllString(s, " ")
	}
	s = stripControls(s)
	if strings.IndexByte(s, '@') >= 0 {
		s = massMentionRe.ReplaceAllStringFunc(s, func(m string) string { return "@" + zwsp + m[1:] })
	}
	return collapseSpace(s)
}

// stripControls drops control, format-override and byte-order characters.
// Tabs and carriage returns become spaces; newlines stay.
func stripControls(s string) string {
	clean := true
	for _, r := range s {
		if r != '\n' && isControl(r) || r == '\u00a0' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r == '\t' || r == '\r' || r == '\u00a0' || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case isControl(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f', r == '\ufeff':
		return true // bidi overrides can reorder what a reader sees
	case r == '\u2028' || r == '\u2029' || r == '\u00a0':
		return true
	}
	return false
}

// collapseSpace trims every line, collapses runs of spaces and drops empty
// lines.
func collapseSpace(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 {
			out = append(out, strings.Join(f, " "))
		}
	}
	return strings.Join(out, "\n")
}

// cleanSentence cleans one sentence for use inside a one-line summary: as
// Clean, with newlines folded and a leading list bullet removed.
func cleanSentence(s string) string {
	s = Clean(s)
	s = strings.Join(strings.Fields(s), " ")
	return bulletRe.ReplaceAllString(s, "")
}

// truncateRunes cuts s to at most max runes, ending with "…" when cut.
func truncateRunes(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max == 1 {
		return "…"
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return strings.TrimRightFunc(s[:i], unicode.IsSpace) + "…"
		}
		n++
	}
	return s
}

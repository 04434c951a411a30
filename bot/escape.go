package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// zwsp is a zero-width space: inserted after "@" or "<" it stops Discord
// from reading a mention while the text still looks the same.
const zwsp = "\u200b"

// markdownSpecial are the characters Discord markdown gives meaning to
// anywhere in a line; escaping them shows them literally.
const markdownSpecial = "\\*_~`|[]()<>"

// escape makes untrusted text (report titles, summaries, sentences, outlet
// names) safe to show: valid UTF-8, no control characters, markdown shown
// literally, and mentions (@everyone, @here, <@id>, <@&id>, <#id>, </cmd:id>)
// and masked links neutralised. allowed_mentions already stops pings; this
// also stops a report from looking like one or hiding a link.
func escape(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s) + 16)
	lineStart := true
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteByte('\n')
			lineStart = true
			continue
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == '\u202e' || r == '\u202d':
			// Drop control and bidi-override characters.
		case r == '@':
			b.WriteString("@" + zwsp)
		case r == '<':
			b.WriteString("\\<" + zwsp)
		case strings.ContainsRune(markdownSpecial, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case lineStart && (r == '#' || r == '-' || r == '>'):
			// Headings, subtext and quotes only mean something at a
			// line's start.
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
		if r != ' ' {
			lineStart = false
		}
	}
	return b.String()
}

// oneLine escapes text and folds it onto one line (titles, field names).
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
	return escape(s)
}

// truncate cuts s to at most n runes, ending with "…" when it cut. It never
// splits a rune, and it does not leave a dangling escape backslash or a
// half zero-width-space sequence that could re-form a mention.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	cut := runes[:n-1]
	for len(cut) > 0 && (cut[len(cut)-1] == '\\' || cut[len(cut)-1] == '@' || cut[len(cut)-1] == '<') {
		cut = cut[:len(cut)-1]
	}
	return string(cut) + "…"
}

// runes counts characters as Discord does.
func runes(s string) int { return utf8.RuneCountInString(s) }

// cutRaw bounds untrusted text before the per-rune work of escaping, so a
// 10 MB summary costs no more than a short one. Escaping never shortens
// text except by dropping control characters and folding whitespace, so
// keeping four times the budget loses nothing that would be shown.
func cutRaw(s string, n int) string {
	limit := 4*n + 16
	if len(s) <= limit {
		return s
	}
	i := 0
	for count := 0; i < len(s) && count < limit; count++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// escapeN escapes at most n runes' worth of s.
func escapeN(s string, n int) string { return truncate(escape(cutRaw(s, n)), n) }

// oneLineN is oneLine cut to n runes.
func oneLineN(s string, n int) string { return truncate(oneLine(cutRaw(s, n)), n) }

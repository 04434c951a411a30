// Package telegramtest is a loopback Telegram Bot API for tests:
// sendMessage and editMessageText over multipart or urlencoded forms,
// validated as Telegram does (the token in the path, known chats and reply
// targets, parse_mode=HTML with only Telegram's tags and well-formed
// entities, at most 4096 characters after parsing, "message is not
// modified"), with 429 + retry_after and 5xx on demand. It keeps each
// message's latest text and computes whom it mentioned (@username
// entities as Telegram detects them).
package telegramtest

import (
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
)

// Message is one message as the server holds it (text after parsing).
type Message struct {
	Chat      string
	ID        int
	ReplyTo   int
	Text      string
	Silent    bool
	Edits     int
	Mentioned []string
}

// Server is the loopback Bot API.
type Server struct {
	*httptest.Server
	token string
	chats map[string]bool
	mu    sync.Mutex
	msgs  []*Message
	deliverytest.Faults
}

// New starts a server for a bot token and its chats.
func New(token string, chats ...string) *Server {
	s := &Server{token: token, chats: map[string]bool{}}
	for _, c := range chats {
		s.chats[c] = true
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Messages returns copies of the messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = *m
	}
	return out
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func refuse(w http.ResponseWriter, code int, desc string) {
	reply(w, code, map[string]any{"ok": false, "error_code": code, "description": desc})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	code := s.Take()
	if code == http.StatusTooManyRequests {
		reply(w, code, map[string]any{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1",
			"parameters": map[string]any{"retry_after": 1}})
		return
	}
	if code != 0 {
		refuse(w, code, "Internal Server Error")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	tok, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || tok != s.token {
		refuse(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil && r.ParseForm() != nil {
		refuse(w, http.StatusBadRequest, "Bad Request: invalid form")
		return
	}
	switch method {
	case "sendMessage":
		s.send(w, r)
	case "editMessageText":
		s.edit(w, r)
	default:
		refuse(w, http.StatusNotFound, "Not Found: method not found")
	}
}

// allowedTags are the tags Telegram's HTML parse mode knows.
var allowedTags = map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true,
	"strike": true, "del": true, "a": true, "code": true, "pre": true, "tg-spoiler": true, "blockquote": true}

var tagRe = regexp.MustCompile(`^</?([a-z-]+)(\s[^<>]*)?>`)

// parseHTML returns the visible text of an HTML-mode message, or why
// Telegram would refuse it ("can't parse entities").
func parseHTML(s string) (string, string) {
	var b strings.Builder
	var open []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			m := tagRe.FindStringSubmatch(s[i:])
			if m == nil || !allowedTags[m[1]] {
				return "", "Bad Request: can't parse entities: unsupported start tag at byte offset " + strconv.Itoa(i)
			}
			if strings.HasPrefix(m[0], "</") {
				if len(open) == 0 || open[len(open)-1] != m[1] {
					return "", "Bad Request: can't parse entities: unmatched end tag"
				}
				open = open[:len(open)-1]
			} else {
				open = append(open, m[1])
			}
			i += len(m[0])
		case '&':
			j := strings.IndexByte(s[i:], ';')
			if j < 0 || j > 10 {
				return "", "Bad Request: can't parse entities: unterminated entity"
			}
			b.WriteString(html.UnescapeString(s[i : i+j+1]))
			i += j + 1
		case '>':
			return "", "Bad Request: can't parse entities: unexpected >"
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	if len(open) > 0 {
		return "", "Bad Request: can't parse entities: unclosed tag " + open[len(open)-1]
	}
	return b.String(), ""
}

var mentionRe = regexp.MustCompile(`(^|[^\w@])@([A-Za-z][A-Za-z0-9_]{4,31})`)

// Mentions lists the @usernames Telegram would detect in a text.
func Mentions(text string) []string {
	var out []string
	for _, m := range mentionRe.FindAllStringSubmatch(text, -1) {
		out = append(out, m[2])
	}
	return out
}

func (s *Server) text(w http.ResponseWriter, r *http.Request) (string, bool) {
	raw := r.FormValue("text")
	if !utf8.ValidString(raw) {
		refuse(w, http.StatusBadRequest, "Bad Request: text must be encoded in UTF-8")
		return "", false
	}
	text := raw
	if r.FormValue("parse_mode") == "HTML" {
		var why string
		if text, why = parseHTML(raw); why != "" {
			refuse(w, http.StatusBadRequest, why)
			return "", false
		}
	}
	switch n := utf8.RuneCountInString(text); {
	case strings.TrimSpace(text) == "":
		refuse(w, http.StatusBadRequest, "Bad Request: message text is empty")
	case n > 4096:
		refuse(w, http.StatusBadRequest, "Bad Request: message is too long")
	default:
		return text, true
	}
	return "", false
}

func (s *Server) find(chat string, id int) *Message {
	for _, m := range s.msgs {
		if m.Chat == chat && m.ID == id {
			return m
		}
	}
	return nil
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	chat := r.FormValue("chat_id")
	if !s.chats[chat] {
		refuse(w, http.StatusBadRequest, "Bad Request: chat not found")
		return
	}
	text, ok := s.text(w, r)
	if !ok {
		return
	}
	replyTo := 0
	if rp := r.FormValue("reply_parameters"); rp != "" {
		var p struct {
			MessageID int `json:"message_id"`
		}
		if json.Unmarshal([]byte(rp), &p) != nil || p.MessageID == 0 {
			refuse(w, http.StatusBadRequest, "Bad Request: can't parse reply parameters JSON object")
			return
		}
		replyTo = p.MessageID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if replyTo != 0 && s.find(chat, replyTo) == nil {
		refuse(w, http.StatusBadRequest, "Bad Request: message to be replied not found")
		return
	}
	m := &Message{Chat: chat, ID: len(s.msgs) + 1, ReplyTo: replyTo, Text: text, Mentioned: Mentions(text),
		Silent: r.FormValue("disable_notification") == "true"}
	s.msgs = append(s.msgs, m)
	reply(w, 200, map[string]any{"ok": true, "result": map[string]any{"message_id": m.ID, "date": 1740890000,
		"chat": chatJSON(chat), "text": text}})
}

func (s *Server) edit(w http.ResponseWriter, r *http.Request) {
	chat := r.FormValue("chat_id")
	id, _ := strconv.Atoi(r.FormValue("message_id"))
	text, ok := s.text(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(chat, id)
	switch {
	case m == nil:
		refuse(w, http.StatusBadRequest, "Bad Request: message to edit not found")
	case m.Text == text:
		refuse(w, http.StatusBadRequest, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	default:
		m.Text, m.Mentioned = text, Mentions(text)
		m.Edits++
		reply(w, 200, map[string]any{"ok": true, "result": map[string]any{"message_id": m.ID, "date": 1740890000,
			"chat": chatJSON(chat), "text": text}})
	}
}

// chatJSON is a chat as Telegram answers it: a numeric id (an
// "@channelname" chat gets a made-up one).
func chatJSON(chat string) map[string]any {
	id, err := strconv.ParseInt(chat, 10, 64)
	if err != nil {
		id = -1009999999999
	}
	return map[string]any{"id": id, "type": "supergroup"}
}

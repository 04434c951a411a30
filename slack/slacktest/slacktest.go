// Package slacktest is a loopback Slack Web API for tests: chat.postMessage,
// chat.update and conversations.history, validated as Slack does (the bot
// token, known channels and thread parents, text within 40,000 characters
// and valid UTF-8, form fields), with 429 + Retry-After and 5xx on demand.
// It keeps each message's latest text and computes whom it notified the
// way Slack reads control sequences (<!everyone>, <!channel>, <!here>,
// <@U…>, <!subteam^S…>).
package slacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
)

// Message is one message as the server holds it.
type Message struct {
	Channel, TS, ThreadTS, Text string
	Broadcast, Markdown         bool
	Metadata                    json.RawMessage
	Edits                       int
}

// Server is the loopback Slack.
type Server struct {
	*httptest.Server
	token    string
	channels map[string]bool
	mu       sync.Mutex
	msgs     []*Message
	seq      int
	deliverytest.Faults
	// Requests counts every API call.
	Requests int
}

// New starts a server accepting token for the given channels.
func New(token string, channels ...string) *Server {
	s := &Server{token: token, channels: map[string]bool{}}
	for _, c := range channels {
		s.channels[c] = true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/chat.postMessage", s.post)
	mux.HandleFunc("/api/chat.update", s.update)
	mux.HandleFunc("/api/conversations.history", s.history)
	s.Server = httptest.NewServer(s.guard(mux))
	return s
}

// URL of the Web API, for slack's api_url.
func (s *Server) APIURL() string { return s.Server.URL + "/api/" }

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

var pingRe = regexp.MustCompile(`<(!everyone|!channel|!here|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)(\|[^>]*)?>`)

// Pings lists whom a text notifies, as Slack reads it.
func Pings(text string) []string {
	var out []string
	for _, m := range pingRe.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.Requests++
		s.mu.Unlock()
		code := s.Take()
		switch {
		case code == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "", code)
			return
		case code != 0:
			http.Error(w, "<html>upstream error</html>", code)
			return
		}
		if err := r.ParseForm(); err != nil {
			answer(w, map[string]any{"ok": false, "error": "invalid_form_data"})
			return
		}
		tok := r.Form.Get("token")
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			tok = strings.TrimPrefix(h, "Bearer ")
		}
		if tok == "" {
			answer(w, map[string]any{"ok": false, "error": "not_authed"})
			return
		}
		if tok != s.token {
			answer(w, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code string) { answer(w, map[string]any{"ok": false, "error": code}) }

// checkText validates text as Slack does.
func checkText(w http.ResponseWriter, text string) bool {
	switch {
	case text == "":
		fail(w, "no_text")
	case !utf8.ValidString(text):
		fail(w, "invalid_arguments")
	case utf8.RuneCountInString(text) > 40000:
		fail(w, "msg_too_long")
	default:
		return true
	}
	return false
}

func (s *Server) find(ch, ts string) *Message {
	for _, m := range s.msgs {
		if m.Channel == ch && m.TS == ts {
			return m
		}
	}
	return nil
}

func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		fail(w, "method_not_supported_for_channel_type")
		return
	}
	ch, text := r.Form.Get("channel"), r.Form.Get("text")
	if !s.channels[ch] {
		fail(w, "channel_not_found")
		return
	}
	if !checkText(w, text) {
		return
	}
	meta := json.RawMessage(r.Form.Get("metadata"))
	if len(meta) > 0 && !json.Valid(meta) {
		fail(w, "invalid_metadata_format")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	thread := r.Form.Get("thread_ts")
	if thread != "" && s.find(ch, thread) == nil {
		fail(w, "thread_not_found")
		return
	}
	s.seq++
	m := &Message{Channel: ch, TS: fmt.Sprintf("1740890000.%06d", s.seq), ThreadTS: thread, Text: text, Metadata: meta,
		Broadcast: r.Form.Get("reply_broadcast") == "true", Markdown: r.Form.Get("mrkdwn") != "false"}
	s.msgs = append(s.msgs, m)
	answer(w, map[string]any{"ok": true, "channel": ch, "ts": m.TS, "message": map[string]any{"text": text, "ts": m.TS}})
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	ch, ts, text := r.Form.Get("channel"), r.Form.Get("ts"), r.Form.Get("text")
	if !s.channels[ch] {
		fail(w, "channel_not_found")
		return
	}
	if !checkText(w, text) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(ch, ts)
	if m == nil {
		fail(w, "message_not_found")
		return
	}
	m.Text, m.Markdown = text, r.Form.Get("mrkdwn") != "false"
	m.Edits++
	answer(w, map[string]any{"ok": true, "channel": ch, "ts": ts, "text": text})
}

func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	ch := r.Form.Get("channel")
	if !s.channels[ch] {
		fail(w, "channel_not_found")
		return
	}
	limit, _ := strconv.Atoi(r.Form.Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	withMeta := r.Form.Get("include_all_metadata") == "true" || r.Form.Get("include_all_metadata") == "1"
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for i := len(s.msgs) - 1; i >= 0 && len(out) < limit; i-- {
		m := s.msgs[i]
		if m.Channel != ch || (m.ThreadTS != "" && !m.Broadcast) {
			continue // thread replies are not in the channel's history
		}
		e := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
		if withMeta && len(m.Metadata) > 0 {
			e["metadata"] = m.Metadata
		}
		out = append(out, e)
	}
	answer(w, map[string]any{"ok": true, "messages": out, "has_more": false})
}

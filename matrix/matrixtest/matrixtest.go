// Package matrixtest is a loopback Matrix homeserver for tests: the one
// client-server endpoint a notifier uses, PUT
// /_matrix/client/v3/rooms/{room}/send/{type}/{txn}, validated as a
// homeserver does (the access token, joined rooms, JSON content with a
// string body and formatted_body for HTML, at most 65,536 bytes, relations
// to events that exist, transaction ids deduplicated per token), with 429
// (Retry-After and M_LIMIT_EXCEEDED) and 5xx on demand. It applies m.replace
// edits and computes whom each event notified: m.mentions when present,
// else the legacy rules (@room, a user id in the body).
package matrixtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tocsin-alerts/tocsin/delivery/deliverytest"
)

// Message is one m.room.message as members see it: replaced by its edits.
type Message struct {
	Room, EventID, Body, HTML string
	// Thread is the thread root, ReplyTo the event replied to.
	Thread, ReplyTo string
	Edits           int
	Pings           []string
}

// Server is the loopback homeserver.
type Server struct {
	*httptest.Server
	token string
	rooms map[string]bool
	mu    sync.Mutex
	msgs  []*Message
	txns  map[string]string
	n     int
	deliverytest.Faults
}

// New starts a homeserver where the token's user has joined rooms.
func New(token string, rooms ...string) *Server {
	s := &Server{token: token, rooms: map[string]bool{}, txns: map[string]string{}}
	for _, r := range rooms {
		s.rooms[r] = true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /_matrix/client/v3/rooms/{room}/send/{type}/{txn}", s.send)
	s.Server = httptest.NewServer(s.guard(mux))
	return s
}

// Messages returns the room messages that are not edits, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = *m
	}
	return out
}

func errJSON(w http.ResponseWriter, status int, code, msg string, extra map[string]any) {
	body := map[string]any{"errcode": code, "error": msg}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := s.Take()
		switch {
		case code == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "1")
			errJSON(w, code, "M_LIMIT_EXCEEDED", "Too Many Requests", map[string]any{"retry_after_ms": 1000})
			return
		case code != 0:
			errJSON(w, code, "M_UNKNOWN", "Internal server error", nil)
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		switch {
		case !ok:
			errJSON(w, http.StatusUnauthorized, "M_MISSING_TOKEN", "Missing access token", nil)
		case tok != s.token:
			errJSON(w, http.StatusUnauthorized, "M_UNKNOWN_TOKEN", "Unknown access token", nil)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

type content struct {
	MsgType       string          `json:"msgtype"`
	Body          *string         `json:"body"`
	Format        string          `json:"format"`
	FormattedBody string          `json:"formatted_body"`
	Mentions      *mentions       `json:"m.mentions"`
	NewContent    *content        `json:"m.new_content"`
	RelatesTo     *relatesTo      `json:"m.relates_to"`
	Raw           json.RawMessage `json:"-"`
}

type mentions struct {
	UserIDs []string `json:"user_ids"`
	Room    bool     `json:"room"`
}

type relatesTo struct {
	RelType   string `json:"rel_type"`
	EventID   string `json:"event_id"`
	InReplyTo *struct {
		EventID string `json:"event_id"`
	} `json:"m.in_reply_to"`
}

var userIDRe = regexp.MustCompile(`@[a-z0-9._=\-/]+:[A-Za-z0-9.\-]+`)

// pings is whom an event notifies: intentional mentions when m.mentions is
// present (spec v1.7), else the legacy push rules on the body.
func pings(c content) []string {
	if c.Mentions != nil {
		out := append([]string(nil), c.Mentions.UserIDs...)
		if c.Mentions.Room {
			out = append(out, "@room")
		}
		return out
	}
	var out []string
	if strings.Contains(*c.Body, "@room") {
		out = append(out, "@room")
	}
	return append(out, userIDRe.FindAllString(*c.Body, -1)...)
}

func (s *Server) find(room, id string) *Message {
	for _, m := range s.msgs {
		if m.Room == room && m.EventID == id {
			return m
		}
	}
	return nil
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	room, typ, txn := r.PathValue("room"), r.PathValue("type"), r.PathValue("txn")
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		errJSON(w, http.StatusBadRequest, "M_NOT_JSON", "cannot read body", nil)
		return
	}
	if len(raw) > 65536 {
		errJSON(w, http.StatusRequestEntityTooLarge, "M_TOO_LARGE", "event too large", nil)
		return
	}
	var c content
	if !utf8.Valid(raw) || json.Unmarshal(raw, &c) != nil {
		errJSON(w, http.StatusBadRequest, "M_NOT_JSON", "Content not JSON.", nil)
		return
	}
	if !s.rooms[room] {
		errJSON(w, http.StatusForbidden, "M_FORBIDDEN", "User not in room "+room, nil)
		return
	}
	if typ != "m.room.message" || c.Body == nil || c.MsgType == "" {
		errJSON(w, http.StatusBadRequest, "M_BAD_JSON", "m.room.message needs msgtype and a string body", nil)
		return
	}
	if c.Format == "org.matrix.custom.html" && c.FormattedBody == "" {
		errJSON(w, http.StatusBadRequest, "M_BAD_JSON", "formatted_body required with format", nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.txns[txn]; ok {
		// A repeated transaction: the same event, not a new one.
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"event_id": id})
		return
	}
	m := &Message{Room: room, Body: *c.Body, HTML: c.FormattedBody, Pings: pings(c)}
	if rel := c.RelatesTo; rel != nil {
		target := rel.EventID
		if rel.InReplyTo != nil && target == "" {
			target = rel.InReplyTo.EventID
		}
		orig := s.find(room, target)
		if orig == nil {
			errJSON(w, http.StatusBadRequest, "M_INVALID_PARAM", "relation to an unknown event", nil)
			return
		}
		switch {
		case rel.RelType == "m.replace":
			if c.NewContent == nil || c.NewContent.Body == nil {
				errJSON(w, http.StatusBadRequest, "M_BAD_JSON", "m.replace needs m.new_content", nil)
				return
			}
			orig.Body, orig.HTML = *c.NewContent.Body, c.NewContent.FormattedBody
			orig.Pings = append(orig.Pings, pings(c)...)
			orig.Edits++
			s.n++
			id := fmt.Sprintf("$edit%d", s.n)
			s.txns[txn] = id
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{"event_id": id})
			return
		case rel.RelType == "m.thread":
			m.Thread = target
		default:
			m.ReplyTo = target
		}
	}
	s.n++
	m.EventID = fmt.Sprintf("$ev%d", s.n)
	s.msgs = append(s.msgs, m)
	s.txns[txn] = m.EventID
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"event_id": m.EventID})
}

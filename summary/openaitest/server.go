// Package openaitest is a loopback OpenAI-compatible server for tests: it
// implements POST /v1/chat/completions and GET /v1/models well enough for the
// real go-openai client, and can be scripted to answer well, badly, slowly,
// with 429 + Retry-After, 5xx, malformed JSON, a refusal, or whatever a prompt
// injection asks for. It records every request so that tests can check what
// was sent (delimited data, no secrets).
package openaitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	openai "github.com/sashabaranov/go-openai"
)

// Request is one recorded chat-completion request.
type Request struct {
	// Authorization is the header as sent ("Bearer …").
	Authorization string
	Body          openai.ChatCompletionRequest
	// System and User are the contents of the first system and user
	// messages.
	System, User string
}

// Reply is how the server answers one request.
type Reply struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Content is the assistant message content of a 200 answer.
	Content string
	// Refusal fills the message's refusal field instead of content.
	Refusal string
	// FinishReason defaults to "stop".
	FinishReason string
	// Body, when set, is sent verbatim (malformed answers, odd errors).
	Body string
	// Wait, when non-nil, delays the answer until it is closed or the
	// client gives up: a slow server.
	Wait <-chan struct{}
}

// Handler decides the reply to a request.
type Handler func(Request) Reply

// Server is the loopback server. Scripted replies (Enqueue) are used first,
// in order; then the default handler.
type Server struct {
	srv *httptest.Server

	mu    sync.Mutex
	queue []Reply
	def   Handler
	reqs  []Request
}

// New starts a server on 127.0.0.1 answering with def (Grounded when nil).
// Close it with Close (t.Cleanup(s.Close)).
func New(def Handler) *Server {
	if def == nil {
		def = Grounded
	}
	s := &Server{def: def}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("GET /v1/models", s.models)
	s.srv = httptest.NewServer(mux)
	return s
}

// BaseURL is the API root to configure, with its /v1.
func (s *Server) BaseURL() string { return s.srv.URL + "/v1" }

// Close stops the server, waiting for in-flight requests.
func (s *Server) Close() { s.srv.Close() }

// Enqueue scripts the next replies.
func (s *Server) Enqueue(rs ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, rs...)
}

// SetDefault replaces the default handler.
func (s *Server) SetDefault(h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = h
}

// Requests returns the chat requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

func (s *Server) models(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"object":"list","data":[{"id":"test-model","object":"model","owned_by":"openaitest"}]}`)
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var body openai.ChatCompletionRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 8<<20)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "bad JSON: "+err.Error())
		return
	}
	req := Request{Authorization: r.Header.Get("Authorization"), Body: body}
	for _, m := range body.Messages {
		switch {
		case m.Role == openai.ChatMessageRoleSystem && req.System == "":
			req.System = m.Content
		case m.Role == openai.ChatMessageRoleUser && req.User == "":
			req.User = m.Content
		}
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	var rep Reply
	if len(s.queue) > 0 {
		rep, s.queue = s.queue[0], s.queue[1:]
	} else {
		def := s.def
		s.mu.Unlock()
		rep = def(req)
		s.mu.Lock()
	}
	s.mu.Unlock()

	if rep.Wait != nil {
		select {
		case <-rep.Wait:
		case <-r.Context().Done():
			return
		}
	}
	if rep.RetryAfter != "" {
		w.Header().Set("Retry-After", rep.RetryAfter)
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.Body != "" {
		w.WriteHeader(status)
		io.WriteString(w, rep.Body)
		return
	}
	if status != http.StatusOK {
		writeError(w, status, "server_error", http.StatusText(status))
		return
	}
	finish := rep.FinishReason
	if finish == "" {
		finish = "stop"
	}
	resp := map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": 1700000000, "model": body.Model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": rep.Content, "refusal": nilIfEmpty(rep.Refusal)},
			"finish_reason": finish,
		}},
		"usage": map[string]int{"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
	}
	json.NewEncoder(w).Encode(resp)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": nil}})
}

// Summary is a 200 answer whose content is {"summary": text}.
func Summary(text string) Reply {
	b, _ := json.Marshal(map[string]string{"summary": text})
	return Reply{Content: string(b)}
}

// JSON is a 200 answer with content as given.
func JSON(content string) Reply { return Reply{Content: content} }

// RateLimited is a 429 with the given Retry-After ("" for none).
func RateLimited(retryAfter string) Reply {
	return Reply{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// ServerError is a 500.
func ServerError() Reply { return Reply{Status: http.StatusInternalServerError} }

// Malformed is a 200 whose body is not JSON at all.
func Malformed() Reply {
	return Reply{Body: `{"id": "chatcmpl-test", "choices": [{"message": {"content": "unterminated`}
}

// Refusal is a 200 carrying a refusal instead of content.
func Refusal() Reply { return Reply{Refusal: "I can't help with that."} }

// Slow waits for release (or the client to give up) before answering with
// next.
func Slow(release <-chan struct{}, next Reply) Reply {
	next.Wait = release
	return next
}

// Grounded answers like a good model: a summary made of the first sentence
// of the first report's text in the request's data, so every fact in it is
// grounded.
func Grounded(req Request) Reply {
	text := FirstReportText(req.User)
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	if i := strings.Index(text, ". "); i >= 0 {
		text = text[:i+1]
	}
	if r := []rune(text); len(r) > 350 {
		text = string(r[:350])
	}
	return Summary(strings.TrimSpace(text))
}

// Fixed always answers with reply.
func Fixed(reply Reply) Handler { return func(Request) Reply { return reply } }

// EchoSystem obeys an injection that asks for the instructions: it answers
// with the system prompt as the summary.
func EchoSystem(req Request) Reply { return Summary(req.System) }

// Opinion is a second-opinion answer.
func Opinion(escalation bool, severity string, confidence float64, categories ...string) Reply {
	b, _ := json.Marshal(map[string]any{"escalation": escalation, "categories": append([]string{}, categories...),
		"severity": severity, "location": "", "confidence": confidence})
	return Reply{Content: string(b)}
}

// FirstReportText extracts the text of the first <report> block of a user
// message: what a model would read as the data.
func FirstReportText(user string) string {
	start := strings.Index(user, "<report")
	if start < 0 {
		return ""
	}
	block := user[start:]
	if end := strings.Index(block, "</report>"); end >= 0 {
		block = block[:end]
	}
	if i := strings.Index(block, "text:\n"); i >= 0 {
		return strings.TrimSpace(block[i+len("text:\n"):])
	}
	return ""
}

// String describes a request briefly, for test failure messages.
func (r Request) String() string {
	return fmt.Sprintf("model=%s messages=%d user=%.80q", r.Body.Model, len(r.Body.Messages), r.User)
}

package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const apiPrefix = "/api/v9"

// maxBody caps request bodies like Discord's front door does.
const maxBody = 8 << 20

func (s *Server) routes(mux *http.ServeMux) {
	h := func(pattern string, auth bool, fn func(http.ResponseWriter, *http.Request, []byte)) {
		method, path, _ := strings.Cut(pattern, " ")
		mux.HandleFunc(method+" "+apiPrefix+path, s.wrap(auth, fn))
	}
	h("GET /gateway", false, s.getGateway)
	h("GET /gateway/bot", true, s.getGateway)
	h("GET /users/@me", true, s.getMe)
	h("POST /channels/{cid}/messages", true, s.createMessage)
	h("GET /channels/{cid}/messages", true, s.listMessages)
	h("GET /channels/{cid}/messages/{mid}", true, s.getMessage)
	h("PATCH /channels/{cid}/messages/{mid}", true, s.editMessage)
	h("POST /channels/{cid}/messages/{mid}/threads", true, s.startThread)
	h("PUT /applications/{app}/commands", true, s.overwriteCommands)
	h("PUT /applications/{app}/guilds/{gid}/commands", true, s.overwriteCommands)
	h("POST /interactions/{iid}/{itoken}/callback", false, s.interactionCallback)
	h("GET /webhooks/{app}/{itoken}/messages/{mid}", false, s.webhookGet)
	h("PATCH /webhooks/{app}/{itoken}/messages/{mid}", false, s.webhookEdit)
	h("POST /webhooks/{app}/{itoken}", false, s.webhookFollowup)
	mux.HandleFunc("GET /_emulator/channels/{cid}/messages", s.inspectMessages)
	mux.HandleFunc("GET /_emulator/rejections", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.Rejections()) })
	mux.HandleFunc("/gateway/", s.serveGateway)
	mux.HandleFunc("/gateway", s.serveGateway)
	mux.HandleFunc(apiPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, `{"message":"404: Not Found","code":0}`)
	})
}

// wrap applies logging, faults, auth and the body cap to a handler.
func (s *Server) wrap(auth bool, fn func(http.ResponseWriter, *http.Request, []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, apiPrefix)
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		defer func() {
			s.mu.Lock()
			s.requests = append(s.requests, RequestLog{Method: r.Method, Path: path, Status: rec.status, Authorization: r.Header.Get("Authorization")})
			s.mu.Unlock()
		}()
		if f := s.takeFault(r.Method, path); f != nil && applyFault(rec, r, f) {
			return
		}
		if auth && r.Header.Get("Authorization") != "Bot "+s.opts.Token {
			s.fail(rec, r, http.StatusUnauthorized, `{"message":"401: Unauthorized","code":0}`)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(body) > maxBody {
			s.fail(rec, r, http.StatusRequestEntityTooLarge, `{"message":"Request entity too large","code":40005}`)
			return
		}
		fn(rec, r, body)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, body string) {
	s.mu.Lock()
	s.rejections = append(s.rejections, Rejection{Method: r.Method, Path: r.URL.Path, Status: status, Body: body})
	s.mu.Unlock()
	s.log.Debug("rejected", "method", r.Method, "path", r.URL.Path, "status", status, "body", body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) getGateway(w http.ResponseWriter, r *http.Request, _ []byte) {
	ws := "ws" + strings.TrimPrefix(s.http.URL, "http") + "/gateway"
	writeJSON(w, 200, map[string]any{
		"url": ws, "shards": 1,
		"session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
	})
}

func (s *Server) botUser() map[string]any {
	return map[string]any{"id": s.opts.AppID, "username": s.opts.BotName, "discriminator": "0", "bot": true}
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request, _ []byte) {
	writeJSON(w, 200, s.botUser())
}

// messageJSON renders a stored message as Discord's message object.
func (s *Server) messageJSON(m *Message) map[string]any {
	out := map[string]any{
		"id": m.ID, "channel_id": m.ChannelID, "content": m.Content,
		"author":    s.botUser(),
		"timestamp": m.Timestamp.Format(time.RFC3339Nano),
		"embeds":    rawOr(m.Embeds, "[]"), "components": rawOr(m.Components, "[]"),
		"mention_everyone": false, "mentions": []any{}, "mention_roles": []any{}, "attachments": []any{},
		"pinned": false, "tts": false, "type": 0, "flags": 0,
	}
	if m.Edits > 0 {
		out["edited_timestamp"] = m.Timestamp.Format(time.RFC3339Nano)
	}
	if m.ReferenceID != "" {
		out["type"] = 19
		out["message_reference"] = map[string]string{"message_id": m.ReferenceID, "channel_id": m.ChannelID}
	}
	if m.Nonce != "" {
		out["nonce"] = m.Nonce
	}
	if m.ThreadID != "" {
		out["thread"] = map[string]any{"id": m.ThreadID, "type": 11, "parent_id": m.ChannelID}
	}
	if m.Ephemeral {
		out["flags"] = 64
	}
	return out
}

func rawOr(raw json.RawMessage, def string) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage(def)
	}
	return raw
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request, body []byte) {
	cid := r.PathValue("cid")
	p, errs := decodeMessage(body, true)
	if len(errs) > 0 {
		s.fail(w, r, http.StatusBadRequest, string(errs.body()))
		return
	}
	s.mu.Lock()
	ch, ok := s.channels[cid]
	if !ok {
		s.mu.Unlock()
		s.fail(w, r, http.StatusNotFound, `{"message":"Unknown Channel","code":10003}`)
		return
	}
	var nonce string
	if len(p.Nonce) > 0 {
		if err := json.Unmarshal(p.Nonce, &nonce); err != nil {
			nonce = string(p.Nonce) // integer nonce
		}
	}
	if nonce != "" && p.EnforceNonce {
		if e, ok := s.nonces[cid+"/"+nonce]; ok && time.Since(e.at) < s.opts.NonceWindow {
			out := s.messageJSON(s.messages[e.messageID])
			s.mu.Unlock()
			writeJSON(w, 200, out)
			return
		}
	}
	if p.MessageReference != nil {
		if _, ok := s.messages[p.MessageReference.MessageID]; !ok && (p.MessageReference.FailIfNotExists == nil || *p.MessageReference.FailIfNotExists) {
			s.mu.Unlock()
			s.fail(w, r, http.StatusBadRequest, `{"message":"Invalid Form Body","code":50035,"errors":{"message_reference":{"_errors":[{"code":"REPLIES_UNKNOWN_MESSAGE","message":"Unknown message"}]}}}`)
			return
		}
	}
	m := &Message{ID: s.newID(), ChannelID: cid, AuthorID: s.opts.AppID, Nonce: nonce, Timestamp: time.Now()}
	applyPayload(m, p)
	if p.MessageReference != nil {
		m.ReferenceID = p.MessageReference.MessageID
	}
	s.messages[m.ID] = m
	ch.messages = append(ch.messages, m.ID)
	if nonce != "" && p.EnforceNonce {
		s.nonces[cid+"/"+nonce] = nonceEntry{messageID: m.ID, at: time.Now()}
	}
	out := s.messageJSON(m)
	s.mu.Unlock()
	writeJSON(w, 200, out)
}

// applyPayload writes the fields present in p onto m.
func applyPayload(m *Message, p messagePayload) {
	if p.Content != nil {
		m.Content = *p.Content
	}
	if p.Embeds != nil {
		m.Embeds = append(json.RawMessage(nil), *p.Embeds...)
	}
	if p.Components != nil {
		m.Components = append(json.RawMessage(nil), *p.Components...)
	}
	if p.AllowedMentions != nil {
		m.AllowedMentions = append(json.RawMessage(nil), *p.AllowedMentions...)
	}
	if p.Flags&64 != 0 {
		m.Ephemeral = true
	}
	m.Pings = pings(m.Content, p.AllowedMentions)
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, _ []byte) {
	cid := r.PathValue("cid")
	limit := 50
	if l, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && l > 0 && l <= 100 {
		limit = l
	}
	s.mu.Lock()
	ch, ok := s.channels[cid]
	if !ok {
		s.mu.Unlock()
		s.fail(w, r, http.StatusNotFound, `{"message":"Unknown Channel","code":10003}`)
		return
	}
	out := []map[string]any{}
	for i := len(ch.messages) - 1; i >= 0 && len(out) < limit; i-- {
		m := s.messageJSON(s.messages[ch.messages[i]])
		delete(m, "nonce") // Discord does not return nonces when listing
		out = append(out, m)
	}
	s.mu.Unlock()
	writeJSON(w, 200, out)
}

// lockMessage takes s.mu and returns the message named by the {cid} and
// {mid} path values. When there is none, it releases the lock, answers 404
// as Discord does and reports false; otherwise the caller holds s.mu.
func (s *Server) lockMessage(w http.ResponseWriter, r *http.Request) (*Message, bool) {
	s.mu.Lock()
	m, ok := s.messages[r.PathValue("mid")]
	if !ok || m.ChannelID != r.PathValue("cid") {
		s.mu.Unlock()
		s.fail(w, r, http.StatusNotFound, `{"message":"Unknown Message","code":10008}`)
		return nil, false
	}
	return m, true
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request, _ []byte) {
	m, ok := s.lockMessage(w, r)
	if !ok {
		return
	}
	out := s.messageJSON(m)
	s.mu.Unlock()
	writeJSON(w, 200, out)
}

func (s *Server) editMessage(w http.ResponseWriter, r *http.Request, body []byte) {
	p, errs := decodeMessage(body, false)
	if len(errs) > 0 {
		s.fail(w, r, http.StatusBadRequest, string(errs.body()))
		return
	}
	m, ok := s.lockMessage(w, r)
	if !ok {
		return
	}
	applyPayload(m, p)
	m.Pings = nil // edits never notify
	m.Edits++
	out := s.messageJSON(m)
	s.mu.Unlock()
	writeJSON(w, 200, out)
}

func (s *Server) startThread(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(body, &req); err != nil || strings.TrimSpace(req.Name) == "" || len([]rune(req.Name)) > 100 {
		s.fail(w, r, http.StatusBadRequest, `{"message":"Invalid Form Body","code":50035,"errors":{"name":{"_errors":[{"code":"BASE_TYPE_BAD_LENGTH","message":"Must be between 1 and 100 in length."}]}}}`)
		return
	}
	m, ok := s.lockMessage(w, r)
	if !ok {
		return
	}
	if m.ThreadID != "" {
		s.mu.Unlock()
		s.fail(w, r, http.StatusBadRequest, `{"message":"A thread has already been created for this message","code":160004}`)
		return
	}
	// On Discord a thread started from a message has the message's id.
	m.ThreadID = m.ID
	s.channels[m.ID] = &channel{id: m.ID, parentID: m.ChannelID}
	s.mu.Unlock()
	writeJSON(w, 201, map[string]any{"id": m.ID, "type": 11, "parent_id": m.ChannelID, "name": req.Name, "owner_id": s.opts.AppID})
}

// Thread returns the thread started from a message, if any.
func (s *Server) Thread(messageID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[messageID]
	if !ok || m.ThreadID == "" {
		return "", false
	}
	return m.ThreadID, true
}

func (s *Server) overwriteCommands(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.PathValue("app") != s.opts.AppID {
		s.fail(w, r, http.StatusForbidden, `{"message":"Missing Access","code":50001}`)
		return
	}
	var cmds []map[string]any
	if err := json.Unmarshal(body, &cmds); err != nil {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf(`{"message":"Invalid Form Body","code":50035,"errors":{"_errors":[{"code":"MODEL_TYPE_CONVERT","message":%q}]}}`, err.Error()))
		return
	}
	var errs problems
	if len(cmds) > 100 {
		errs.add("_body", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
	}
	names := map[string]bool{}
	stored := make([]json.RawMessage, 0, len(cmds))
	for i, c := range cmds {
		name, _ := c["name"].(string)
		desc, _ := c["description"].(string)
		at := strconv.Itoa(i)
		if !validCommandName(name) {
			errs.add(at+".name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
		}
		if names[name] {
			errs.add(at+".name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		names[name] = true
		if desc == "" || len([]rune(desc)) > 100 {
			errs.add(at+".description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
		validOptions(&errs, at+".options", c["options"])
		c["id"] = s.nextCommandID()
		c["application_id"] = s.opts.AppID
		b, _ := json.Marshal(c)
		stored = append(stored, b)
	}
	if len(errs) > 0 {
		s.fail(w, r, http.StatusBadRequest, string(errs.body()))
		return
	}
	s.mu.Lock()
	s.commands[r.PathValue("gid")] = stored
	s.overwrites++
	s.mu.Unlock()
	writeJSON(w, 200, stored)
}

// validOptions checks a command's (or subcommand's) options as Discord
// does: at most 25, each with a valid name and a description of 1 to 100
// characters, required ones before optional ones.
func validOptions(errs *problems, at string, raw any) {
	opts, _ := raw.([]any)
	if len(opts) > 25 {
		errs.add(at, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	optional := false
	for i, o := range opts {
		opt, _ := o.(map[string]any)
		p := at + "." + strconv.Itoa(i)
		name, _ := opt["name"].(string)
		desc, _ := opt["description"].(string)
		required, _ := opt["required"].(bool)
		if !validCommandName(name) {
			errs.add(p+".name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
		}
		if desc == "" || len([]rune(desc)) > 100 {
			errs.add(p+".description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
		if required && optional {
			errs.add(p+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
		}
		optional = optional || !required
		validOptions(errs, p+".options", opt["options"])
	}
}

func (s *Server) nextCommandID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newID()
}

func validCommandName(n string) bool {
	if n == "" || len(n) > 32 {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// inspectMessages lets a black-box test of the built binary see what it
// posted: the channel's messages with pings and edit counts.
func (s *Server) inspectMessages(w http.ResponseWriter, r *http.Request) {
	type view struct {
		Message
		Pings     []string `json:"pings"`
		Edits     int      `json:"edits"`
		ThreadID  string   `json:"thread_id,omitempty"`
		Reference string   `json:"reference_id,omitempty"`
	}
	var out []view
	for _, m := range s.Messages(r.PathValue("cid")) {
		out = append(out, view{Message: m, Pings: m.Pings, Edits: m.Edits, ThreadID: m.ThreadID, Reference: m.ReferenceID})
	}
	if out == nil {
		out = []view{}
	}
	writeJSON(w, 200, out)
}

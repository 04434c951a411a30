package discordtest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Interaction types, as on Discord.
const (
	TypeCommand      = 2
	TypeComponent    = 3
	TypeAutocomplete = 4
)

// Member is who runs a command or clicks a button.
type Member struct {
	UserID   string
	Username string
	// Permissions is the member's computed permission bitfield in the channel.
	Permissions int64
	Roles       []string
}

// Option is one slash-command option as Discord sends it.
type Option struct {
	Name    string   `json:"name"`
	Type    int      `json:"type"`
	Value   any      `json:"value,omitempty"`
	Options []Option `json:"options,omitempty"`
	Focused bool     `json:"focused,omitempty"`
}

// Str, Int and Sub build options.
func Str(name, v string) Option           { return Option{Name: name, Type: 3, Value: v} }
func Int(name string, v int64) Option     { return Option{Name: name, Type: 4, Value: v} }
func Focus(name, v string) Option         { return Option{Name: name, Type: 3, Value: v, Focused: true} }
func Sub(name string, o ...Option) Option { return Option{Name: name, Type: 1, Options: o} }

// Spec describes an interaction to create.
type Spec struct {
	Type      int // TypeCommand, TypeComponent or TypeAutocomplete
	GuildID   string
	ChannelID string
	Member    Member
	// Command name and options (commands and autocomplete).
	Command string
	Options []Option
	// CustomID and Values (components); MessageID is the message clicked.
	CustomID  string
	Values    []string
	MessageID string
}

// Callback is one answer a bot gave to an interaction.
type Callback struct {
	Type int
	Data json.RawMessage
	// Late is set when the answer came after the interaction deadline (Discord
	// answers 404 Unknown interaction then).
	Late bool
}

// Interaction is the emulator's record of one interaction.
type Interaction struct {
	ID, Token string
	Spec      Spec
	Created   time.Time
	Callbacks []Callback
	// Original is the response message (callback 4/5 and its edits).
	Original *Message
	// Followups are webhook follow-up messages.
	Followups []Message
	// OriginalEdits counts PATCH @original.
	OriginalEdits int
}

// Answered reports whether the bot has answered (callback accepted).
func (i Interaction) Answered() bool {
	for _, c := range i.Callbacks {
		if !c.Late {
			return true
		}
	}
	return false
}

// NewInteraction registers an interaction and returns its id and the JSON
// Discord would send (for the gateway's INTERACTION_CREATE or an HTTP POST
// to an interactions endpoint).
func (s *Server) NewInteraction(spec Spec) (string, []byte) {
	s.mu.Lock()
	id := s.newID()
	token := "itok-" + id
	rec := &Interaction{ID: id, Token: token, Spec: spec, Created: time.Now()}
	s.interactions[id] = rec
	var msg map[string]any
	if spec.MessageID != "" {
		if m, ok := s.messages[spec.MessageID]; ok {
			msg = s.messageJSON(m)
		}
	}
	s.mu.Unlock()
	user := map[string]any{"id": spec.Member.UserID, "username": spec.Member.Username, "discriminator": "0"}
	roles := spec.Member.Roles
	if roles == nil {
		roles = []string{}
	}
	payload := map[string]any{
		"id": id, "application_id": s.opts.AppID, "type": spec.Type, "token": token, "version": 1,
		"guild_id": spec.GuildID, "channel_id": spec.ChannelID, "locale": "en-US",
		"member": map[string]any{"user": user, "roles": roles, "permissions": strconv.FormatInt(spec.Member.Permissions, 10), "joined_at": "2024-01-01T00:00:00Z"},
	}
	switch spec.Type {
	case TypeCommand, TypeAutocomplete:
		opts := spec.Options
		if opts == nil {
			opts = []Option{}
		}
		payload["data"] = map[string]any{"id": "cmd-" + spec.Command, "name": spec.Command, "type": 1, "options": opts}
	case TypeComponent:
		data := map[string]any{"custom_id": spec.CustomID, "component_type": 2}
		if spec.Values != nil {
			data["component_type"] = 3
			data["values"] = spec.Values
		}
		payload["data"] = data
		if msg != nil {
			payload["message"] = msg
		}
	}
	b, _ := json.Marshal(payload)
	return id, b
}

// Interact creates an interaction and dispatches it over the gateway as
// INTERACTION_CREATE. It returns the interaction id.
func (s *Server) Interact(spec Spec) (string, error) {
	id, payload := s.NewInteraction(spec)
	if err := s.Dispatch("INTERACTION_CREATE", payload); err != nil {
		return id, err
	}
	return id, nil
}

// Interaction returns a copy of an interaction's record.
func (s *Server) Interaction(id string) (Interaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.interactions[id]
	if !ok {
		return Interaction{}, false
	}
	c := *rec
	c.Callbacks = append([]Callback(nil), rec.Callbacks...)
	c.Followups = append([]Message(nil), rec.Followups...)
	if rec.Original != nil {
		o := *rec.Original
		c.Original = &o
	}
	return c, true
}

// WaitInteraction waits until cond holds for the interaction's record.
func (s *Server) WaitInteraction(ctx context.Context, id string, cond func(Interaction) bool) (Interaction, error) {
	var got Interaction
	err := WaitFor(ctx, func() bool {
		rec, ok := s.Interaction(id)
		got = rec
		return ok && cond(rec)
	})
	return got, err
}

func (s *Server) interactionCallback(w http.ResponseWriter, r *http.Request, body []byte) {
	s.mu.Lock()
	rec, ok := s.interactions[r.PathValue("iid")]
	s.mu.Unlock()
	if !ok || rec.Token != r.PathValue("itoken") {
		s.fail(w, r, http.StatusNotFound, `{"message":"Unknown interaction","code":10062}`)
		return
	}
	status, answer := s.recordCallback(rec, body)
	if status != http.StatusNoContent {
		s.fail(w, r, status, answer)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// recordCallback validates and applies an interaction response, as
// Discord does for a callback POST or an HTTP endpoint's answer. It
// returns 204 or an error status with Discord's error body.
func (s *Server) recordCallback(rec *Interaction, body []byte) (int, string) {
	var cb struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &cb); err != nil || cb.Type < 1 || cb.Type > 10 {
		return http.StatusBadRequest, `{"message":"Invalid Form Body","code":50035,"errors":{"type":{"_errors":[{"code":"BASE_TYPE_CHOICES","message":"Value must be one of {1, 4, 5, 6, 7, 8, 9, 10}."}]}}}`
	}
	late := time.Since(rec.Created) > s.opts.InteractionDeadline
	var p messagePayload
	if len(cb.Data) > 0 && string(cb.Data) != "null" {
		var errs problems
		p, errs = decodeMessage(cb.Data, cb.Type == 4)
		if len(errs) > 0 {
			return http.StatusBadRequest, string(errs.body())
		}
	}
	if cb.Type == 8 {
		var choices []struct {
			Name  string `json:"name"`
			Value any    `json:"value"`
		}
		if p.Choices == nil || json.Unmarshal(*p.Choices, &choices) != nil || len(choices) > 25 {
			return http.StatusBadRequest, `{"message":"Invalid Form Body","code":50035,"errors":{"data":{"choices":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 25 or fewer in length."}]}}}}`
		}
		for _, c := range choices {
			if n := []rune(c.Name); len(n) == 0 || len(n) > 100 {
				return http.StatusBadRequest, `{"message":"Invalid Form Body","code":50035,"errors":{"data":{"choices":{"_errors":[{"code":"BASE_TYPE_BAD_LENGTH","message":"Must be between 1 and 100 in length."}]}}}}`
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec.Answered() {
		return http.StatusBadRequest, `{"message":"Interaction has already been acknowledged.","code":40060}`
	}
	rec.Callbacks = append(rec.Callbacks, Callback{Type: cb.Type, Data: cb.Data, Late: late})
	if late {
		return http.StatusNotFound, `{"message":"Unknown interaction","code":10062}`
	}
	switch cb.Type {
	case 4, 5:
		m := &Message{ID: s.newID(), ChannelID: rec.Spec.ChannelID, AuthorID: s.opts.AppID, Timestamp: time.Now()}
		applyPayload(m, p)
		rec.Original = m
	case 7:
		if msg, ok := s.messages[rec.Spec.MessageID]; ok {
			applyPayload(msg, p)
			msg.Pings = nil
			msg.Edits++
		}
	}
	return http.StatusNoContent, ""
}

// DeliverHTTP sends an interaction to a bot's HTTP interactions endpoint
// the way Discord does (Ed25519-signed with key) and records the answer as
// the interaction's callback. It returns the interaction id and the
// endpoint's HTTP status.
func (s *Server) DeliverHTTP(ctx context.Context, endpoint string, key ed25519.PrivateKey, spec Spec) (string, int, error) {
	id, payload := s.NewInteraction(spec)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig := ed25519.Sign(key, append([]byte(ts), payload...))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return id, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	req.Header.Set("X-Signature-Timestamp", ts)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return id, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return id, resp.StatusCode, err
	}
	if resp.StatusCode != http.StatusOK {
		return id, resp.StatusCode, nil
	}
	s.mu.Lock()
	rec := s.interactions[id]
	s.mu.Unlock()
	record := func() error {
		if status, answer := s.recordCallback(rec, body); status != http.StatusNoContent {
			s.mu.Lock()
			s.rejections = append(s.rejections, Rejection{Method: "HTTP-ANSWER", Path: endpoint, Status: status, Body: answer})
			s.mu.Unlock()
			return fmt.Errorf("discordtest: endpoint answer refused: %s", answer)
		}
		return nil
	}
	if s.opts.AnswerLag > 0 {
		// Discord takes a while to process the answer; the caller goes on
		// (the next interaction) meanwhile. A refusal shows in Rejections.
		time.AfterFunc(s.opts.AnswerLag, func() { _ = record() })
		return id, resp.StatusCode, nil
	}
	return id, resp.StatusCode, record()
}

func (s *Server) webhookGet(w http.ResponseWriter, r *http.Request, _ []byte) {
	rec := s.webhookInteractionSync(w, r)
	if rec == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec.Original == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Unknown Message","code":10008}`)
		return
	}
	writeJSON(w, 200, s.messageJSON(rec.Original))
}

func (s *Server) webhookEdit(w http.ResponseWriter, r *http.Request, body []byte) {
	rec := s.webhookInteractionSync(w, r)
	if rec == nil {
		return
	}
	p, errs := decodeMessage(body, false)
	if len(errs) > 0 {
		s.fail(w, r, http.StatusBadRequest, string(errs.body()))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var target *Message
	mid := r.PathValue("mid")
	if mid == "@original" {
		last := rec.Callbacks[len(rec.Callbacks)-1].Type
		if (last == 6 || last == 7) && s.messages[rec.Spec.MessageID] != nil {
			target = s.messages[rec.Spec.MessageID]
		} else {
			target = rec.Original
		}
	} else {
		for i := range rec.Followups {
			if rec.Followups[i].ID == mid {
				target = &rec.Followups[i]
			}
		}
	}
	if target == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Unknown Message","code":10008}`)
		return
	}
	applyPayload(target, p)
	target.Pings = nil
	target.Edits++
	rec.OriginalEdits++
	writeJSON(w, 200, s.messageJSON(target))
}

func (s *Server) webhookFollowup(w http.ResponseWriter, r *http.Request, body []byte) {
	rec := s.webhookInteractionSync(w, r)
	if rec == nil {
		return
	}
	p, errs := decodeMessage(body, true)
	if len(errs) > 0 {
		s.fail(w, r, http.StatusBadRequest, string(errs.body()))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := Message{ID: s.newID(), ChannelID: rec.Spec.ChannelID, AuthorID: s.opts.AppID, Timestamp: time.Now()}
	applyPayload(&m, p)
	rec.Followups = append(rec.Followups, m)
	writeJSON(w, 200, s.messageJSON(&m))
}

// webhookInteractionSync finds the interaction a webhook token belongs to,
// answering 404 itself when the token is unknown, or when the interaction's
// answer has not taken effect yet: Discord then answers 10008 Unknown
// Message to an edit of @original, and a bot must retry briefly.
func (s *Server) webhookInteractionSync(w http.ResponseWriter, r *http.Request) *Interaction {
	if r.PathValue("app") != s.opts.AppID {
		s.fail(w, r, http.StatusNotFound, `{"message":"Unknown Webhook","code":10015}`)
		return nil
	}
	s.mu.Lock()
	var found *Interaction
	for _, rec := range s.interactions {
		if rec.Token == r.PathValue("itoken") {
			found = rec
		}
	}
	answered := found != nil && len(found.Callbacks) > 0
	s.mu.Unlock()
	switch {
	case found == nil:
		s.fail(w, r, http.StatusNotFound, `{"message":"Unknown Webhook","code":10015}`)
		return nil
	case !answered:
		// Not a broken rule (it is Discord's own race), so no Rejection.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Unknown Message","code":10008}`)
		return nil
	}
	return found
}

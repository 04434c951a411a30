package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Options configure an emulated Discord.
type Options struct {
	// Token is the bot token without the "Bot " prefix; requests must carry
	// "Authorization: Bot <Token>".
	Token string
	// AppID is the application id (also the bot user's id, as on Discord).
	AppID string
	// BotName is the bot user's name.
	BotName string
	// HeartbeatInterval is sent in HELLO; default 45s (as Discord, roughly).
	HeartbeatInterval time.Duration
	// NonceWindow is how long a nonce with enforce_nonce dedups a send;
	// default 5 minutes.
	NonceWindow time.Duration
	// InteractionDeadline is the time a bot has to answer an interaction;
	// default 3s as on Discord.
	InteractionDeadline time.Duration
	// AnswerLag is how long after an HTTP interactions endpoint answered
	// the answer takes effect. Discord processes the HTTP answer after the
	// bot sent it, so the bot's first edit of @original can arrive first and
	// get 10008 Unknown Message; the emulator does the same even with no
	// lag (the edit can overtake the recording), and more reliably with one.
	AnswerLag time.Duration
	// Addr is the listen address; default a free port on 127.0.0.1.
	Addr string
	// Channels are created at start (see AddChannel).
	Channels []string
	// Logger receives debug lines; nil discards them.
	Logger *slog.Logger
}

// Server is one emulated Discord. All methods are safe for concurrent use.
type Server struct {
	opts Options
	http *httptest.Server
	log  *slog.Logger

	mu           sync.Mutex
	nextID       int64
	channels     map[string]*channel
	messages     map[string]*Message // by id
	nonces       map[string]nonceEntry
	commands     map[string][]json.RawMessage // guild id ("" = global) → commands
	overwrites   int
	interactions map[string]*Interaction // by id
	rejections   []Rejection
	faults       []*Fault
	requests     []RequestLog
	gw           gateway
}

type nonceEntry struct {
	messageID string
	at        time.Time
}

type channel struct {
	id       string
	parentID string // set for threads
	messages []string
}

// RequestLog is one REST request as the emulator saw it.
type RequestLog struct {
	Method string
	Path   string
	Status int
	// Authorization is the raw header, so tests can check it never leaks.
	Authorization string
}

// Rejection is one request answered 400/401/404 because it broke a rule.
type Rejection struct {
	Method string
	Path   string
	Status int
	Body   string // the Discord-shaped error answered
}

// Message is a message as stored by the emulator.
type Message struct {
	ID        string          `json:"id"`
	ChannelID string          `json:"channel_id"`
	AuthorID  string          `json:"-"`
	Content   string          `json:"content"`
	Embeds    json.RawMessage `json:"embeds"`
	// Components is the raw components array.
	Components json.RawMessage `json:"components"`
	// AllowedMentions is the raw allowed_mentions object of the last write.
	AllowedMentions json.RawMessage `json:"allowed_mentions"`
	ReferenceID     string          `json:"-"`
	Nonce           string          `json:"-"`
	Edits           int             `json:"-"`
	ThreadID        string          `json:"-"`
	// Pings are the mentions that would have notified someone: "everyone",
	// "here", "user:<id>", "role:<id>".
	Pings     []string  `json:"-"`
	Timestamp time.Time `json:"-"`
	// Ephemeral is set for interaction responses flagged 64.
	Ephemeral bool `json:"-"`
}

// New starts an emulated Discord on 127.0.0.1 (or opts.Addr). Close it
// when done. It panics if it cannot listen, as httptest does.
func New(opts Options) *Server {
	s, err := Start(opts)
	if err != nil {
		panic(err)
	}
	return s
}

// Start is New returning the listen error instead of panicking, for the
// standalone emulator.
func Start(opts Options) (*Server, error) {
	if opts.AppID == "" {
		opts.AppID = "900000000000000001"
	}
	if opts.BotName == "" {
		opts.BotName = "tocsin"
	}
	if opts.HeartbeatInterval == 0 {
		opts.HeartbeatInterval = 45 * time.Second
	}
	if opts.NonceWindow == 0 {
		opts.NonceWindow = 5 * time.Minute
	}
	if opts.InteractionDeadline == 0 {
		opts.InteractionDeadline = 3 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts:         opts,
		log:          log.With("component", "discordtest"),
		nextID:       1100000000000000000,
		channels:     map[string]*channel{},
		messages:     map[string]*Message{},
		nonces:       map[string]nonceEntry{},
		commands:     map[string][]json.RawMessage{},
		interactions: map[string]*Interaction{},
	}
	s.gw.init()
	mux := http.NewServeMux()
	s.routes(mux)
	s.http = httptest.NewUnstartedServer(mux)
	if opts.Addr != "" {
		l, err := net.Listen("tcp", opts.Addr)
		if err != nil {
			return nil, fmt.Errorf("discordtest: listen: %w", err)
		}
		s.http.Listener.Close()
		s.http.Listener = l
	}
	s.http.Start()
	for _, ch := range opts.Channels {
		s.AddChannel(ch)
	}
	return s, nil
}

// URL is the emulator's base URL, e.g. http://127.0.0.1:12345 (REST lives
// under /api/v9).
func (s *Server) URL() string { return s.http.URL }

// AppID is the application (and bot user) id.
func (s *Server) AppID() string { return s.opts.AppID }

// Close stops the gateway connections and the HTTP server.
func (s *Server) Close() {
	s.gw.closeAll()
	s.http.CloseClientConnections()
	s.http.Close()
}

func (s *Server) newID() string {
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

// AddChannel declares a text channel; posting to an unknown channel is a 404
// (Unknown Channel) as on Discord.
func (s *Server) AddChannel(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[id]; !ok {
		s.channels[id] = &channel{id: id}
	}
}

// Messages returns copies of the messages of a channel (or thread), oldest
// first.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channelID]
	if !ok {
		return nil
	}
	out := make([]Message, 0, len(ch.messages))
	for _, id := range ch.messages {
		out = append(out, *s.messages[id])
	}
	return out
}

// Message returns one message by id.
func (s *Server) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return Message{}, false
	}
	return *m, true
}

// Rejections returns every request the emulator refused as invalid.
func (s *Server) Rejections() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejection(nil), s.rejections...)
}

// Requests returns every REST request seen, in order.
func (s *Server) Requests() []RequestLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestLog(nil), s.requests...)
}

// Commands returns the commands registered for a guild ("" for global).
func (s *Server) Commands(guildID string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]json.RawMessage(nil), s.commands[guildID]...)
}

// Overwrites counts bulk-overwrite calls (registration should be one).
func (s *Server) Overwrites() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.overwrites
}

// WaitFor polls cond until it holds or ctx ends; a failure guard for tests
// waiting on asynchronous work, not a timer.
func WaitFor(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("condition not met: %w", ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

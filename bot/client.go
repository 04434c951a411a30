package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// DefaultAPIURL is Discord's own REST base.
const DefaultAPIURL = "https://discord.com/api/v9"

// ClientOptions configure the connection to Discord.
type ClientOptions struct {
	Token Token
	// APIURL is the REST base, e.g. https://discord.com/api/v9 (the
	// default), a REST proxy, or an emulator. Anything but the default
	// installs a transport that rewrites scheme and host (and path prefix),
	// because discordgo builds its endpoint URLs at init.
	APIURL string
	// HTTPTimeout bounds one REST request; default 15s.
	HTTPTimeout time.Duration
	// OpenTimeout bounds the gateway handshake (dial, HELLO, READY); the
	// discordgo Open has no read deadline of its own. Default 20s.
	OpenTimeout time.Duration
	Logger      *slog.Logger
}

// Client is a discordgo session set up for tocsin: redirected REST, guild
// intent only, no unbounded retries, a bounded gateway handshake.
type Client struct {
	s    *discordgo.Session
	rest *rest
	log  *slog.Logger
	open time.Duration

	mu       sync.Mutex
	lastConn *handshakeConn // the gateway conn whose handshake deadline is pending
	botID    string
}

// NewClient builds a Client; it does no I/O.
func NewClient(opts ClientOptions) (*Client, error) {
	if opts.Token == "" {
		return nil, errors.New("discord: token is empty")
	}
	if opts.HTTPTimeout == 0 {
		opts.HTTPTimeout = 15 * time.Second
	}
	if opts.OpenTimeout == 0 {
		opts.OpenTimeout = 20 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s, err := discordgo.New("Bot " + opts.Token.reveal())
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	var rt http.RoundTripper = tr
	if opts.APIURL != "" && strings.TrimRight(opts.APIURL, "/") != DefaultAPIURL {
		rt, err = RewriteTransport(opts.APIURL, tr)
		if err != nil {
			return nil, err
		}
	}
	s.Client = &http.Client{Transport: rt, Timeout: opts.HTTPTimeout}
	s.Identify.Intents = discordgo.IntentsGuilds
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 0
	// discordgo logs through the global log package; tocsin logs
	// connection events itself, through slog.
	s.LogLevel = -1
	s.StateEnabled = false
	c := &Client{s: s, log: log.With("component", "discord"), open: opts.OpenTimeout}
	c.rest = newRest(s, c.log)
	d := *websocket.DefaultDialer
	d.NetDialContext = c.dialGateway
	d.HandshakeTimeout = opts.OpenTimeout
	s.Dialer = &d
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		c.handshakeDone()
		if r.User != nil {
			c.mu.Lock()
			c.botID = r.User.ID
			c.mu.Unlock()
		}
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) {
		c.handshakeDone()
		c.log.Info("gateway resumed")
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		c.log.Warn("gateway disconnected; discordgo reconnects")
	})
	return c, nil
}

// dialGateway dials the gateway with a deadline covering the whole
// handshake (dial, HELLO, IDENTIFY, READY); the READY/RESUMED handlers lift
// it. discordgo's Open (also used for its own reconnects) reads HELLO and
// READY without any deadline, so without this a silent server would hang it
// forever. gorilla/websocket clears deadlines after the HTTP upgrade, so the
// conn is wrapped to keep ours until the handshake is done.
func (c *Client) dialGateway(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	hc := &handshakeConn{Conn: conn, pinned: true}
	_ = conn.SetDeadline(time.Now().Add(c.open))
	c.mu.Lock()
	c.lastConn = hc
	c.mu.Unlock()
	return hc, nil
}

func (c *Client) handshakeDone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lastConn != nil {
		c.lastConn.release()
		c.lastConn = nil
	}
}

// handshakeConn keeps its handshake deadline while pinned: gorilla sets
// its own (45s) and then clears it, both of which would undo ours.
type handshakeConn struct {
	net.Conn
	mu     sync.Mutex
	pinned bool
}

func (h *handshakeConn) SetDeadline(t time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pinned {
		return nil
	}
	return h.Conn.SetDeadline(t)
}

func (h *handshakeConn) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pinned = false
	_ = h.Conn.SetDeadline(time.Time{})
}

// Session exposes the discordgo session (for the app's health checks and
// tests); tocsin code goes through Client's methods.
func (c *Client) Session() *discordgo.Session { return c.s }

// Open connects the gateway (HELLO, IDENTIFY, READY), bounded by the open
// timeout; discordgo then keeps it up, resuming after drops.
func (c *Client) Open(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- c.s.Open() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("discord: open gateway: %w", err)
		}
		return nil
	case <-ctx.Done():
		// The dial deadline ends the handshake soon; wait for it so the
		// goroutine does not outlive us.
		<-done
		_ = c.s.Close()
		return fmt.Errorf("discord: open gateway: %w", ctx.Err())
	}
}

// Close closes the gateway connection.
func (c *Client) Close() error {
	if err := c.s.Close(); err != nil {
		return fmt.Errorf("discord: close gateway: %w", err)
	}
	return nil
}

// BotID returns the bot user's id, from READY or GET /users/@me.
func (c *Client) BotID(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.botID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var u discordgo.User
	if err := c.rest.json(ctx, "GET", discordgo.EndpointUser("@me"), discordgo.EndpointUsers, nil, &u); err != nil {
		return "", fmt.Errorf("discord: who am I: %w", err)
	}
	c.mu.Lock()
	c.botID = u.ID
	c.mu.Unlock()
	return u.ID, nil
}

// RewriteTransport returns a RoundTripper that sends requests meant for
// Discord's REST API to base instead (scheme, host and path prefix), so a
// REST proxy or an emulator can stand in for discord.com.
func RewriteTransport(base string, next http.RoundTripper) (http.RoundTripper, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("discord: api_url %q: want an http(s) URL such as %s", base, DefaultAPIURL)
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return &rewriter{base: u, next: next}, nil
}

type rewriter struct {
	base *url.URL
	next http.RoundTripper
}

func (rw *rewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	const discordPrefix = "/api/v9"
	r2 := r.Clone(r.Context())
	r2.URL.Scheme = rw.base.Scheme
	r2.URL.Host = rw.base.Host
	r2.Host = rw.base.Host
	prefix := rw.base.Path
	if prefix == "" {
		prefix = discordPrefix
	}
	r2.URL.Path = prefix + strings.TrimPrefix(r.URL.Path, discordPrefix)
	r2.URL.RawPath = ""
	return rw.next.RoundTrip(r2)
}

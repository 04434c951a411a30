package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
)

// gateway is the emulated gateway's state, guarded by its own mutex so that
// REST and gateway work do not serialise on one lock.
type gateway struct {
	mu       sync.Mutex
	sessions map[string]*gwSession
	current  *gwSession
	conns    map[*gwConn]struct{}
	upgrader websocket.Upgrader
	// invalidNext makes the next RESUME fail with INVALID_SESSION.
	invalidNext bool
	identifies  int
	resumes     int
	nextSession int
}

type gwSession struct {
	id     string
	seq    int64
	events []gwEvent
	conn   *gwConn
}

type gwEvent struct {
	seq  int64
	typ  string
	data json.RawMessage
}

type gwConn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
}

func (c *gwConn) write(v any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.ws.WriteJSON(v)
}

type gwPayload struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
}

func (g *gateway) init() {
	g.sessions = map[string]*gwSession{}
	g.conns = map[*gwConn]struct{}{}
}

func (g *gateway) closeAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for c := range g.conns {
		c.ws.Close()
	}
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	g := &s.gw
	ws, err := g.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws}
	g.mu.Lock()
	g.conns[c] = struct{}{}
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.conns, c)
		for _, sess := range g.sessions {
			if sess.conn == c {
				sess.conn = nil
			}
		}
		g.mu.Unlock()
		ws.Close()
	}()
	hello, _ := json.Marshal(map[string]int64{"heartbeat_interval": s.opts.HeartbeatInterval.Milliseconds()})
	if c.write(gwPayload{Op: 10, D: hello}) != nil {
		return
	}
	for {
		var p gwPayload
		if err := ws.ReadJSON(&p); err != nil {
			return
		}
		switch p.Op {
		case 1: // heartbeat
			if c.write(gwPayload{Op: 11}) != nil {
				return
			}
		case 2: // identify
			var id struct {
				Token string `json:"token"`
			}
			_ = json.Unmarshal(p.D, &id)
			if strings.TrimPrefix(id.Token, "Bot ") != s.opts.Token {
				c.writeMu.Lock()
				_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
				c.writeMu.Unlock()
				return
			}
			s.identify(c)
		case 6: // resume
			var res struct {
				Token     string `json:"token"`
				SessionID string `json:"session_id"`
				Seq       int64  `json:"seq"`
			}
			_ = json.Unmarshal(p.D, &res)
			if !s.resume(c, res.SessionID, res.Seq, strings.TrimPrefix(res.Token, "Bot ") == s.opts.Token) {
				if c.write(gwPayload{Op: 9, D: json.RawMessage("false")}) != nil {
					return
				}
			}
		}
	}
}

func (s *Server) identify(c *gwConn) {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nextSession++
	g.identifies++
	sess := &gwSession{id: "session-" + strconv.Itoa(g.nextSession), conn: c}
	g.sessions[sess.id] = sess
	g.current = sess
	ready, _ := json.Marshal(map[string]any{
		"v": 9, "user": s.botUser(), "session_id": sess.id,
		"resume_gateway_url": "ws" + strings.TrimPrefix(s.http.URL, "http") + "/gateway",
		"guilds":             []any{}, "application": map[string]any{"id": s.opts.AppID, "flags": 0},
	})
	s.dispatchLocked(sess, "READY", ready)
}

// resume replays the events after seq and sends RESUMED; false means the
// session cannot be resumed.
func (s *Server) resume(c *gwConn, sessionID string, seq int64, tokenOK bool) bool {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	sess, ok := g.sessions[sessionID]
	if !ok || !tokenOK || g.invalidNext {
		g.invalidNext = false
		return false
	}
	g.resumes++
	sess.conn = c
	g.current = sess
	for _, e := range sess.events {
		if e.seq > seq {
			sq := e.seq
			if c.write(gwPayload{Op: 0, T: e.typ, S: &sq, D: e.data}) != nil {
				return true
			}
		}
	}
	s.dispatchLocked(sess, "RESUMED", json.RawMessage(`{}`))
	return true
}

// dispatchLocked records an event and writes it if the session is
// connected; g.mu must be held.
func (s *Server) dispatchLocked(sess *gwSession, typ string, data json.RawMessage) {
	sess.seq++
	sq := sess.seq
	sess.events = append(sess.events, gwEvent{seq: sq, typ: typ, data: data})
	if sess.conn != nil {
		_ = sess.conn.write(gwPayload{Op: 0, T: typ, S: &sq, D: data})
	}
}

// Dispatch sends an event to the current gateway session; while the
// session is disconnected the event waits for a RESUME.
func (s *Server) Dispatch(typ string, data json.RawMessage) error {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.current == nil {
		return errors.New("discordtest: no gateway session")
	}
	s.dispatchLocked(g.current, typ, data)
	return nil
}

// DropGateway cuts the current gateway connection without a close frame,
// as a network failure would.
func (s *Server) DropGateway() {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.current != nil && g.current.conn != nil {
		g.current.conn.ws.UnderlyingConn().Close()
		g.current.conn = nil
	}
}

// InvalidateNextResume makes the next RESUME answer INVALID_SESSION, so the
// client has to IDENTIFY again.
func (s *Server) InvalidateNextResume() {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	s.gw.invalidNext = true
}

// GatewayStats reports how many IDENTIFYs and successful RESUMEs happened
// and whether a session is connected now.
func (s *Server) GatewayStats() (identifies, resumes int, connected bool) {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.identifies, g.resumes, g.current != nil && g.current.conn != nil
}

// WaitConnected waits until a gateway session is connected.
func (s *Server) WaitConnected(ctx context.Context) error {
	return WaitFor(ctx, func() bool { _, _, ok := s.GatewayStats(); return ok })
}

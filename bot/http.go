package bot

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// maxInteractionBody caps an interaction request; Discord's are a few KB.
const maxInteractionBody = 1 << 20

// ParsePublicKey reads the application's public key (hex, from the
// developer portal).
func ParsePublicKey(hexKey string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(hexKey)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("discord public_key: want %d hex-encoded bytes", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// InteractionsHandler is Discord's "interactions endpoint URL": it checks
// the Ed25519 signature (401 otherwise, which Discord itself tests for),
// answers PING with PONG and dispatches commands and buttons to the same
// handlers as the gateway. Deferred work continues in a goroutine owned by
// the bot and edits the answer through the REST API.
func (b *Bot) InteractionsHandler(key ed25519.PublicKey) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxInteractionBody)
		if !discordgo.VerifyInteraction(r, key) || !fresh(r.Header.Get("X-Signature-Timestamp"), b.h.now()) {
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		var i discordgo.Interaction
		if err := json.NewDecoder(r.Body).Decode(&i); err != nil {
			http.Error(w, "bad interaction JSON", http.StatusBadRequest)
			return
		}
		if !b.track() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(b.ctx, interactionTTL)
		rep := b.h.handle(ctx, &i)
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(rep.resp); err != nil {
			b.log.Warn("writing interaction answer failed", "interaction_id", i.ID, "err", err.Error())
		}
		// The answer must reach Discord before the continuation edits it.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		go func() {
			defer b.wg.Done()
			defer cancel()
			b.finish(ctx, &i, rep)
		}()
	})
}

// fresh rejects signatures older than five minutes, so a captured request
// cannot be replayed later.
func fresh(ts string, now time.Time) bool {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	d := now.Sub(time.Unix(sec, 0))
	return d < 5*time.Minute && d > -5*time.Minute
}

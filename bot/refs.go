package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
)

// Refs remembers what tocsin has posted on Discord, so Notify is idempotent
// across retries and crashes. The store implements it on its notifier_refs
// table; PutRef must be durable when it returns.
type Refs interface {
	GetRef(ctx context.Context, key string) (value string, ok bool, err error)
	PutRef(ctx context.Context, key, value string) error
}

// Ref keys. All start with "discord/" so the table can hold other
// notifiers' refs too.
func keyMessage(channelID, incidentID string) string {
	return "discord/msg/" + channelID + "/" + incidentID
}
func keyThread(channelID, incidentID string) string {
	return "discord/thread/" + channelID + "/" + incidentID
}
func keyPosted(channelID, alertID, purpose string) string {
	return "discord/post/" + channelID + "/" + alertID + "/" + purpose
}
func keyPending(channelID, alertID, purpose string) string {
	return "discord/pending/" + channelID + "/" + alertID + "/" + purpose
}
func keyDone(channelID, alertID string) string {
	return "discord/done/" + channelID + "/" + alertID
}

// nonce derives Discord's message nonce (at most 25 characters) from what
// makes a post unique: the alert, the channel and the purpose.
func nonce(alertID, channelID, purpose string) string {
	sum := sha256.Sum256([]byte(alertID + "\x00" + channelID + "\x00" + purpose))
	return hex.EncodeToString(sum[:])[:25]
}

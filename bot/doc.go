// Package bot puts tocsin in Discord: a Notifier that keeps one living
// message per incident, slash commands and buttons that answer members'
// questions, and an HTTP interactions endpoint for deployments without a
// gateway connection.
//
// # One message per incident, exactly once
//
// Each incident is one message per routed channel. "opened" sends it and
// starts a thread under it; "updated", "escalated" and "resolved" edit it in
// place and add a short line to its thread (the timeline); an escalation is
// also announced by a short reply in the channel, because edits notify no
// one. Payloads are built by pure functions (payload.go), escaped so report
// text can never ping or inject markdown, truncated by rune to Discord's
// limits by construction, and golden-tested.
//
// The outbox hands an Alert to Notify until Notify succeeds, so Notify must
// be idempotent per Alert.ID even if the process dies after Discord accepted
// a message but before anything recorded it. Every message tocsin creates
// goes through postOnce, which uses three layers:
//
//  1. Refs (an interface the store implements on its notifier_refs table)
//     maps (channel, incident) to the message id and (channel, alert,
//     purpose) to the posted message id; a known ref means "already done".
//  2. Before sending, postOnce writes a "pending" ref. Finding a pending ref
//     without a posted ref means an earlier attempt may have reached Discord:
//     postOnce then lists the channel's recent messages and adopts its own
//     message that carries the same marker (the incident id in the embed
//     footer, or the exact timeline line), instead of posting again.
//  3. The send itself carries nonce = hash(alert id, channel, purpose) with
//     enforce_nonce, which discordgo's MessageSend cannot express, so the
//     request is built here and sent with Session.RequestWithBucketID.
//     Discord answers a repeated nonce within a few minutes with the message
//     it already created.
//
// Edits are naturally idempotent; a thread started from a message has the
// message's id, and "thread already exists" (160004) is success.
//
// A retry resumes the attempt it repeats rather than starting a different
// one: an opening cut after its message was recorded (a SIGKILL before the
// thread or the "done" ref, a send timeout during the thread's creation)
// finds the incident's message recorded as its own posted ref and only
// finishes the thread. Before, the retry took the message for an earlier
// opening's and the alert for an update of it, and added an "Opened" line
// to the timeline that no update stood for.
//
// # Rate limits and failures
//
// discordgo retries a 429 forever and sleeps without looking at a context,
// so every request here is sent with discordgo.WithRetryOnRatelimit(false),
// WithRestRetries(0) and WithContext(ctx); the rest type then waits out
// retry_after (capped, and bounded by ctx) and retries within a budget. A
// 5xx or a network error is retried with backoff inside the same budget; a
// 4xx is final. When the budget is spent Notify answers retry=true and the
// outbox tries later. A client-side limiter keeps the global 50 requests per
// second, and discordgo's buckets still honour X-RateLimit-Global.
//
// # Commands and buttons
//
// Commands are registered with one bulk overwrite at start. Each handler
// talks to tocsin through a small interface declared here (queries.go); the
// app adapts the store, the live rule set and the reloader to them. Handlers
// return an immediate response and, when the work may be slow, a deferred
// continuation: the dispatcher answers "thinking…" (type 5) within Discord's
// 3 seconds and edits the original response when the work is done. The same
// dispatcher serves the gateway (INTERACTION_CREATE) and the HTTP
// interactions endpoint (Ed25519-verified).
//
// The token is a Token, whose String and MarshalText print <secret>; it only
// leaves this package in the Authorization header.
package bot

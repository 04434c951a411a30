// Package notify is what the chat notifiers other than Discord share
// (Slack, Telegram, Matrix; the webhook uses its routes and retries): the
// living-message delivery, per-channel routes, rate-limit handling and the
// text of an alert.
//
// A Living notifier keeps one message per incident and channel current:
// the opening posts it, every later event edits it (edits notify no one)
// and adds a line to its thread; an escalation's line is also shown in the
// channel. What was done is recorded in Refs (the store's notifier_refs)
// before and after each platform call, so a retry, a restart or a crash
// does not post twice what the platform already has: each post carries an
// idempotency key the platform adapter uses where the platform has one
// (Matrix transaction ids, Slack message metadata found again in the
// channel's history).
package notify

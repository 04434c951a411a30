// Package discordtest is a loopback Discord: a REST API under /api/v9 and a
// gateway websocket that the real discordgo session talks to in tests.
//
// Discord cannot be reached from CI, and a mock that only records calls
// proves little, so the emulator behaves like Discord where tocsin depends on
// it: it checks the bot token, validates message payloads against Discord's
// documented limits (embed sizes, content length, allowed_mentions shape,
// components) and answers 400 with Discord-shaped JSON errors, honours
// message nonces with enforce_nonce, creates threads whose id is the id of
// their starter message, enforces the 3-second window and the single
// callback of an interaction, and runs a gateway with HELLO, IDENTIFY→READY,
// heartbeat ACKs, RESUME→RESUMED (replaying missed events), INVALID_SESSION
// and INTERACTION_CREATE dispatch.
//
// Faults can be injected: a 429 with retry_after and the rate-limit headers
// discordgo reads, 5xx answers, slow answers and a dropped gateway
// connection. Everything is recorded so tests can assert on what Discord
// would have shown, including who a message would have pinged.
//
// The server listens on 127.0.0.1 only. Point discordgo at it with a
// transport that rewrites scheme and host (bot.RewriteTransport), since
// discordgo builds its endpoint URLs at init.
package discordtest

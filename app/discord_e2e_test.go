package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/app"
	"github.com/tocsin-alerts/tocsin/bot/discordtest"
	"github.com/tocsin-alerts/tocsin/config"
)

const (
	e2eToken   = "e2e-bot-token.must-never-be-logged.x9Q"
	e2eChannel = "300000000000000001"
	e2eGuild   = "400000000000000001"
)

// The first report (source wire-a) opens a HIGH incident in Kharkiv; the
// second (source wire-b) is the same event in other words: an update.
const (
	reportA = "Russian missiles strike Kharkiv apartment blocks, killing 14\n\n" +
		"Russian missiles struck two apartment blocks in the centre of Kharkiv early on Sunday, killing at least 14 people " +
		"and wounding dozens, regional governor Oleh Syniehubov said.\n"
	reportB = "Missile attack on Kharkiv kills 14 in apartment blocks\n\n" +
		"A Russian missile attack hit apartment blocks in Kharkiv on Sunday, killing 14 people, the regional governor said. " +
		"Rescuers searched the rubble.\n"
)

// TestDiscordEndToEnd runs the whole service against the loopback Discord
// with the real discordgo client: a folder source's report becomes exactly
// one message in the configured channel; the same incident reported by a
// second source edits that message (a timeline line goes to its thread, no
// new message in the channel); /status and /alerts answer over the gateway
// and over the signed HTTP interactions endpoint (a tampered request is
// refused); a restart on the same store posts nothing again; the token
// never reaches the logs.
func TestDiscordEndToEnd(t *testing.T) {
	// A generous interaction deadline: this test is about wiring, and the
	// race detector on a shared machine is slow; bot's own tests hold
	// Discord's 3 s.
	emu := discordtest.New(discordtest.Options{Token: e2eToken, Channels: []string{e2eChannel}, InteractionDeadline: time.Minute})
	t.Cleanup(emu.Close)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dirA, dirB := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(dirA, "kharkiv.txt"), []byte(reportA), 0o644); err != nil {
		t.Fatal(err)
	}

	cfg := config.Default()
	cfg.Store.DSN = filepath.Join(t.TempDir(), "tocsin.db")
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Console.Enabled = false
	cfg.Alerts.RepeatInterval = 0 // every corroboration is an update
	// The report is in wire-a before the first poll: an undated backlog
	// item, which alerts only because the source says so.
	cfg.Sources = []config.Source{
		{ID: "wire-a", Kind: "folder", Path: dirA, Interval: config.Duration(time.Second), AlertBacklog: true},
		{ID: "wire-b", Kind: "folder", Path: dirB, Interval: config.Duration(time.Second), AlertBacklog: true},
	}
	cfg.Discord = config.Discord{
		Token: config.Secret(e2eToken), ApplicationID: emu.AppID(), GuildID: e2eGuild, APIURL: emu.URL() + "/api/v9",
		PublicKey: hex.EncodeToString(pub),
		Channels:  []config.DiscordChannel{{ChannelID: e2eChannel, MinSeverity: "medium"}},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, stop := runApp(t, cfg, logger)
	defer stop()
	wait := func(what string, cond func() bool) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second) // failure guard only
		defer wcancel()
		if err := discordtest.WaitFor(wctx, cond); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// Commands are registered with one bulk overwrite, in the guild.
	wait("gateway connected", func() bool { _, _, ok := emu.GatewayStats(); return ok })
	if n := emu.Overwrites(); n != 1 || len(emu.Commands(e2eGuild)) == 0 {
		t.Errorf("command registration: %d overwrites, %d guild commands; want 1 overwrite", n, len(emu.Commands(e2eGuild)))
	}

	// 1. The report becomes exactly one message, with its thread.
	wait("incident message posted", func() bool { return len(emu.Messages(e2eChannel)) > 0 })
	msgs := emu.Messages(e2eChannel)
	if len(msgs) != 1 {
		t.Fatalf("channel has %d messages; want exactly 1", len(msgs))
	}
	msg := msgs[0]
	if !strings.Contains(string(msg.Embeds), "Kharkiv") || len(msg.Pings) != 0 {
		t.Errorf("incident message: embeds %s, pings %v", msg.Embeds, msg.Pings)
	}
	wait("thread started", func() bool { _, ok := emu.Thread(msg.ID); return ok })

	// 2. The same incident from another source edits the message.
	if err := os.WriteFile(filepath.Join(dirB, "kharkiv-b.txt"), []byte(reportB), 0o644); err != nil {
		t.Fatal(err)
	}
	wait("incident message edited", func() bool { m, _ := emu.Message(msg.ID); return m.Edits > 0 })
	thread, _ := emu.Thread(msg.ID)
	wait("timeline line in the thread", func() bool { return len(emu.Messages(thread)) > 0 })
	if got := emu.Messages(e2eChannel); len(got) != 1 {
		t.Errorf("after the update the channel has %d messages; want still 1 (edited in place)", len(got))
	}
	edited, _ := emu.Message(msg.ID)
	if !strings.Contains(string(msg.Embeds), "1 source") || !strings.Contains(string(edited.Embeds), "2 sources") {
		t.Errorf("corroboration: first %s\nedited %s\nwant 1 source, then 2 sources", msg.Embeds, edited.Embeds)
	}
	incs, err := a.Store.OpenIncidents(context.Background())
	if err != nil || len(incs) != 1 || incs[0].Corroboration != 2 {
		t.Fatalf("open incidents = %+v, %v; want one incident corroborated by 2 sources", incs, err)
	}

	// 3. Slash commands over the gateway.
	admin := discordtest.Member{UserID: "500000000000000001", Username: "ann", Permissions: 0x20}
	answer := func(id string) string {
		t.Helper()
		var rec discordtest.Interaction
		wait("answer to "+id, func() bool {
			r, ok := emu.Interaction(id)
			rec = r
			return ok && r.Answered() && (r.Callbacks[0].Type != 5 || r.OriginalEdits > 0)
		})
		if rec.Original == nil {
			t.Fatalf("interaction %s: no response message", id)
		}
		return rec.Original.Content + string(rec.Original.Embeds)
	}
	id, err := emu.Interact(discordtest.Spec{Type: discordtest.TypeCommand, GuildID: e2eGuild, ChannelID: e2eChannel, Member: admin, Command: "status"})
	if err != nil {
		t.Fatal(err)
	}
	if got := answer(id); !strings.Contains(got, "wire-a") || !strings.Contains(got, "wire-b") {
		t.Errorf("/status answered %s; want both sources", got)
	}
	id, err = emu.Interact(discordtest.Spec{Type: discordtest.TypeCommand, GuildID: e2eGuild, ChannelID: e2eChannel, Member: admin,
		Command: "alerts", Options: []discordtest.Option{discordtest.Str("place", "Ukraine")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := answer(id); !strings.Contains(got, "Kharkiv") || !strings.Contains(got, incs[0].ID) {
		t.Errorf("/alerts answered %s; want the Kharkiv incident %s", got, incs[0].ID)
	}

	// 4. The HTTP interactions endpoint: signed is answered, tampered is not.
	endpoint := "http://" + a.Addr() + cfg.Discord.InteractionsPath
	hctx, hcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer hcancel()
	id, code, err := emu.DeliverHTTP(hctx, endpoint, priv, discordtest.Spec{Type: discordtest.TypeCommand, GuildID: e2eGuild,
		ChannelID: e2eChannel, Member: admin, Command: "alerts"})
	if err != nil || code != http.StatusOK {
		t.Fatalf("signed HTTP interaction = %d, %v", code, err)
	}
	if got := answer(id); !strings.Contains(got, "Kharkiv") {
		t.Errorf("/alerts over HTTP answered %s", got)
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	if _, code, _ := emu.DeliverHTTP(hctx, endpoint, other, discordtest.Spec{Type: discordtest.TypeCommand, GuildID: e2eGuild,
		ChannelID: e2eChannel, Member: admin, Command: "status"}); code != http.StatusUnauthorized {
		t.Errorf("wrongly signed HTTP interaction = %d; want 401", code)
	}

	if rej := emu.Rejections(); len(rej) != 0 {
		b, _ := json.Marshal(rej)
		t.Errorf("Discord refused requests: %s", b)
	}
	stop()

	// 5. A restart on the same store polls both sources again and posts
	// nothing new: what was delivered stays delivered.
	restartAt := time.Now()
	lines := len(emu.Messages(thread))
	a2, stop2 := runApp(t, cfg, logger)
	defer stop2()
	wait("both sources polled after the restart", func() bool {
		for _, id := range []string{"wire-a", "wire-b"} {
			src, err := a2.Store.Source(context.Background(), id)
			if err != nil || !src.LastCheckAt.After(restartAt) {
				return false
			}
		}
		depth, err := a2.Store.OutboxDepth(context.Background())
		return err == nil && depth["pending"] == 0
	})
	stop2()
	if got := len(emu.Messages(e2eChannel)); got != 1 {
		t.Errorf("after a restart the channel has %d messages; want 1", got)
	}
	if got := len(emu.Messages(thread)); got != lines {
		t.Errorf("after a restart the thread has %d lines; want %d", got, lines)
	}

	// The token was used (every request carried it) but never logged.
	reqs := emu.Requests()
	if len(reqs) == 0 || reqs[0].Authorization != "Bot "+e2eToken {
		t.Fatalf("requests did not carry the token: %+v", reqs)
	}
	if out := logs.String(); strings.Contains(out, e2eToken) || !strings.Contains(out, "discord started") {
		t.Errorf("logs leak the token or lack the Discord start:\n%s", out)
	}
	if out := logs.String(); strings.Contains(out, "level=ERROR") {
		t.Errorf("errors logged on the happy path:\n%s", out)
	}
}

// runApp runs the service until the returned stop is called (idempotent),
// which checks that Run returned cleanly.
func runApp(t *testing.T, cfg *config.Config, logger *slog.Logger) (*app.App, func()) {
	t.Helper()
	a, err := app.New(context.Background(), cfg, app.Deps{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	return a, func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(60 * time.Second): // failure guard only
			t.Error("Run did not return after cancel")
		}
	}
}

// TestDiscordBadTokenFailsStart: a token Discord refuses stops the start
// with an error that names Discord and never shows the token.
func TestDiscordBadTokenFailsStart(t *testing.T) {
	emu := discordtest.New(discordtest.Options{Token: e2eToken, Channels: []string{e2eChannel}})
	t.Cleanup(emu.Close)
	const wrong = "wrong-token.also-secret.Zz"
	cfg := testConfig(t)
	cfg.Discord = config.Discord{Token: config.Secret(wrong), ApplicationID: emu.AppID(), APIURL: emu.URL() + "/api/v9"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	a, err := app.New(context.Background(), cfg, app.Deps{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // failure guard only
	defer cancel()
	err = a.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "discord") || strings.Contains(err.Error(), wrong) {
		t.Fatalf("Run with a refused token = %v; want a Discord error without the token", err)
	}
	if strings.Contains(logs.String(), wrong) {
		t.Errorf("logs show the token:\n%s", logs.String())
	}
	if err := a.Store.Ping(context.Background()); err == nil {
		t.Error("the store is still open after a failed start")
	}
}

// TestNoDiscordWithoutToken: without a token nothing Discord-related is
// built; the default setup is unchanged.
func TestNoDiscordWithoutToken(t *testing.T) {
	var logs syncBuffer
	cfg := testConfig(t)
	a, err := app.New(context.Background(), cfg, app.Deps{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	if names := a.Delivery.Names(); len(names) != 1 || names[0] != "console" {
		t.Errorf("notifiers = %v; want only the console", names)
	}
	if strings.Contains(logs.String(), "component=discord") {
		t.Errorf("Discord mentioned without a token:\n%s", logs.String())
	}
}

// TestDiscordOutageAtStart: Discord is unreachable when tocsin starts. The
// run used to end with an error, so nothing was polled at all. Polling and
// the console must go on, and once Discord is back the bot connects and
// the pending alert reaches the channel from the outbox.
func TestDiscordOutageAtStart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there until Discord comes back
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kharkiv.txt"), []byte(reportA), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Store.DSN = filepath.Join(t.TempDir(), "tocsin.db")
	cfg.HTTP.Addr = ""
	cfg.Sources = []config.Source{{ID: "wire", Kind: "folder", Path: dir, Interval: config.Duration(time.Second), AlertBacklog: true}}
	cfg.Outbox.RetryBase, cfg.Outbox.RetryMax, cfg.Outbox.MaxAttempts = config.Duration(100*time.Millisecond), config.Duration(500*time.Millisecond), 1000
	cfg.Discord = config.Discord{Token: config.Secret(e2eToken), ApplicationID: "900000000000000001", GuildID: e2eGuild,
		APIURL: "http://" + addr + "/api/v9", Channels: []config.DiscordChannel{{ChannelID: e2eChannel}}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var out, logs syncBuffer
	a, err := app.New(context.Background(), cfg, app.Deps{Stdout: &out, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	cancel, wait := startRun(t, a)
	// Polling and the console go on while the start is retried.
	waitFor(t, func() bool {
		return strings.Contains(out.String(), "OPENED") && strings.Contains(logs.String(), "discord unreachable")
	})

	emu, err := discordtest.Start(discordtest.Options{Addr: addr, Token: e2eToken, Channels: []string{e2eChannel}})
	if err != nil {
		t.Fatalf("Discord comes back: %v", err)
	}
	t.Cleanup(emu.Close)
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second) // failure guard only
	defer wcancel()
	if err := discordtest.WaitFor(wctx, func() bool { _, _, ok := emu.GatewayStats(); return ok && len(emu.Messages(e2eChannel)) == 1 }); err != nil {
		t.Fatalf("after the outage: gateway connected and one message posted: %v\n%s", err, logs.String())
	}
	if emu.Overwrites() != 1 {
		t.Errorf("commands registered %d times; want once", emu.Overwrites())
	}
	if strings.Contains(logs.String(), e2eToken) {
		t.Errorf("the token is in the logs:\n%s", logs.String())
	}
	cancel()
	if err := wait(); err != nil {
		t.Errorf("Run = %v", err)
	}
}

// TestDiscordRoutesUseTheRuleVocabulary: a channel route's categories are
// the live rule set's. A typo used to be accepted without a word and the
// route matched nothing; now it fails the start naming the field and the
// category meant. A rules edit that renames a category a route names is
// refused the same way, and the old rules stay live.
func TestDiscordRoutesUseTheRuleVocabulary(t *testing.T) {
	dir := t.TempDir()
	ruleFile := func(cat string) {
		t.Helper()
		body := "categories:\n  " + cat + ": Air, missile or drone strikes\n  threat: A threat of force\n" +
			"  de_escalation: A ceasefire or truce\n  mass_casualty: Ten or more people killed\n" +
			"rules:\n  - id: air-strike\n    title: Air strike\n    description: An air strike is reported.\n" +
			"    category: " + cat + "\n    severity: high\n    match:\n      any:\n        - [airstrike, air strike]\n"
		if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ruleFile("airstrike")
	build := func(cats ...string) (*app.App, error) {
		cfg := testConfig(t)
		cfg.Rules.Dir = dir
		cfg.Discord = config.Discord{Token: config.Secret(e2eToken), ApplicationID: "900000000000000001",
			APIURL: "http://127.0.0.1:1/api/v9", Channels: []config.DiscordChannel{{ChannelID: e2eChannel, Categories: cats}}}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		return app.New(context.Background(), cfg, app.Deps{})
	}
	_, err := build("threat", "strike", "weather")
	if err == nil || !strings.Contains(err.Error(), "discord.channels[0].categories[1]") || !strings.Contains(err.Error(), "did you mean airstrike") ||
		!strings.Contains(err.Error(), `"weather"`) {
		t.Fatalf("route with category typos: %v; want every bad one named, with the category meant", err)
	}
	a, err := build("De-escalation", "airstrike")
	if err != nil {
		t.Fatalf("route with categories as a member types them: %v", err)
	}
	defer a.Stop()
	v1 := a.Rules.Version()
	ruleFile("air_strike") // valid rules on their own, but the route names airstrike
	err = a.Rules.Reload(context.Background())
	if err == nil || !strings.Contains(err.Error(), "discord.channels[0].categories[1]") || a.Rules.Version() != v1 {
		t.Errorf("reload renaming a routed category = %v, version %s (was %s); want refused, old rules live", err, a.Rules.Version(), v1)
	}
}

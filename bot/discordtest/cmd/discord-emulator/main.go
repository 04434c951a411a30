// Command discord-emulator runs the loopback Discord of package discordtest
// as a process, so a black-box test can point the built tocsin binary at it
// (discord.api_url: http://127.0.0.1:PORT/api/v9) and read back what was
// posted from GET /_emulator/channels/{id}/messages and
// GET /_emulator/rejections.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tocsin-alerts/tocsin/bot/discordtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	tokenFile := flag.String("token-file", "", "file holding the bot token the emulator accepts (default: $DISCORD_TOKEN)")
	appID := flag.String("app-id", "900000000000000001", "application id")
	channels := flag.String("channels", "", "comma-separated channel ids to create")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	token := os.Getenv("DISCORD_TOKEN")
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			log.Error("cannot read the token file", "err", err.Error())
			os.Exit(2)
		}
		token = strings.TrimSpace(string(b))
	}
	if token == "" {
		log.Error("no token: set DISCORD_TOKEN or -token-file")
		os.Exit(2)
	}
	var chans []string
	for _, c := range strings.Split(*channels, ",") {
		if c = strings.TrimSpace(c); c != "" {
			chans = append(chans, c)
		}
	}
	srv, err := discordtest.Start(discordtest.Options{Addr: *addr, Token: token, AppID: *appID, Channels: chans, Logger: log})
	if err != nil {
		log.Error("cannot start", "err", err.Error())
		os.Exit(1)
	}
	defer srv.Close()
	// The first line on stdout is the REST base, for scripts to read.
	fmt.Println(srv.URL() + "/api/v9")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
}

package config

import (
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
)

// Discord configures the Discord integration (package bot). No token (and
// no token_file) means Discord is off.
type Discord struct {
	// Token is the bot token (without "Bot "); prefer token_file or
	// ${DISCORD_TOKEN}.
	Token     Secret `yaml:"token"`
	TokenFile string `yaml:"token_file"`
	// ApplicationID is the application's id (developer portal → General
	// Information); needed to register slash commands.
	ApplicationID string `yaml:"application_id"`
	// GuildID registers commands in one server (instantly) instead of
	// globally (can take up to an hour to appear).
	GuildID string `yaml:"guild_id"`
	// APIURL is the REST base; default https://discord.com/api/v9. Set it
	// to a REST proxy or an emulator; the gateway URL follows from GET
	// /gateway as usual.
	APIURL string `yaml:"api_url"`
	// PublicKey (hex) enables the HTTP interactions endpoint at
	// InteractionsPath on the http server.
	PublicKey        string `yaml:"public_key"`
	InteractionsPath string `yaml:"interactions_path"`
	// Gateway receives interactions over the gateway; default true. Set it
	// to false when Discord posts interactions to the HTTP endpoint.
	Gateway *bool `yaml:"gateway"`
	// Channels route incidents to channels.
	Channels []DiscordChannel `yaml:"channels"`
	// AdminRoleIDs may run admin commands besides members with Manage
	// Server.
	AdminRoleIDs []string `yaml:"admin_role_ids"`
	// RetryBudget is the number of attempts per Discord request before the
	// outbox retries later; MaxRetryWait caps one rate-limit wait.
	RetryBudget  int      `yaml:"retry_budget"`
	MaxRetryWait Duration `yaml:"max_retry_wait"`
}

// DiscordChannel is one routing rule: which incidents a channel receives
// and which roles are pinged at each severity.
type DiscordChannel struct {
	ChannelID string `yaml:"channel_id"`
	// Categories wanted; empty means all.
	Categories []string `yaml:"categories"`
	// Places (countries, regions, "City, Country"); empty means everywhere.
	Places []string `yaml:"places"`
	// MinSeverity is low, medium, high or critical; default low.
	MinSeverity string `yaml:"min_severity"`
	// Labels the incident's sources must carry (region: sahel); empty:
	// any source.
	Labels map[string]string `yaml:"labels"`
	// MentionRoles maps a severity to the role ids pinged at it, e.g.
	// {critical: ["123…"]}.
	MentionRoles map[string][]string `yaml:"mention_roles"`
}

// Default Discord settings.
const (
	DefaultDiscordAPIURL           = "https://discord.com/api/v9"
	DefaultDiscordInteractionsPath = "/discord/interactions"
	defaultDiscordRetryBudget      = 4
	defaultDiscordMaxRetryWait     = Duration(30_000_000_000) // 30s
)

// Enabled reports whether Discord is configured.
func (d *Discord) Enabled() bool { return d.Token != "" }

// GatewayEnabled reports whether to open the gateway (default true).
func (d *Discord) GatewayEnabled() bool { return d.Gateway == nil || *d.Gateway }

// snowflake reports whether s looks like a Discord id.
func snowflake(s string) bool {
	if len(s) < 15 || len(s) > 21 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// validate fills defaults and records every problem under path
// ("discord"). token_file was read into Token by Load.
func (d *Discord) validate(path string, errs *Errors) {
	p := func(field string) string { return path + "." + field }
	if d.APIURL == "" {
		d.APIURL = DefaultDiscordAPIURL
	}
	if d.InteractionsPath == "" {
		d.InteractionsPath = DefaultDiscordInteractionsPath
	}
	if d.RetryBudget == 0 {
		d.RetryBudget = defaultDiscordRetryBudget
	}
	if d.MaxRetryWait == 0 {
		d.MaxRetryWait = defaultDiscordMaxRetryWait
	}
	if !d.Enabled() {
		if d.ApplicationID != "" || len(d.Channels) > 0 || d.PublicKey != "" {
			errs.Add(p("token"), "required when discord is configured (use token_file or ${DISCORD_TOKEN})")
		}
		return
	}
	tok := d.Token.Reveal()
	switch {
	case strings.HasPrefix(tok, "Bot "):
		errs.Add(p("token"), "omit the \"Bot \" prefix")
	case strings.ContainsAny(tok, " \t\r\n"):
		errs.Add(p("token"), "contains whitespace") // never echo it
	}
	if !snowflake(d.ApplicationID) {
		errs.Add(p("application_id"), "required: the application id from the developer portal (a number)")
	}
	if d.GuildID != "" && !snowflake(d.GuildID) {
		errs.Add(p("guild_id"), "%q is not a Discord id", d.GuildID)
	}
	if u, err := url.Parse(d.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs.Add(p("api_url"), "must be an absolute http(s) URL such as %s", DefaultDiscordAPIURL)
	} else if u.User != nil {
		errs.Add(p("api_url"), "must not contain credentials")
	}
	if d.PublicKey != "" {
		if b, err := hex.DecodeString(d.PublicKey); err != nil || len(b) != 32 {
			errs.Add(p("public_key"), "must be the 64 hex characters of the application's public key")
		}
	}
	if !strings.HasPrefix(d.InteractionsPath, "/") {
		errs.Add(p("interactions_path"), "must start with /")
	}
	if !d.GatewayEnabled() && d.PublicKey == "" {
		errs.Add(p("gateway"), "is off but public_key is empty: commands and buttons would never arrive")
	}
	if d.RetryBudget < 1 || d.RetryBudget > 20 {
		errs.Add(p("retry_budget"), "must be between 1 and 20, got %d", d.RetryBudget)
	}
	if d.MaxRetryWait < 0 {
		errs.Add(p("max_retry_wait"), "must be positive")
	}
	seen := map[string]bool{}
	for i, ch := range d.Channels {
		cp := func(field string) string { return p("channels[" + strconv.Itoa(i) + "]." + field) }
		if !snowflake(ch.ChannelID) {
			errs.Add(cp("channel_id"), "%q is not a Discord channel id", ch.ChannelID)
		} else if seen[ch.ChannelID] {
			errs.Add(cp("channel_id"), "%s is routed twice; merge the entries", ch.ChannelID)
		}
		seen[ch.ChannelID] = true
		if ch.MinSeverity != "" {
			if err := alertingSeverity(ch.MinSeverity); err != nil {
				errs.Add(cp("min_severity"), "%v", err)
			}
		}
		validateLabels(cp("labels"), ch.Labels, errs)
		for sev, roles := range ch.MentionRoles {
			if err := alertingSeverity(sev); err != nil {
				errs.Add(cp("mention_roles."+sev), "%v", err)
			}
			for j, r := range roles {
				if !snowflake(r) {
					errs.Add(cp("mention_roles."+sev+"["+strconv.Itoa(j)+"]"), "%q is not a role id", r)
				}
			}
		}
	}
	for i, r := range d.AdminRoleIDs {
		if !snowflake(r) {
			errs.Add(p("admin_role_ids["+strconv.Itoa(i)+"]"), "%q is not a role id", r)
		}
	}
}

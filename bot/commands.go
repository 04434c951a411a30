package bot

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"
	"github.com/tocsin-alerts/tocsin/alerts"
)

// Admin commands change what everyone receives; Discord hides them from
// members without Manage Server (DefaultMemberPermissions), and the handler
// checks again because server admins can override command permissions.
var adminCommands = map[string]bool{
	"subscribe": true, "unsubscribe": true, "mute": true, "unmute": true, "reload": true,
}

func severityChoices() []*discordgo.ApplicationCommandOptionChoice {
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, s := range []string{"low", "medium", "high", "critical"} {
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: s, Value: s})
	}
	return out
}

func durationChoices() []*discordgo.ApplicationCommandOptionChoice {
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, d := range []string{"1h", "6h", "24h", "7d", "30d"} {
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: d, Value: d})
	}
	return out
}

func targetChoices() []*discordgo.ApplicationCommandOptionChoice {
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, k := range alerts.SilenceKinds() {
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: string(k), Value: string(k)})
	}
	return out
}

// Commands returns tocsin's slash commands, registered in one bulk
// overwrite so that removed commands disappear too.
func Commands() []*discordgo.ApplicationCommand {
	str := discordgo.ApplicationCommandOptionString
	admin := int64(discordgo.PermissionManageGuild)
	noDM := false
	cmds := []*discordgo.ApplicationCommand{
		{Name: "alerts", Description: "Recent incidents, newest first", Options: []*discordgo.ApplicationCommandOption{
			{Type: str, Name: "severity", Description: "Minimum severity", Choices: severityChoices()},
			{Type: str, Name: "category", Description: "Only this category (e.g. airstrike)", Autocomplete: true},
			{Type: str, Name: "place", Description: "Only this country or region", Autocomplete: true},
			{Type: str, Name: "since", Description: "How far back, e.g. 6h, 24h, 7d", Choices: durationChoices()},
		}},
		{Name: "incident", Description: "One incident in full: sources, evidence, timeline", Options: []*discordgo.ApplicationCommandOption{
			{Type: str, Name: "id", Description: "Incident id (from the alert's footer)", Required: true},
		}},
		{Name: "score", Description: "Dry-run a text against the live rules: verdict, evidence, why", Options: []*discordgo.ApplicationCommandOption{
			{Type: str, Name: "text", Description: "The text to score", Required: true, MaxLength: 4000},
		}},
		{Name: "rules", Description: "The escalation rules and their precision", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "list", Description: "All rules with feedback counts"},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "show", Description: "One rule", Options: []*discordgo.ApplicationCommandOption{
				{Type: str, Name: "id", Description: "Rule id", Required: true, Autocomplete: true},
			}},
		}},
		{Name: "status", Description: "Sources, outbox and rules health"},
		{Name: "silences", Description: "The silences in force: what, until when, by whom and why"},
		{Name: "subscribe", Description: "Route incidents to this channel", DefaultMemberPermissions: &admin, Options: []*discordgo.ApplicationCommandOption{
			{Type: str, Name: "min_severity", Description: "Lowest severity to post", Choices: severityChoices()},
			{Type: str, Name: "categories", Description: "Comma-separated categories (empty: all)", Autocomplete: true},
			{Type: str, Name: "places", Description: "Comma-separated countries or regions (empty: everywhere)", Autocomplete: true},
			{Type: discordgo.ApplicationCommandOptionRole, Name: "ping_high", Description: "Role to ping for high severity"},
			{Type: discordgo.ApplicationCommandOptionRole, Name: "ping_critical", Description: "Role to ping for critical severity"},
		}},
		{Name: "unsubscribe", Description: "Stop routing incidents to this channel", DefaultMemberPermissions: &admin},
		{Name: "mute", Description: "Silence a rule, category, place or incident for a while", DefaultMemberPermissions: &admin, Options: []*discordgo.ApplicationCommandOption{
			{Type: str, Name: "target", Description: "What to silence", Required: true, Choices: targetChoices()},
			{Type: str, Name: "value", Description: "Rule id, category, place, incident id or label name=value", Required: true, Autocomplete: true},
			{Type: str, Name: "duration", Description: "For how long", Required: true, Choices: durationChoices()},
			{Type: str, Name: "reason", Description: "Why (shown in /silences and the audit trail)", Required: true, MaxLength: 300},
			{Type: str, Name: "also", Description: "And only where this holds too, as in the API: category=airstrike, place=Kharkiv", MaxLength: 200},
		}},
		{Name: "unmute", Description: "Lift a silence", DefaultMemberPermissions: &admin, Options: []*discordgo.ApplicationCommandOption{
			{Type: str, Name: "target", Description: "What was silenced", Required: true, Choices: targetChoices()},
			{Type: str, Name: "value", Description: "Rule id, category, place, incident id or label name=value", Required: true, Autocomplete: true},
		}},
		{Name: "reload", Description: "Reload the rule files (answers with lint errors)", DefaultMemberPermissions: &admin},
	}
	for _, c := range cmds {
		c.DMPermission = &noDM
	}
	return cmds
}

// RegisterCommands replaces the application's commands (globally, or in
// one guild when guildID is set: guild commands appear at once, global ones
// can take a while) with one bulk overwrite.
func (c *Client) RegisterCommands(ctx context.Context, appID, guildID string) error {
	ep := discordgo.EndpointApplicationGlobalCommands(appID)
	if guildID != "" {
		ep = discordgo.EndpointApplicationGuildCommands(appID, guildID)
	}
	if err := c.rest.json(ctx, "PUT", ep, ep, Commands(), nil); err != nil {
		return fmt.Errorf("discord: register commands: %w", err)
	}
	return nil
}

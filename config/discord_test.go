package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestDiscordValidate(t *testing.T) {
	off := false
	cases := []struct {
		name string
		d    Discord
		want []string // field paths expected in the errors; none means valid
	}{
		{"off", Discord{}, nil},
		{"channels without token", Discord{Channels: []DiscordChannel{{ChannelID: "123456789012345678"}}}, []string{"discord.token"}},
		{"minimal", Discord{Token: "abc.def", ApplicationID: "123456789012345678"}, nil},
		{"Bot prefix", Discord{Token: "Bot abc", ApplicationID: "123456789012345678"}, []string{"discord.token"}},
		{"everything wrong", Discord{Token: "abc", ApplicationID: "x", GuildID: "y", APIURL: "ftp://h", PublicKey: "zz", InteractionsPath: "x",
			AdminRoleIDs: []string{"r"}, RetryBudget: 99,
			Channels: []DiscordChannel{
				{ChannelID: "123456789012345678", MinSeverity: "extreme", MentionRoles: map[string][]string{"loud": {"1"}, "high": {"no"}}},
				{ChannelID: "123456789012345678"},
			}},
			[]string{"discord.application_id", "discord.guild_id", "discord.api_url", "discord.public_key", "discord.interactions_path",
				"discord.admin_role_ids[0]", "discord.retry_budget", "discord.channels[0].min_severity", "discord.channels[0].mention_roles.loud", "discord.channels[0].mention_roles.loud[0]",
				"discord.channels[0].mention_roles.high[0]", "discord.channels[1].channel_id"}},
		{"http-only needs a key", Discord{Token: "abc", ApplicationID: "123456789012345678", Gateway: &off}, []string{"discord.gateway"}},
	}
	for _, c := range cases {
		var errs Errors
		d := c.d
		d.validate("discord", &errs)
		var got []string
		for _, e := range errs {
			got = append(got, e.Path)
			if strings.Contains(e.Msg, "abc") {
				t.Errorf("%s: error echoes the token: %v", c.name, e)
			}
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") && !sameSet(got, c.want) {
			t.Errorf("%s: error paths = %v, want %v", c.name, got, c.want)
		}
		if len(c.want) == 0 && d.Enabled() {
			if d.APIURL != DefaultDiscordAPIURL || d.InteractionsPath != DefaultDiscordInteractionsPath || d.RetryBudget != 4 {
				t.Errorf("%s: defaults not applied: %+v", c.name, d)
			}
			if s := fmt.Sprintf("%v %+v", d, d); strings.Contains(s, "abc") {
				t.Errorf("%s: printing the config shows the token: %s", c.name, s)
			}
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

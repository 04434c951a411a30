package config

import (
	"slices"
	"testing"
)

// TestRoutesListsEveryRoute: Routes names every route of every enabled
// destination and both sides of each inhibition rule by its field path, in
// a stable order. (Telegram is off here: no section, no routes.)
func TestRoutesListsEveryRoute(t *testing.T) {
	yaml := "discord: {token: discord-token-0123456789, application_id: \"900000000000000001\", channels: [{channel_id: \"900000000000000002\", categories: [airstrike]}]}\n" +
		"webhook: {endpoints: [{url: https://hooks.example.org/x}, {url: https://hooks.example.org/y, labels: {region: sahel}}]}\n" +
		"slack: {token: xoxb-1-2-3, channels: [{channel: C01, categories: [shelling]}]}\n" +
		"matrix: {homeserver: https://matrix.example.org, access_token: syt_abc, rooms: [{channel: \"!r:example.org\"}]}\n" +
		"alerts: {inhibit_rules: [{source: {min_severity: critical}, target: {categories: [threat]}, equal: [place]}]}\n"
	c, err := Parse([]byte(yaml), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range c.Routes() {
		paths = append(paths, r.Path)
	}
	want := []string{"discord.channels[0]", "matrix.rooms[0]", "slack.channels[0]", "webhook.endpoints[0]", "webhook.endpoints[1]",
		"alerts.inhibit_rules[0].source", "alerts.inhibit_rules[0].target"}
	if !slices.Equal(paths, want) {
		t.Errorf("Routes = %v\nwant     %v", paths, want)
	}
	rs := c.Routes()
	if rs[0].Spec.Categories[0] != "airstrike" || rs[2].Spec.Categories[0] != "shelling" || rs[4].Spec.Labels["region"] != "sahel" ||
		rs[6].Spec.Categories[0] != "threat" {
		t.Errorf("Routes lost a filter: %+v", rs)
	}
}

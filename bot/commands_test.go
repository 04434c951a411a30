package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/bot/discordtest"
	"github.com/tocsin-alerts/tocsin/rules"
)

const (
	guildID   = "600000000000000001"
	adminRole = "900000000000000900"
)

var (
	admin  = discordtest.Member{UserID: "500000000000000001", Username: "ana", Permissions: discordgo.PermissionManageGuild}
	member = discordtest.Member{UserID: "500000000000000002", Username: "bo"}
)

type botEnv struct {
	*env
	store *fakeStore
	bot   *Bot
}

func startBot(t *testing.T, opts discordtest.Options) *botEnv {
	t.Helper()
	e := newEnv(t, opts)
	st := newFakeStore()
	h := NewHandler(HandlerOptions{
		Deps: Deps{Incidents: st, Incident: st, Scorer: fakeScorer{}, Rules: st, Status: st, Subscriptions: st, SilenceList: st,
			Silences: st, Acks: st, Feedback: st, Reloader: st, Places: fakePlaces{}, Vocabulary: newBuiltinVocab(t)},
		AdminRoleIDs: []string{adminRole},
		Now:          func() time.Time { return t0 },
		Logger:       e.log,
	})
	b := NewBot(e.client(), h, BotOptions{AppID: e.srv.AppID(), GuildID: guildID, Gateway: true, Logger: e.log})
	if err := b.Start(ctxT(t)); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := b.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return &botEnv{env: e, store: st, bot: b}
}

// answer is what the member finally sees for an interaction.
type answer struct {
	typ       int
	ephemeral bool
	text      string // content plus embeds JSON
	choices   []string
}

// run sends an interaction through the gateway and waits until it is
// answered (and, if deferred, until the answer was edited in).
func (b *botEnv) run(t *testing.T, spec discordtest.Spec) answer {
	t.Helper()
	if spec.GuildID == "" {
		spec.GuildID = guildID
	}
	if spec.ChannelID == "" {
		spec.ChannelID = testChannel
	}
	id, err := b.srv.Interact(spec)
	if err != nil {
		t.Fatalf("Interact: %v", err)
	}
	return b.await(t, id)
}

func (b *botEnv) await(t *testing.T, id string) answer {
	t.Helper()
	rec, err := b.srv.WaitInteraction(ctxT(t), id, func(r discordtest.Interaction) bool {
		if !r.Answered() {
			return false
		}
		cb := r.Callbacks[len(r.Callbacks)-1]
		return cb.Type != 5 || r.OriginalEdits > 0
	})
	if err != nil {
		t.Fatalf("interaction %s not answered: %v (%+v)", id, err, rec)
	}
	for _, c := range rec.Callbacks {
		if c.Late {
			t.Errorf("interaction %s answered after Discord's deadline", id)
		}
	}
	cb := rec.Callbacks[len(rec.Callbacks)-1]
	var data struct {
		Content string          `json:"content"`
		Embeds  json.RawMessage `json:"embeds"`
		Flags   int             `json:"flags"`
		Choices []struct {
			Name string `json:"name"`
		} `json:"choices"`
	}
	_ = json.Unmarshal(cb.Data, &data)
	a := answer{typ: cb.Type, ephemeral: data.Flags&64 != 0}
	switch cb.Type {
	case 5:
		a.text = rec.Original.Content + string(rec.Original.Embeds)
	case 7:
		if m, ok := b.srv.Message(rec.Spec.MessageID); ok {
			a.text = m.Content + string(m.Embeds)
		} else {
			a.text = data.Content + string(data.Embeds)
		}
	default:
		a.text = data.Content + string(data.Embeds)
	}
	a.text = plain(a.text)
	for _, c := range data.Choices {
		a.choices = append(a.choices, c.Name)
	}
	return a
}

func cmd(m discordtest.Member, name string, opts ...discordtest.Option) discordtest.Spec {
	return discordtest.Spec{Type: discordtest.TypeCommand, Member: m, Command: name, Options: opts}
}

func TestCommandsRegisteredWithOneBulkOverwrite(t *testing.T) {
	b := startBot(t, discordtest.Options{})
	if n := b.srv.Overwrites(); n != 1 {
		t.Errorf("bulk overwrites = %d, want 1", n)
	}
	got := b.srv.Commands(guildID)
	if len(got) != len(Commands()) {
		t.Fatalf("registered %d commands, want %d", len(got), len(Commands()))
	}
	var names []string
	for _, raw := range got {
		var c struct {
			Name  string  `json:"name"`
			Perms *string `json:"default_member_permissions"`
		}
		_ = json.Unmarshal(raw, &c)
		names = append(names, c.Name)
		if adminCommands[c.Name] && (c.Perms == nil || *c.Perms != "32") {
			t.Errorf("/%s is admin-only but default_member_permissions = %v", c.Name, c.Perms)
		}
	}
	if strings.Join(names, " ") != "alerts incident score rules status silences subscribe unsubscribe mute unmute reload" {
		t.Errorf("commands = %v", names)
	}
	noRejections(t, b.env)
}

func TestSlashCommands(t *testing.T) {
	b := startBot(t, discordtest.Options{})
	b.store.reload = ReloadResult{Applied: false, Problems: []string{"rules/strike.yaml:3: patterns[0]: empty pattern", "rules/coup.yaml:9: severity: unknown severity \"extreme\""}}
	cases := []struct {
		name      string
		spec      discordtest.Spec
		want      []string
		notWant   []string
		ephemeral bool
	}{
		{"alerts critical", cmd(member, "alerts", discordtest.Str("severity", "critical")), []string{"Troops seize state broadcaster"}, []string{"Missile strike"}, false},
		{"alerts place", cmd(member, "alerts", discordtest.Str("place", "Ukraine")), []string{"Missile strike on port infrastructure"}, []string{"Troops"}, false},
		{"alerts since", cmd(member, "alerts", discordtest.Str("since", "24h")), []string{"Missile strike"}, []string{"Troops"}, false},
		{"alerts none", cmd(member, "alerts", discordtest.Str("category", "evacuation")), []string{"No incidents match."}, nil, false},
		// A category typo is an answer naming the category meant, not a
		// filter that silently matches nothing (the help used to suggest
		// "strike", which is no category).
		{"alerts category typo", cmd(member, "alerts", discordtest.Str("category", "strike")), []string{`unknown category "strike"`, "did you mean airstrike"}, nil, true},
		{"alerts category as typed", cmd(member, "alerts", discordtest.Str("category", "Territory seized")), []string{"Troops seize state broadcaster"}, nil, false},
		{"incident", cmd(member, "incident", discordtest.Str("id", "inc-odesa-1")), []string{"Timeline", "casualties reported", "Example Wire"}, nil, false},
		{"incident unknown", cmd(member, "incident", discordtest.Str("id", "nope")), []string{"No incident nope."}, nil, false},
		{"score", cmd(member, "score", discordtest.Str("text", "Missiles struck the port. Officials denied a missile attack on the airport.")),
			[]string{"Alert: high", "Fired · strike.missile", "Missiles struck the port", "Suppressed · strike.missile", "the strike is denied"}, nil, true},
		{"score nothing", cmd(member, "score", discordtest.Str("text", "A quiet day at the market.")), []string{"No alert", "No rule matched."}, nil, true},
		{"rules list", cmd(member, "rules", discordtest.Sub("list")), []string{"2 rules", "strike.missile", "precision 100%"}, nil, false},
		{"rules show", cmd(member, "rules", discordtest.Sub("show", discordtest.Str("id", "coup.broadcaster"))), []string{"Seizure of state media", "Precision"}, nil, false},
		{"status", cmd(member, "status"), []string{"Broken Feed", "HTTP 503", "failed 1 · pending 2", "r-abc123", "Silences (0)"}, nil, false},
		{"silences none", cmd(member, "silences"), []string{"Silences in force: 0", "None."}, nil, true},
		{"reload denied", cmd(member, "reload"), []string{"Manage Server"}, nil, true},
		{"reload by role", cmd(discordtest.Member{UserID: "500000000000000003", Roles: []string{adminRole}}, "reload"), []string{"Reload refused: 2 problem(s)", "rules/strike.yaml:3: patterns[0]: empty pattern"}, nil, true},
		{"mute denied", cmd(member, "mute", discordtest.Str("target", "rule"), discordtest.Str("value", "x"), discordtest.Str("duration", "1h"), discordtest.Str("reason", "r")), []string{"Manage Server"}, nil, true},
		{"mute", cmd(admin, "mute", discordtest.Str("target", "rule"), discordtest.Str("value", "strike.missile"), discordtest.Str("duration", "6h"), discordtest.Str("reason", "noisy @everyone")),
			[]string{"Muted rule **strike.missile**", "noisy @\u200beveryone", "<@500000000000000001>"}, []string{"noisy @everyone"}, false},
		// /silences lists it, escaped, with its id, end, reason and author.
		{"silences", cmd(member, "silences"), []string{"Silences in force: 1", "rule=strike.missile", "noisy @\u200beveryone", "<t:"}, []string{"noisy @everyone"}, true},
		{"mute bad duration", cmd(admin, "mute", discordtest.Str("target", "rule"), discordtest.Str("value", "x"), discordtest.Str("duration", "forever"), discordtest.Str("reason", "r")), []string{"not a duration"}, nil, true},
		{"unmute", cmd(admin, "unmute", discordtest.Str("target", "rule"), discordtest.Str("value", "strike.missile")), []string{"Lifted 1 silence"}, nil, false},
		{"unmute none", cmd(admin, "unmute", discordtest.Str("target", "rule"), discordtest.Str("value", "strike.missile")), []string{"No active silence"}, nil, false},
		{"subscribe category typo", cmd(admin, "subscribe", discordtest.Str("categories", "airstrike, shellng")), []string{`unknown category "shellng"`, "did you mean shelling"}, nil, true},
		{"mute category in any case", cmd(admin, "mute", discordtest.Str("target", "category"), discordtest.Str("value", "AirStrike"), discordtest.Str("duration", "1h"), discordtest.Str("reason", "r")),
			[]string{"Muted category **airstrike**"}, nil, false},
		{"mute with a bad also", cmd(admin, "mute", discordtest.Str("target", "place"), discordtest.Str("value", "Kharkiv"), discordtest.Str("duration", "1h"),
			discordtest.Str("reason", "r"), discordtest.Str("also", "category=weather")), []string{"also: ", `unknown category "weather"`}, nil, true},
		{"mute with an also of no kind", cmd(admin, "mute", discordtest.Str("target", "place"), discordtest.Str("value", "Kharkiv"), discordtest.Str("duration", "1h"),
			discordtest.Str("reason", "r"), discordtest.Str("also", "city=Kharkiv")), []string{"also: ", "unknown silence kind"}, nil, true},
		{"mute with also", cmd(admin, "mute", discordtest.Str("target", "place"), discordtest.Str("value", "Kharkiv"), discordtest.Str("duration", "1h"),
			discordtest.Str("reason", "r"), discordtest.Str("also", "Category=AirStrike")),
			[]string{"Muted place **Kharkiv** and category **airstrike**"}, nil, false},
		{"mute unknown category", cmd(admin, "mute", discordtest.Str("target", "category"), discordtest.Str("value", "weather"), discordtest.Str("duration", "1h"), discordtest.Str("reason", "r")),
			[]string{`unknown category "weather"`}, nil, true},
		{"subscribe", cmd(admin, "subscribe", discordtest.Str("min_severity", "high"), discordtest.Str("places", "Ukraine, Poland"), discordtest.Str("ping_critical", roleCrit)),
			[]string{"receives incidents at **high** or above about Ukraine, Poland"}, nil, false},
		{"unsubscribe", cmd(admin, "unsubscribe"), []string{"no longer receives incidents"}, nil, false},
		{"unsubscribe again", cmd(admin, "unsubscribe"), []string{"had no subscription"}, nil, false},
	}
	for _, c := range cases {
		a := b.run(t, c.spec)
		for _, w := range c.want {
			if !strings.Contains(a.text, w) {
				t.Errorf("%s: answer lacks %q:\n%s", c.name, w, a.text)
			}
		}
		for _, w := range c.notWant {
			if strings.Contains(a.text, w) {
				t.Errorf("%s: answer has %q:\n%s", c.name, w, a.text)
			}
		}
		if a.ephemeral != c.ephemeral {
			t.Errorf("%s: ephemeral = %v, want %v", c.name, a.ephemeral, c.ephemeral)
		}
		switch c.name {
		case "mute":
			b.store.mu.Lock()
			s := b.store.silences[0]
			b.store.mu.Unlock()
			if s.Kind != alerts.SilenceRule || s.Value != "strike.missile" || !s.ExpiresAt.Equal(t0.Add(6*time.Hour)) || s.Author != admin.UserID || s.Reason != "noisy @everyone" {
				t.Errorf("silence = %+v", s)
			}
		case "mute with also":
			b.store.mu.Lock()
			s := b.store.silences[len(b.store.silences)-1]
			n := len(b.store.silences)
			b.store.mu.Unlock()
			if s.Describe() != "place=Kharkiv, category=airstrike" {
				t.Errorf("silence with also = %+v; want both matchers", s)
			}
			if n != 2 { // mute category, mute with also (/unmute lifted the first mute; the refused alsos added none)
				t.Errorf("%d silences stored, want 2", n)
			}
		case "subscribe":
			routes, _ := b.store.Routes(context.Background())
			if len(routes) != 1 || routes[0].ChannelID != testChannel || routes[0].MinSeverity != rules.SevHigh ||
				strings.Join(routes[0].Places, "|") != "Ukraine|Poland" || routes[0].MentionRoles[rules.SevCritical][0] != roleCrit {
				t.Errorf("route = %+v", routes)
			}
		case "reload denied":
			if b.store.reloads != 0 {
				t.Errorf("a member without permission reloaded the rules")
			}
		}
	}
	noRejections(t, b.env)
}

func TestAutocomplete(t *testing.T) {
	b := startBot(t, discordtest.Options{})
	ac := func(name string, opts ...discordtest.Option) answer {
		return b.run(t, discordtest.Spec{Type: discordtest.TypeAutocomplete, Member: admin, Command: name, Options: opts})
	}
	got := ac("subscribe", discordtest.Focus("places", "Ukraine, Ni"))
	if strings.Join(got.choices, "|") != "Ukraine, Niger|Ukraine, Nigeria|Ukraine, Niamey, Niger" {
		t.Errorf("places choices = %v", got.choices)
	}
	got = ac("rules", discordtest.Sub("show", discordtest.Focus("id", "co")))
	if strings.Join(got.choices, "|") != "coup.broadcaster" {
		t.Errorf("rule id choices = %v", got.choices)
	}
	got = ac("mute", discordtest.Str("target", "place"), discordtest.Focus("value", "ug"))
	if strings.Join(got.choices, "|") != "Uganda" {
		t.Errorf("mute place choices = %v", got.choices)
	}
	if got.typ != 8 {
		t.Errorf("autocomplete answered with type %d", got.typ)
	}
	// Categories complete from the live rule set's vocabulary.
	got = ac("alerts", discordtest.Focus("category", "strike"))
	if strings.Join(got.choices, "|") != "airstrike" {
		t.Errorf("category choices = %v", got.choices)
	}
	got = ac("subscribe", discordtest.Focus("categories", "airstrike, clo"))
	if strings.Join(got.choices, "|") != "airstrike, airport_closure|airstrike, airspace_closure|airstrike, border_closure|airstrike, route_closure" {
		t.Errorf("categories choices = %v", got.choices)
	}
	got = ac("mute", discordtest.Str("target", "category"), discordtest.Focus("value", "abduc"))
	if strings.Join(got.choices, "|") != "abduction" {
		t.Errorf("mute category choices = %v", got.choices)
	}
	noRejections(t, b.env)
}

func TestAlertButtons(t *testing.T) {
	b := startBot(t, discordtest.Options{})
	n, err := NewNotifier(b.client(), NotifierOptions{Routes: []Route{{ChannelID: testChannel}}, Refs: newMemRefs(), Acks: b.store, Logger: b.log})
	if err != nil {
		t.Fatal(err)
	}
	a := sampleAlert()
	mustNotify(t, n, a)
	msgID := b.srv.Messages(testChannel)[0].ID
	click := func(m discordtest.Member, customID string, values ...string) answer {
		return b.run(t, discordtest.Spec{Type: discordtest.TypeComponent, Member: m, CustomID: customID, Values: values, MessageID: msgID})
	}

	got := click(member, "ack:"+a.Incident.ID)
	if got.typ != 7 || !strings.Contains(got.text, "Acknowledged") || !strings.Contains(got.text, "<@"+member.UserID+">") {
		t.Errorf("ack did not update the message to show who: type %d\n%s", got.typ, got.text)
	}
	// An update of the incident keeps showing the acknowledgement.
	mustNotify(t, n, updated(a, "alert-2", "updated"))
	if m, _ := b.srv.Message(msgID); !strings.Contains(plain(string(m.Embeds)), "<@"+member.UserID+">") {
		t.Errorf("edit dropped the acknowledgement: %s", m.Embeds)
	}

	got = click(member, "mute:"+a.Incident.ID)
	if !got.ephemeral || !strings.Contains(got.text, "Manage Server") {
		t.Errorf("a member could open the mute menu: %+v", got)
	}
	got = click(admin, "mute:"+a.Incident.ID)
	if !got.ephemeral || !strings.Contains(got.text, "for how long") {
		t.Errorf("mute menu = %+v", got)
	}
	got = click(admin, "mutefor:"+a.Incident.ID, "24h")
	if !strings.Contains(got.text, "muted until") {
		t.Errorf("mute select answer = %+v", got)
	}
	b.store.mu.Lock()
	sil := append([]alerts.Silence(nil), b.store.silences...)
	b.store.mu.Unlock()
	if len(sil) != 1 || sil[0].Kind != alerts.SilenceIncident || sil[0].Value != a.Incident.ID || !sil[0].ExpiresAt.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("silences = %+v", sil)
	}

	got = click(member, "nr:"+a.Incident.ID)
	if !got.ephemeral || !strings.Contains(got.text, "not relevant against strike.missile") {
		t.Errorf("not relevant answer = %+v", got)
	}
	rl := b.run(t, cmd(member, "rules", discordtest.Sub("list")))
	if !strings.Contains(rl.text, "strike.missile` airstrike · high · fired 10 · not relevant 1 · precision 90%") {
		t.Errorf("/rules does not show the feedback:\n%s", rl.text)
	}

	// A button whose custom id lost the incident finds it in the footer.
	got = click(member, "nr")
	if !strings.Contains(got.text, "strike.missile") {
		t.Errorf("footer fallback failed: %+v", got)
	}
	noRejections(t, b.env)
}

func TestSubscriptionRoutesAlerts(t *testing.T) {
	b := startBot(t, discordtest.Options{})
	b.run(t, cmd(admin, "subscribe", discordtest.Str("places", "Ukraine"), discordtest.Str("ping_high", roleHigh)))
	n, err := NewNotifier(b.client(), NotifierOptions{Subscriptions: b.store, Refs: newMemRefs(), Logger: b.log})
	if err != nil {
		t.Fatal(err)
	}
	mustNotify(t, n, sampleAlert())
	msgs := b.srv.Messages(testChannel)
	if len(msgs) != 1 || len(msgs[0].Pings) != 1 || msgs[0].Pings[0] != "role:"+roleHigh {
		t.Fatalf("subscribed channel got %+v", msgs)
	}
}

// plain undoes encoding/json's HTML escaping so tests can look for "<@id>".
func plain(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}

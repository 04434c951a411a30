package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/tocsin-alerts/tocsin/alerts"
)

// HandlerOptions configure slash commands and buttons.
type HandlerOptions struct {
	Deps Deps
	// AdminRoleIDs may run admin commands besides members with Manage
	// Server or Administrator.
	AdminRoleIDs []string
	// Now is the clock (mute expiries, /alerts since); default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Handler answers interactions, whichever way they arrive (gateway or
// HTTP).
type Handler struct {
	deps   Deps
	admins []string
	now    func() time.Time
	log    *slog.Logger
}

// NewHandler builds the interaction handler.
func NewHandler(opts HandlerOptions) *Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{deps: opts.Deps, admins: opts.AdminRoleIDs, now: opts.Now, log: log.With("component", "discord_commands")}
}

// reply is a handler's answer: an immediate response and, when the work may
// take longer than Discord's 3 seconds, a continuation whose message
// replaces the original response once done.
type reply struct {
	resp  *discordgo.InteractionResponse
	later func(ctx context.Context) message
}

func flags(ephemeral bool) discordgo.MessageFlags {
	if ephemeral {
		return discordgo.MessageFlagsEphemeral
	}
	return 0
}

func none() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// say answers at once with text.
func say(text string, ephemeral bool) reply {
	return reply{resp: &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: truncate(text, limitContent), AllowedMentions: none(), Flags: flags(ephemeral)},
	}}
}

// deferred answers "thinking…" at once and fn's message later.
func deferred(ephemeral bool, fn func(ctx context.Context) message) reply {
	return reply{
		resp: &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: flags(ephemeral)},
		},
		later: fn,
	}
}

// text is a message with only content.
func text(s string) message {
	return message{Content: truncate(s, limitContent), Embeds: []*discordgo.MessageEmbed{}, Components: []discordgo.MessageComponent{}, AllowedMentions: noMentions()}
}

func embedMsg(content string, e *discordgo.MessageEmbed) message {
	fitEmbed(e)
	m := text(content)
	m.Embeds = []*discordgo.MessageEmbed{e}
	return m
}

// failed is what a member sees when a dependency errs; the details go to
// the log, not to the channel.
func (h *Handler) failed(what string, err error) message {
	h.log.Error("command failed", "what", what, "err", err.Error())
	return text("Sorry, " + what + " failed. The error is in tocsin's log.")
}

const unavailable = "This is not available in this tocsin deployment."

// handle answers one interaction. A malformed interaction (discordgo's
// data accessors panic on the wrong shape) gets an error answer, not a
// crash.
func (h *Handler) handle(ctx context.Context, i *discordgo.Interaction) (r reply) {
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("interaction handler panicked", "interaction_id", i.ID, "panic", fmt.Sprint(p))
			r = say("Sorry, tocsin could not handle that.", true)
		}
	}()
	switch i.Type {
	case discordgo.InteractionPing:
		return reply{resp: &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}}
	case discordgo.InteractionApplicationCommand:
		return h.command(ctx, i)
	case discordgo.InteractionApplicationCommandAutocomplete:
		return h.autocomplete(ctx, i)
	case discordgo.InteractionMessageComponent:
		return h.component(ctx, i)
	}
	return say("Unsupported interaction.", true)
}

// isAdmin checks the member's permissions in the channel and the
// configured admin roles.
func (h *Handler) isAdmin(i *discordgo.Interaction) bool {
	if i.Member == nil {
		return false
	}
	if i.Member.Permissions&(discordgo.PermissionManageGuild|discordgo.PermissionAdministrator) != 0 {
		return true
	}
	for _, r := range i.Member.Roles {
		if contains(h.admins, r) {
			return true
		}
	}
	return false
}

func userID(i *discordgo.Interaction) (id, name string) {
	switch {
	case i.Member != nil && i.Member.User != nil:
		return i.Member.User.ID, i.Member.User.Username
	case i.User != nil:
		return i.User.ID, i.User.Username
	}
	return "", ""
}

// options flattens a command's options (and its subcommand's) by name.
type options struct {
	sub    string
	values map[string]*discordgo.ApplicationCommandInteractionDataOption
}

func parseOptions(d discordgo.ApplicationCommandInteractionData) options {
	o := options{values: map[string]*discordgo.ApplicationCommandInteractionDataOption{}}
	list := d.Options
	if len(list) == 1 && list[0].Type == discordgo.ApplicationCommandOptionSubCommand {
		o.sub = list[0].Name
		list = list[0].Options
	}
	for _, opt := range list {
		o.values[opt.Name] = opt
	}
	return o
}

func (o options) str(name string) string {
	if v, ok := o.values[name]; ok {
		switch x := v.Value.(type) {
		case string:
			return strings.TrimSpace(x)
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
	}
	return ""
}

// focused returns the option being typed in an autocomplete.
func (o options) focused() (string, string) {
	for name, v := range o.values {
		if v.Focused {
			s, _ := v.Value.(string)
			return name, s
		}
	}
	return "", ""
}

// parseDuration reads 90m, 6h, 7d; at most 90 days.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		d = time.Duration(days) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration like 6h or 7d", s)
	}
	if d > 90*24*time.Hour {
		return 0, fmt.Errorf("%q is longer than 90 days", s)
	}
	return d, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// autocomplete suggests places and rule ids.
func (h *Handler) autocomplete(ctx context.Context, i *discordgo.Interaction) reply {
	data := i.ApplicationCommandData()
	o := parseOptions(data)
	name, typed := o.focused()
	var choices []string
	switch {
	case name == "place" || name == "places" || (name == "value" && o.str("target") == string(alerts.SilencePlace)):
		// Complete the last item of a comma-separated list.
		head, last := "", typed
		if k := strings.LastIndex(typed, ","); k >= 0 {
			head, last = typed[:k+1]+" ", strings.TrimSpace(typed[k+1:])
		}
		if h.deps.Places != nil {
			for _, p := range h.deps.Places.Complete(last, 25) {
				choices = append(choices, head+p)
			}
		}
	case name == "category" || name == "categories" || (name == "value" && o.str("target") == string(alerts.SilenceCategory)):
		// Complete the last item of a comma-separated list.
		head, last := "", typed
		if k := strings.LastIndex(typed, ","); name == "categories" && k >= 0 {
			head, last = typed[:k+1]+" ", strings.TrimSpace(typed[k+1:])
		}
		if h.deps.Vocabulary != nil {
			for _, c := range h.deps.Vocabulary.Categories().Names() {
				if strings.Contains(c, strings.ToLower(strings.ReplaceAll(last, " ", "_"))) {
					choices = append(choices, head+c)
				}
			}
		}
	case name == "id" || (name == "value" && o.str("target") == string(alerts.SilenceRule)):
		if h.deps.Rules != nil {
			rs, err := h.deps.Rules.Rules(ctx)
			if err != nil {
				h.log.Warn("autocomplete rules", "err", err.Error())
			}
			for _, r := range rs {
				if strings.HasPrefix(strings.ToLower(r.ID), strings.ToLower(typed)) {
					choices = append(choices, r.ID)
				}
			}
		}
	}
	out := []*discordgo.ApplicationCommandOptionChoice{}
	for _, c := range choices {
		if len(out) == 25 {
			break
		}
		if runes(c) > 100 || c == "" {
			continue
		}
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: c, Value: c})
	}
	return reply{resp: &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: out},
	}}
}

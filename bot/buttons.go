package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/tocsin-alerts/tocsin/alerts"
)

// incidentOf finds the incident a button belongs to: from its custom id,
// or from the footer of the message it sits on.
func incidentOf(customIDValue string, m *discordgo.Message) (prefix, id string) {
	prefix, id, _ = strings.Cut(customIDValue, ":")
	if id != "" || m == nil {
		return prefix, id
	}
	for _, e := range m.Embeds {
		if e != nil && e.Footer != nil {
			if _, after, ok := strings.Cut(e.Footer.Text, "incident "); ok {
				return prefix, after
			}
		}
	}
	return prefix, ""
}

// component answers the alert buttons and the mute select.
func (h *Handler) component(ctx context.Context, i *discordgo.Interaction) reply {
	data := i.MessageComponentData()
	prefix, inc := incidentOf(data.CustomID, i.Message)
	if inc == "" {
		return say("This button has lost track of its incident.", true)
	}
	switch prefix {
	case idAck:
		return h.buttonAck(ctx, i, inc)
	case idMute:
		if h.deps.Silences == nil {
			return say(unavailable, true)
		}
		if !h.isAdmin(i) {
			return say("You need the Manage Server permission (or a tocsin admin role) to mute.", true)
		}
		var opts []discordgo.SelectMenuOption
		for _, d := range []string{"1h", "6h", "24h", "7d"} {
			opts = append(opts, discordgo.SelectMenuOption{Label: "Mute for " + d, Value: d})
		}
		return reply{resp: &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{
				Content:         "Mute this incident for how long?",
				Flags:           discordgo.MessageFlagsEphemeral,
				AllowedMentions: none(),
				Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
					discordgo.SelectMenu{CustomID: customID(idMuteFor, inc), Placeholder: "Duration", Options: opts},
				}}},
			},
		}}
	case idMuteFor:
		return h.selectMute(ctx, i, inc, data.Values)
	case idNotRelevant:
		return h.buttonNotRelevant(ctx, i, inc)
	}
	return say("Unknown button.", true)
}

// buttonAck records the acknowledgement and updates the alert message to
// show who acknowledged.
func (h *Handler) buttonAck(ctx context.Context, i *discordgo.Interaction, inc string) reply {
	if h.deps.Acks == nil {
		return say(unavailable, true)
	}
	who, name := userID(i)
	if err := h.deps.Acks.Acknowledge(ctx, Ack{IncidentID: inc, UserID: who, UserName: name, At: h.now()}); err != nil {
		h.log.Error("acknowledge failed", "incident_id", inc, "err", err.Error())
		return say("Sorry, recording your acknowledgement failed.", true)
	}
	acks, err := h.deps.Acks.Acks(ctx, inc)
	if err != nil || i.Message == nil || len(i.Message.Embeds) == 0 {
		return say("Acknowledged.", true)
	}
	e := *i.Message.Embeds[0]
	fields := make([]*discordgo.MessageEmbedField, 0, len(e.Fields)+1)
	for _, f := range e.Fields {
		if f.Name != "Acknowledged" {
			fields = append(fields, f)
		}
	}
	fields = append(fields, &discordgo.MessageEmbedField{Name: "Acknowledged", Value: acksList(acks)})
	e.Fields = fields
	fitEmbed(&e)
	return reply{resp: &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{
			Content:         i.Message.Content,
			Embeds:          []*discordgo.MessageEmbed{&e},
			Components:      i.Message.Components,
			AllowedMentions: none(),
		},
	}}
}

func (h *Handler) selectMute(ctx context.Context, i *discordgo.Interaction, inc string, values []string) reply {
	if h.deps.Silences == nil {
		return say(unavailable, true)
	}
	if !h.isAdmin(i) {
		return say("You need the Manage Server permission (or a tocsin admin role) to mute.", true)
	}
	if len(values) != 1 {
		return say("Pick one duration.", true)
	}
	d, err := parseDuration(values[0])
	if err != nil {
		return say(err.Error(), true)
	}
	who, _ := userID(i)
	s := alerts.Silence{Kind: alerts.SilenceIncident, Value: inc, ExpiresAt: h.now().Add(d), Reason: "muted from the alert message", Author: who, CreatedAt: h.now()}
	if _, err := h.deps.Silences.Mute(ctx, s); err != nil {
		h.log.Error("mute failed", "incident_id", inc, "err", err.Error())
		return say("Sorry, muting failed.", true)
	}
	return reply{resp: &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{
			Content:         fmt.Sprintf("🔇 Incident `%s` muted until %s.", oneLineN(inc, 100), discordTime(s.ExpiresAt, "f")),
			Components:      []discordgo.MessageComponent{},
			AllowedMentions: none(),
		},
	}}
}

// buttonNotRelevant records feedback against the rules that fired, which
// /rules turns into precision.
func (h *Handler) buttonNotRelevant(ctx context.Context, i *discordgo.Interaction, inc string) reply {
	if h.deps.Feedback == nil {
		return say(unavailable, true)
	}
	var ruleIDs []string
	if h.deps.Incident != nil {
		if d, ok, err := h.deps.Incident.IncidentDetail(ctx, inc); err == nil && ok {
			for _, ev := range d.Incident.Evidence {
				if !contains(ruleIDs, ev.Rule) {
					ruleIDs = append(ruleIDs, ev.Rule)
				}
			}
		}
	}
	who, _ := userID(i)
	if err := h.deps.Feedback.RecordFeedback(ctx, Feedback{IncidentID: inc, Rules: ruleIDs, Verdict: "not_relevant", UserID: who, At: h.now()}); err != nil {
		h.log.Error("feedback failed", "incident_id", inc, "err", err.Error())
		return say("Sorry, recording your feedback failed.", true)
	}
	msg := "Thanks: recorded as not relevant"
	if len(ruleIDs) > 0 {
		msg += " against " + oneLineN(strings.Join(ruleIDs, ", "), 500)
	}
	return say(msg+". Precision per rule is in /rules.", true)
}

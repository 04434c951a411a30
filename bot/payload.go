package bot

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
)

// Discord's limits (in characters). The builders below stay within them by
// construction; TestLimitsByConstruction checks the worst cases.
const (
	limitContent     = 2000
	limitTitle       = 256
	limitDescription = 4096
	limitFields      = 25
	limitFieldName   = 256
	limitFieldValue  = 1024
	limitFooter      = 2048
	limitEmbedTotal  = 6000
	limitCustomID    = 100
	limitThreadName  = 100
	limitButtonURL   = 512
)

// Budgets for untrusted text, chosen so that the sum of every field's
// maximum stays under limitEmbedTotal.
const (
	budgetSummary  = 1200
	budgetSentence = 400
	budgetWhy      = 200
	budgetEvidence = 3
	budgetSources  = 10
	budgetAcks     = 5
)

// message is a message create/edit body as Discord takes it. It is built
// here rather than with discordgo.MessageSend, which cannot carry nonce and
// enforce_nonce.
type message struct {
	Content         string                       `json:"content"`
	Embeds          []*discordgo.MessageEmbed    `json:"embeds"`
	Components      []discordgo.MessageComponent `json:"components"`
	AllowedMentions mentions                     `json:"allowed_mentions"`
	Nonce           string                       `json:"nonce,omitempty"`
	EnforceNonce    bool                         `json:"enforce_nonce,omitempty"`
	Reference       *discordgo.MessageReference  `json:"message_reference,omitempty"`
	Flags           discordgo.MessageFlags       `json:"flags,omitempty"`
}

// mentions is allowed_mentions. Parse is always an empty list: nothing in
// the text pings, only the role ids listed in Roles.
type mentions struct {
	Parse       []string `json:"parse"`
	Roles       []string `json:"roles,omitempty"`
	RepliedUser bool     `json:"replied_user"`
}

func noMentions() mentions { return mentions{Parse: []string{}} }

// Ack is one member's acknowledgement of an incident.
type Ack struct {
	IncidentID string
	UserID     string
	UserName   string
	At         time.Time
}

// Severity colours: a glance tells how bad it is.
var severityColour = map[rules.Severity]int{
	rules.SevNone:     0x95A5A6,
	rules.SevLow:      0x3498DB,
	rules.SevMedium:   0xF1C40F,
	rules.SevHigh:     0xE67E22,
	rules.SevCritical: 0xE74C3C,
}

const resolvedColour = 0x2ECC71

var severityMark = map[rules.Severity]string{
	rules.SevNone: "⚪", rules.SevLow: "🔵", rules.SevMedium: "🟡", rules.SevHigh: "🟠", rules.SevCritical: "🔴",
}

// headline is "Title — Location", escaped, on one line.
func headline(inc alerts.Incident) string {
	t := strings.TrimSpace(cutRaw(inc.Title, limitTitle))
	if t == "" {
		t = "Untitled incident"
	}
	if loc := strings.TrimSpace(cutRaw(inc.Location, 100)); loc != "" {
		t += " — " + loc
	}
	return oneLine(t)
}

func footerText(incidentID string) string {
	return "tocsin · incident " + truncate(incidentID, 200)
}

// discordTime renders t as a Discord timestamp that every reader sees in
// their own time zone.
func discordTime(t time.Time, style string) string {
	return fmt.Sprintf("<t:%d:%s>", t.Unix(), style)
}

// incidentEmbed is the living incident embed.
func incidentEmbed(a alerts.Alert, acks []Ack) *discordgo.MessageEmbed {
	inc := a.Incident
	resolved := a.Kind == alerts.Resolved || !inc.ResolvedAt.IsZero()
	mark := severityMark[inc.Severity]
	colour := severityColour[inc.Severity]
	prefix := ""
	if resolved {
		mark, colour, prefix = "✅", resolvedColour, "Resolved: "
	}
	e := &discordgo.MessageEmbed{
		Type:   discordgo.EmbedTypeRich,
		Title:  truncate(mark+" "+prefix+headline(inc), limitTitle),
		Color:  colour,
		Footer: &discordgo.MessageEmbedFooter{Text: footerText(inc.ID)},
	}
	if u := firstURL(inc.Sources); u != "" {
		e.URL = u
	}
	if !inc.LastSeen.IsZero() {
		e.Timestamp = inc.LastSeen.UTC().Format(time.RFC3339)
	}
	var desc strings.Builder
	if s := strings.TrimSpace(inc.Summary); s != "" {
		desc.WriteString(escapeN(s, budgetSummary))
	}
	if inc.Contested {
		if desc.Len() > 0 {
			desc.WriteString("\n\n")
		}
		desc.WriteString("⚠️ **Contested**: a denial or dispute was found in the reporting.")
	}
	e.Description = desc.String()

	sev := inc.Severity.String()
	if a.Kind == alerts.Escalated && a.PrevSeverity != rules.SevNone {
		sev = a.PrevSeverity.String() + " → " + sev
	}
	field := func(name, value string, inline bool) {
		if strings.TrimSpace(value) == "" {
			return
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: truncate(name, limitFieldName), Value: truncate(value, limitFieldValue), Inline: inline})
	}
	field("Severity", sev, true)
	field("Categories", oneLineN(strings.Join(inc.Categories, ", "), 200), true)
	field("Corroboration", plural(inc.Corroboration, "source"), true)
	if !inc.FirstSeen.IsZero() {
		field("First seen", discordTime(inc.FirstSeen, "R"), true)
	}
	if !inc.LastSeen.IsZero() {
		field("Last seen", discordTime(inc.LastSeen, "R"), true)
	}
	if resolved && !inc.ResolvedAt.IsZero() {
		field("Resolved", discordTime(inc.ResolvedAt, "R"), true)
	}
	for _, ev := range pickEvidence(inc.Evidence) {
		name := "Evidence · " + oneLineN(ev.Rule, 80) + " (" + oneLineN(ev.Category, 40) + ", " + ev.Severity.String() + ")"
		if ev.Contested {
			name += " · contested"
		}
		value := "> " + oneLineN(ev.Sentence, budgetSentence)
		if why := strings.TrimSpace(ev.Why); why != "" {
			value += "\n*" + oneLineN(why, budgetWhy) + "*"
		}
		field(truncate(name, 120), value, false)
	}
	field("Sources", sourcesList(inc.Sources), false)
	field("Acknowledged", acksList(acks), false)
	fitEmbed(e)
	return e
}

// pickEvidence keeps the first few distinct (rule, sentence) hits.
func pickEvidence(evs []rules.Evidence) []rules.Evidence {
	seen := map[string]bool{}
	var out []rules.Evidence
	for _, ev := range evs {
		k := ev.Rule + "\x00" + ev.Sentence
		if seen[k] || strings.TrimSpace(ev.Sentence) == "" {
			continue
		}
		seen[k] = true
		out = append(out, ev)
		if len(out) == budgetEvidence {
			break
		}
	}
	return out
}

// sourcesList renders sources as "• [Outlet](url) · title" lines within a
// field value's limit.
func sourcesList(srcs []alerts.SourceRef) string {
	var b strings.Builder
	shown := 0
	for i, s := range srcs {
		if shown == budgetSources {
			break
		}
		name := strings.TrimSpace(s.Outlet)
		if name == "" {
			name = s.Source
		}
		if name == "" {
			name = "source"
		}
		line := "• "
		if u := safeURL(s.URL); u != "" {
			line += "[" + oneLineN(name, 60) + "](" + u + ")"
		} else {
			line += oneLineN(name, 60)
		}
		if t := strings.TrimSpace(s.Title); t != "" {
			line += " · " + oneLineN(t, 120)
		}
		more := fmt.Sprintf("\n… and %d more", len(srcs)-i)
		if runes(b.String())+runes(line)+1+runes(more) > limitFieldValue {
			b.WriteString(more)
			return b.String()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
		shown++
	}
	if rest := len(srcs) - shown; rest > 0 {
		fmt.Fprintf(&b, "\n… and %d more", rest)
	}
	return b.String()
}

func acksList(acks []Ack) string {
	var parts []string
	for i, a := range acks {
		if i == budgetAcks {
			parts = append(parts, fmt.Sprintf("and %d more", len(acks)-i))
			break
		}
		who := "<@" + digitsOnly(a.UserID) + ">"
		if digitsOnly(a.UserID) == "" {
			who = oneLineN(a.UserName, 40)
		}
		if !a.At.IsZero() {
			who += " " + discordTime(a.At, "R")
		}
		parts = append(parts, who)
	}
	return strings.Join(parts, "\n")
}

func digitsOnly(s string) string {
	if len(s) == 0 || len(s) > 20 {
		return ""
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return s
}

// safeURL returns u if it is an absolute http(s) URL, encoded so that it
// cannot close a markdown link early; else "".
func safeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	s := u.String()
	s = strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(s)
	if len(s) > limitButtonURL {
		return ""
	}
	return s
}

func firstURL(srcs []alerts.SourceRef) string {
	for _, s := range srcs {
		if u := safeURL(s.URL); u != "" {
			return u
		}
	}
	return ""
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// embedSize counts what Discord counts towards the 6000 total.
func embedSize(e *discordgo.MessageEmbed) int {
	n := runes(e.Title) + runes(e.Description)
	if e.Footer != nil {
		n += runes(e.Footer.Text)
	}
	if e.Author != nil {
		n += runes(e.Author.Name)
	}
	for _, f := range e.Fields {
		n += runes(f.Name) + runes(f.Value)
	}
	return n
}

// fitEmbed is the last guard of the limits: the budgets above keep an
// embed well under them, but should they change, the description, then the
// last fields give way rather than Discord rejecting the message.
func fitEmbed(e *discordgo.MessageEmbed) {
	if len(e.Fields) > limitFields {
		e.Fields = e.Fields[:limitFields]
	}
	e.Description = truncate(e.Description, limitDescription)
	if over := embedSize(e) - limitEmbedTotal; over > 0 {
		e.Description = truncate(e.Description, max(0, runes(e.Description)-over))
	}
	for embedSize(e) > limitEmbedTotal && len(e.Fields) > 0 {
		e.Fields = e.Fields[:len(e.Fields)-1]
	}
}

// Custom id prefixes of the alert buttons and the mute select.
const (
	idAck         = "ack"
	idMute        = "mute"
	idNotRelevant = "nr"
	idMuteFor     = "mutefor"
)

// customID is prefix:incidentID when that fits Discord's 100 characters;
// otherwise the bare prefix, and the handler reads the incident id from the
// message footer.
func customID(prefix, incidentID string) string {
	id := prefix + ":" + incidentID
	if len(id) > limitCustomID || !utf8Safe(incidentID) {
		return prefix
	}
	return id
}

func utf8Safe(s string) bool { return strings.ToValidUTF8(s, "") == s && s != "" }

// incidentComponents are the buttons under every incident message.
func incidentComponents(inc alerts.Incident) []discordgo.MessageComponent {
	row := discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Acknowledge", Style: discordgo.SuccessButton, CustomID: customID(idAck, inc.ID)},
		discordgo.Button{Label: "Mute this incident", Style: discordgo.SecondaryButton, CustomID: customID(idMute, inc.ID)},
		discordgo.Button{Label: "Not relevant", Style: discordgo.DangerButton, CustomID: customID(idNotRelevant, inc.ID)},
	}}
	if u := firstURL(inc.Sources); u != "" {
		row.Components = append(row.Components, discordgo.Button{Label: "Read the source", Style: discordgo.LinkButton, URL: u})
	}
	return []discordgo.MessageComponent{row}
}

// incidentMessage is the whole incident message: role mentions for its
// severity in content (embeds never ping), the embed and the buttons.
func incidentMessage(a alerts.Alert, roles []string, acks []Ack) message {
	prefix := mentionPrefix(roles)
	inc := a.Incident
	label := strings.ToUpper(inc.Severity.String())
	if a.Kind == alerts.Resolved || !inc.ResolvedAt.IsZero() {
		label = "RESOLVED"
	}
	content := prefix + "**" + label + "** " + headline(inc)
	m := message{
		Content:         truncate(content, limitContent),
		Embeds:          []*discordgo.MessageEmbed{incidentEmbed(a, acks)},
		Components:      incidentComponents(inc),
		AllowedMentions: noMentions(),
	}
	m.AllowedMentions.Roles = validRoles(roles)
	return m
}

// mentionPrefix is "<@&r1> <@&r2> " for the valid role ids.
func mentionPrefix(roles []string) string {
	var b strings.Builder
	for _, r := range validRoles(roles) {
		b.WriteString("<@&" + r + "> ")
	}
	return b.String()
}

// validRoles keeps snowflake-shaped ids, at most 20 (Discord allows 100 in
// allowed_mentions; 20 pings is already a lot).
func validRoles(roles []string) []string {
	var out []string
	for _, r := range roles {
		if digitsOnly(r) != "" && len(out) < 20 {
			out = append(out, r)
		}
	}
	return out
}

// timelineLine is the short thread line for an update.
func timelineLine(a alerts.Alert) message {
	inc := a.Incident
	var what string
	switch a.Kind {
	case alerts.Escalated:
		what = fmt.Sprintf("**Escalated** %s → %s", a.PrevSeverity, inc.Severity)
	case alerts.Resolved:
		what = "**Resolved**"
	case alerts.Opened:
		what = "**Opened** at " + inc.Severity.String()
	default:
		what = "**Updated**"
	}
	line := discordTime(a.At, "f") + " " + what + " · " + plural(inc.Corroboration, "source")
	if r := strings.TrimSpace(a.Reason); r != "" {
		line += " · " + oneLineN(r, 300)
	}
	if t := strings.TrimSpace(a.Report.Title); t != "" {
		line += "\n> " + oneLineN(t, 300)
		if u := safeURL(a.Report.URL); u != "" {
			line += " (<" + u + ">)"
		}
	}
	return message{Content: truncate(line, limitContent), Embeds: []*discordgo.MessageEmbed{}, Components: []discordgo.MessageComponent{}, AllowedMentions: noMentions()}
}

// escalationAnnouncement is a reply to the incident message, since an edit
// notifies no one; it pings the roles configured for the new severity.
func escalationAnnouncement(a alerts.Alert, roles []string, channelID, messageID string) message {
	content := mentionPrefix(roles) + fmt.Sprintf("⬆️ **Escalated %s → %s**: %s", a.PrevSeverity, a.Incident.Severity, headline(a.Incident))
	no := false
	m := message{
		Content:         truncate(content, limitContent),
		Embeds:          []*discordgo.MessageEmbed{},
		Components:      []discordgo.MessageComponent{},
		AllowedMentions: noMentions(),
		Reference:       &discordgo.MessageReference{MessageID: messageID, ChannelID: channelID, FailIfNotExists: &no},
	}
	m.AllowedMentions.Roles = validRoles(roles)
	return m
}

// threadName names the timeline thread.
func threadName(inc alerts.Incident) string {
	n := strings.Join(strings.Fields(inc.Title), " ")
	n = strings.ToValidUTF8(n, "")
	if n == "" {
		n = "incident " + inc.ID
	}
	return truncate("Timeline · "+n, limitThreadName)
}

package bot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// command dispatches a slash command.
func (h *Handler) command(ctx context.Context, i *discordgo.Interaction) reply {
	data := i.ApplicationCommandData()
	o := parseOptions(data)
	if adminCommands[data.Name] && !h.isAdmin(i) {
		return say("You need the Manage Server permission (or a tocsin admin role) for /"+data.Name+".", true)
	}
	switch data.Name {
	case "alerts":
		return h.cmdAlerts(o)
	case "incident":
		return h.cmdIncident(o)
	case "score":
		return h.cmdScore(o)
	case "rules":
		return h.cmdRules(o)
	case "status":
		return h.cmdStatus()
	case "silences":
		return h.cmdSilences()
	case "subscribe":
		return h.cmdSubscribe(i, o)
	case "unsubscribe":
		return h.cmdUnsubscribe(i)
	case "mute":
		return h.cmdMute(i, o)
	case "unmute":
		return h.cmdUnmute(o)
	case "reload":
		return h.cmdReload()
	}
	return say("Unknown command /"+data.Name+".", true)
}

func (h *Handler) cmdAlerts(o options) reply {
	if h.deps.Incidents == nil {
		return say(unavailable, true)
	}
	f := IncidentFilter{Place: o.str("place"), Limit: 10}
	if s := o.str("category"); s != "" {
		cat, err := h.category(s)
		if err != nil {
			return say(err.Error(), true)
		}
		f.Category = cat
	}
	if s := o.str("severity"); s != "" {
		sev, err := rules.ParseSeverity(s)
		if err != nil {
			return say(err.Error(), true)
		}
		f.MinSeverity = sev
	}
	if s := o.str("since"); s != "" {
		d, err := parseDuration(s)
		if err != nil {
			return say(err.Error(), true)
		}
		f.Since = h.now().Add(-d)
	}
	return deferred(false, func(ctx context.Context) message {
		incs, err := h.deps.Incidents.RecentIncidents(ctx, f)
		if err != nil {
			return h.failed("listing incidents", err)
		}
		if len(incs) == 0 {
			return text("No incidents match.")
		}
		var b strings.Builder
		for _, inc := range incs {
			line := fmt.Sprintf("%s **%s** · %s · %s · `%s`\n", severityMark[inc.Severity], truncate(headline(inc), 150),
				plural(inc.Corroboration, "source"), discordTime(inc.LastSeen, "R"), oneLineN(inc.ID, 60))
			if runes(b.String())+runes(line) > limitDescription-100 {
				break
			}
			b.WriteString(line)
		}
		return embedMsg("", &discordgo.MessageEmbed{Title: "Recent incidents", Description: b.String(), Color: 0x5865F2})
	})
}

func (h *Handler) cmdIncident(o options) reply {
	if h.deps.Incident == nil {
		return say(unavailable, true)
	}
	id := o.str("id")
	return deferred(false, func(ctx context.Context) message {
		d, ok, err := h.deps.Incident.IncidentDetail(ctx, id)
		if err != nil {
			return h.failed("looking up the incident", err)
		}
		if !ok {
			return text("No incident " + oneLine(truncate(id, 100)) + ".")
		}
		a := alerts.Alert{Kind: alerts.Updated, Incident: d.Incident}
		e := incidentEmbed(a, nil)
		var tl strings.Builder
		for _, t := range d.Timeline {
			line := fmt.Sprintf("%s **%s** %s %s\n", discordTime(t.At, "f"), t.Kind, t.Severity, oneLineN(t.Reason, 120))
			if runes(tl.String())+runes(line) > 900 {
				tl.WriteString("…")
				break
			}
			tl.WriteString(line)
		}
		if tl.Len() > 0 {
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: "Timeline", Value: tl.String()})
		}
		return embedMsg("", e)
	})
}

func (h *Handler) cmdScore(o options) reply {
	if h.deps.Scorer == nil {
		return say(unavailable, true)
	}
	in := o.str("text")
	if in == "" {
		return say("Give a text to score.", true)
	}
	return deferred(true, func(ctx context.Context) message {
		res, err := h.deps.Scorer.ScoreText(ctx, in)
		if err != nil {
			return h.failed("scoring", err)
		}
		return embedMsg("", scoreEmbed(res))
	})
}

// scoreEmbed explains a verdict: what fired, on which sentence, why, and
// what was suppressed.
func scoreEmbed(res rules.Result) *discordgo.MessageEmbed {
	verdict := "No alert"
	colour := severityColour[rules.SevNone]
	if res.Alert {
		verdict = "Alert: " + res.Severity.String()
		colour = severityColour[res.Severity]
	}
	var desc strings.Builder
	fmt.Fprintf(&desc, "Score **%.2f** · rules `%s`", res.Score, oneLineN(res.RulesVersion, 40))
	if res.Location != "" {
		desc.WriteString(" · " + oneLineN(res.Location, 100))
	}
	if len(res.Categories) > 0 {
		desc.WriteString(" · " + oneLineN(strings.Join(res.Categories, ", "), 200))
	}
	if res.Contested {
		desc.WriteString("\n⚠️ **Contested**")
	}
	if len(res.Boosts) > 0 {
		desc.WriteString("\nBoosts: " + oneLineN(strings.Join(res.Boosts, "; "), 500))
	}
	e := &discordgo.MessageEmbed{Title: verdict, Description: desc.String(), Color: colour}
	add := func(prefix string, evs []rules.Evidence) {
		for _, ev := range evs {
			if len(e.Fields) >= 8 {
				return
			}
			name := prefix + " · " + oneLineN(ev.Rule, 80) + " (" + ev.Severity.String() + ", " + string(ev.Modality) + ")"
			value := "> " + oneLineN(ev.Sentence, budgetSentence)
			if ev.Why != "" {
				value += "\n*" + oneLineN(ev.Why, budgetWhy) + "*"
			}
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: truncate(name, 120), Value: value})
		}
	}
	add("Fired", res.Evidence)
	add("Suppressed", res.Suppressed)
	if len(e.Fields) == 0 {
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: "Evidence", Value: "No rule matched."})
	}
	return e
}

func (h *Handler) cmdRules(o options) reply {
	if h.deps.Rules == nil {
		return say(unavailable, true)
	}
	if o.sub == "show" {
		id := o.str("id")
		return deferred(false, func(ctx context.Context) message {
			r, ok, err := h.deps.Rules.Rule(ctx, id)
			if err != nil {
				return h.failed("looking up the rule", err)
			}
			if !ok {
				return text("No rule " + oneLine(truncate(id, 100)) + ".")
			}
			e := &discordgo.MessageEmbed{Title: "Rule " + oneLineN(r.ID, 200), Description: escapeN(r.Description, 2000), Color: severityColour[r.Severity],
				Fields: []*discordgo.MessageEmbedField{
					{Name: "Category", Value: orDash(oneLineN(r.Category, 100)), Inline: true},
					{Name: "Severity", Value: r.Severity.String(), Inline: true},
					{Name: "Enabled", Value: fmt.Sprint(r.Enabled), Inline: true},
					{Name: "Fired", Value: fmt.Sprint(r.Fired), Inline: true},
					{Name: "Not relevant", Value: fmt.Sprint(r.NotRelevant), Inline: true},
					{Name: "Precision", Value: precision(r), Inline: true},
				}}
			return embedMsg("", e)
		})
	}
	return deferred(false, func(ctx context.Context) message {
		rs, err := h.deps.Rules.Rules(ctx)
		if err != nil {
			return h.failed("listing rules", err)
		}
		var b strings.Builder
		for _, r := range rs {
			line := fmt.Sprintf("`%s` %s · %s · fired %d · not relevant %d · precision %s\n",
				oneLineN(r.ID, 60), oneLineN(r.Category, 30), r.Severity, r.Fired, r.NotRelevant, precision(r))
			if runes(b.String())+runes(line) > limitDescription-50 {
				b.WriteString("… (use /rules show)")
				break
			}
			b.WriteString(line)
		}
		if b.Len() == 0 {
			b.WriteString("No rules loaded.")
		}
		return embedMsg("", &discordgo.MessageEmbed{Title: fmt.Sprintf("%d rules", len(rs)), Description: b.String(), Color: 0x5865F2})
	})
}

func precision(r RuleInfo) string {
	p := r.Precision()
	if p < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", p*100)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func (h *Handler) cmdStatus() reply {
	if h.deps.Status == nil {
		return say(unavailable, true)
	}
	return deferred(false, func(ctx context.Context) message {
		st, err := h.deps.Status.Status(ctx)
		if err != nil {
			return h.failed("reading status", err)
		}
		var b strings.Builder
		for _, s := range st.Sources {
			mark := "🟢"
			switch {
			case !s.Enabled:
				mark = "⚪"
			case s.ErrorStreak > 0:
				mark = "🔴"
			}
			line := fmt.Sprintf("%s **%s** (%s) · last ok %s · errors %d · next %s", mark, oneLineN(s.ID, 60), oneLineN(s.Kind, 20),
				whenOrNever(s.LastSuccessAt.IsZero(), discordTime(s.LastSuccessAt, "R")), s.ErrorStreak,
				whenOrNever(s.NextCheckAt.IsZero(), discordTime(s.NextCheckAt, "R")))
			if s.LastError != "" {
				line += " · " + oneLineN(s.LastError, 100)
			}
			line += "\n"
			if runes(b.String())+runes(line) > 3500 {
				b.WriteString("…")
				break
			}
			b.WriteString(line)
		}
		if b.Len() == 0 {
			b.WriteString("No sources configured.")
		}
		reload := "never"
		if !st.RulesReloadAt.IsZero() {
			reload = discordTime(st.RulesReloadAt, "R") + " · " + oneLineN(orDash(st.RulesReload), 300)
		}
		var outbox []string
		for _, k := range slices.Sorted(maps.Keys(st.Outbox)) {
			outbox = append(outbox, fmt.Sprintf("%s %d", oneLine(k), st.Outbox[k]))
		}
		e := &discordgo.MessageEmbed{Title: "tocsin status", Description: b.String(), Color: 0x5865F2, Fields: []*discordgo.MessageEmbedField{
			{Name: "Open incidents", Value: fmt.Sprint(st.OpenIncidents), Inline: true},
			{Name: "Outbox", Value: truncate(orDash(strings.Join(outbox, " · ")), 200), Inline: true},
			{Name: "Rules", Value: "`" + orDash(oneLineN(st.RulesVersion, 40)) + "`", Inline: true},
			{Name: "Last reload", Value: reload, Inline: false},
			{Name: fmt.Sprintf("Silences (%d)", len(st.Silences)), Value: silenceLines(st.Silences, 5, limitFieldValue), Inline: false},
		}}
		return embedMsg("", e)
	})
}

func whenOrNever(never bool, s string) string {
	if never {
		return "never"
	}
	return s
}

func (h *Handler) cmdSubscribe(i *discordgo.Interaction, o options) reply {
	if h.deps.Subscriptions == nil {
		return say(unavailable, true)
	}
	r := Route{ChannelID: i.ChannelID, Places: splitList(o.str("places")),
		MinSeverity: rules.SevLow, MentionRoles: map[rules.Severity][]string{}}
	if list := splitList(o.str("categories")); len(list) > 0 {
		cats, err := h.categories(list)
		if err != nil {
			return say(err.Error(), true)
		}
		r.Categories = cats
	}
	if s := o.str("min_severity"); s != "" {
		sev, err := rules.ParseSeverity(s)
		if err != nil {
			return say(err.Error(), true)
		}
		r.MinSeverity = sev
	}
	if id := o.str("ping_high"); digitsOnly(id) != "" {
		r.MentionRoles[rules.SevHigh] = []string{id}
	}
	if id := o.str("ping_critical"); digitsOnly(id) != "" {
		r.MentionRoles[rules.SevCritical] = []string{id}
	}
	return deferred(false, func(ctx context.Context) message {
		if err := h.deps.Subscriptions.Subscribe(ctx, r); err != nil {
			return h.failed("subscribing", err)
		}
		desc := fmt.Sprintf("This channel now receives incidents at **%s** or above", r.MinSeverity)
		if len(r.Categories) > 0 {
			desc += " in " + oneLineN(joinCategories(r.Categories), 500)
		}
		if len(r.Places) > 0 {
			desc += " about " + oneLineN(strings.Join(r.Places, ", "), 500)
		}
		return text(desc + ".")
	})
}

func (h *Handler) cmdUnsubscribe(i *discordgo.Interaction) reply {
	if h.deps.Subscriptions == nil {
		return say(unavailable, true)
	}
	return deferred(false, func(ctx context.Context) message {
		ok, err := h.deps.Subscriptions.Unsubscribe(ctx, i.ChannelID)
		if err != nil {
			return h.failed("unsubscribing", err)
		}
		if !ok {
			return text("This channel had no subscription (routes from the config file stay until the config changes).")
		}
		return text("This channel no longer receives incidents.")
	})
}

func (h *Handler) cmdMute(i *discordgo.Interaction, o options) reply {
	if h.deps.Silences == nil {
		return say(unavailable, true)
	}
	d, err := parseDuration(o.str("duration"))
	if err != nil {
		return say(err.Error(), true)
	}
	kind, err := alerts.ParseSilenceKind(o.str("target"))
	if err != nil {
		return say(err.Error(), true)
	}
	who, _ := userID(i)
	s := alerts.Silence{Kind: kind, Value: o.str("value"), ExpiresAt: h.now().Add(d), Reason: o.str("reason"), Author: who, CreatedAt: h.now()}
	if s.Value == "" || s.Reason == "" {
		return say("Say what to mute and why.", true)
	}
	if kind == alerts.SilenceCategory {
		cat, err := h.category(s.Value)
		if err != nil {
			return say(err.Error(), true)
		}
		s.Value = string(cat)
	}
	if also := o.str("also"); also != "" {
		m, err := h.matcher(also)
		if err != nil {
			return say("also: "+err.Error(), true)
		}
		s.And = []alerts.Matcher{m}
	}
	return deferred(false, func(ctx context.Context) message {
		if _, err := h.deps.Silences.Mute(ctx, s); err != nil {
			return h.failed("muting", err)
		}
		what := make([]string, 0, 2)
		for _, m := range s.Matchers() {
			what = append(what, fmt.Sprintf("%s **%s**", m.Kind, oneLineN(m.Value, 100)))
		}
		return text(fmt.Sprintf("🔇 Muted %s until %s — %s (by <@%s>)", strings.Join(what, " and "),
			discordTime(s.ExpiresAt, "f"), oneLineN(s.Reason, 300), digitsOnly(who)))
	})
}

// matcher reads one more silence matcher as the API and `tocsin silence`
// write it (kind=value, labels.NAME=VALUE), a category in the live
// vocabulary.
func (h *Handler) matcher(s string) (alerts.Matcher, error) {
	m, err := alerts.ParseMatcher(s)
	if err != nil {
		return m, err
	}
	if m, err = m.Check(nil); err != nil {
		return m, err
	}
	if m.Kind == alerts.SilenceCategory {
		cat, err := h.category(m.Value)
		if err != nil {
			return m, err
		}
		m.Value = string(cat)
	}
	return m, nil
}

func (h *Handler) cmdUnmute(o options) reply {
	if h.deps.Silences == nil {
		return say(unavailable, true)
	}
	target, value := o.str("target"), o.str("value")
	kind, err := alerts.ParseSilenceKind(target)
	if err != nil {
		return say(err.Error(), true)
	}
	if kind == alerts.SilenceCategory {
		cat, err := h.category(value)
		if err != nil {
			return say(err.Error(), true)
		}
		value = string(cat)
	}
	return deferred(false, func(ctx context.Context) message {
		n, err := h.deps.Silences.Unmute(ctx, kind, value)
		if err != nil {
			return h.failed("unmuting", err)
		}
		if n == 0 {
			return text(fmt.Sprintf("No active silence on %s **%s**.", target, oneLineN(value, 100)))
		}
		return text(fmt.Sprintf("🔔 Lifted %d silence(s) on %s **%s**.", n, target, oneLineN(value, 100)))
	})
}

func (h *Handler) cmdReload() reply {
	if h.deps.Reloader == nil {
		return say(unavailable, true)
	}
	return deferred(true, func(ctx context.Context) message {
		res, err := h.deps.Reloader.ReloadRules(ctx)
		if err != nil {
			return h.failed("reloading rules", err)
		}
		if !res.Applied || len(res.Problems) > 0 {
			var b strings.Builder
			b.WriteString("```\n")
			for _, p := range res.Problems {
				line := strings.ReplaceAll(strings.ToValidUTF8(p, "\uFFFD"), "`", "'") + "\n"
				if runes(b.String())+runes(line) > limitDescription-100 {
					b.WriteString("…\n")
					break
				}
				b.WriteString(line)
			}
			b.WriteString("```")
			return embedMsg("", &discordgo.MessageEmbed{Title: fmt.Sprintf("Reload refused: %d problem(s); the previous rules stay live", len(res.Problems)),
				Description: b.String(), Color: severityColour[rules.SevCritical]})
		}
		return text("✅ Rules reloaded: version `" + oneLineN(res.Version, 40) + "`.")
	})
}

// category parses a category a member typed with the live vocabulary.
func (h *Handler) category(s string) (vocab.Category, error) {
	if h.deps.Vocabulary == nil {
		return "", errors.New("categories cannot be checked in this tocsin deployment")
	}
	return h.deps.Vocabulary.Categories().Parse(s)
}

// categories parses a comma-separated list, naming every unknown one.
func (h *Handler) categories(list []string) ([]vocab.Category, error) {
	if h.deps.Vocabulary == nil {
		return nil, errors.New("categories cannot be checked in this tocsin deployment")
	}
	return h.deps.Vocabulary.Categories().ParseAll(list)
}

func joinCategories(cats []vocab.Category) string {
	parts := make([]string, len(cats))
	for i, c := range cats {
		parts[i] = string(c)
	}
	return strings.Join(parts, ", ")
}

func (h *Handler) cmdSilences() reply {
	if h.deps.SilenceList == nil {
		return say(unavailable, true)
	}
	return deferred(true, func(ctx context.Context) message {
		list, err := h.deps.SilenceList.ActiveSilences(ctx, h.now())
		if err != nil {
			return h.failed("listing silences", err)
		}
		return embedMsg("", &discordgo.MessageEmbed{Title: fmt.Sprintf("Silences in force: %d", len(list)),
			Description: silenceLines(list, 25, limitDescription), Color: 0x5865F2})
	})
}

// silenceLines lists silences one per line (matchers, end, and reason and
// author where the list has them), at most max of them and within limit runes. Every value is
// escaped: silences made over the API carry text anyone with the token
// typed.
func silenceLines(list []alerts.Silence, max, limit int) string {
	if len(list) == 0 {
		return "None."
	}
	var b strings.Builder
	for i, s := range list {
		line := fmt.Sprintf("🔇 `%s` %s until %s", oneLineN(s.ID, 40), oneLineN(s.Describe(), 200), discordTime(s.ExpiresAt, "f"))
		if s.Reason != "" || s.Author != "" { // the public /status has neither
			line += fmt.Sprintf(" — %s (%s)", oneLineN(orDash(s.Reason), 200), oneLineN(orDash(s.Author), 60))
		}
		line += "\n"
		if i == max || runes(b.String())+runes(line) > limit-2 {
			b.WriteString("…")
			break
		}
		b.WriteString(line)
	}
	return strings.TrimRight(b.String(), "\n")
}

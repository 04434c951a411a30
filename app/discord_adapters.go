package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/bot"
	"github.com/tocsin-alerts/tocsin/config"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/rules/geo"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// The adapters below give the Discord bot (package bot) what its slash
// commands, buttons and notifier need, over the store, the live rules and
// the clock. Each is small and satisfies one of bot's interfaces.

// discordNotifier is the Discord notifier's name: its outbox rows and its
// notifier_refs rows are keyed by it.
const discordNotifier = "discord"

// discordRefs keeps the Discord message ids in notifier_refs.
type discordRefs struct{ s *store.Store }

var _ bot.Refs = (*discordRefs)(nil)

func (r *discordRefs) GetRef(ctx context.Context, key string) (string, bool, error) {
	return r.s.GetRef(ctx, discordNotifier, key)
}

func (r *discordRefs) PutRef(ctx context.Context, key, value string) error {
	return r.s.PutRef(ctx, discordNotifier, key, value)
}

// discordIncidents answers /alerts and /incident from the store.
type discordIncidents struct{ s *store.Store }

var (
	_ bot.IncidentLister = (*discordIncidents)(nil)
	_ bot.IncidentGetter = (*discordIncidents)(nil)
)

// incidentScan bounds how many recent incidents /alerts filters through.
const incidentScan = 500

// RecentIncidents lists announced incidents, newest first. Filtering reuses
// the notifier's route matching, so "place" means in /alerts what it means
// in a channel route.
func (d *discordIncidents) RecentIncidents(ctx context.Context, f bot.IncidentFilter) ([]alerts.Incident, error) {
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	all, err := d.s.RecentIncidents(ctx, f.Since, incidentScan)
	if err != nil {
		return nil, err
	}
	match := incidentRoute(f.MinSeverity, f.Category, f.Place)
	var out []alerts.Incident
	for _, inc := range all {
		if len(out) == limit {
			break
		}
		// Incidents waiting for corroboration (or silenced before their
		// opening) were never announced: they are not alerts yet.
		if inc.Alerted && match.Matches(inc) {
			out = append(out, inc)
		}
	}
	return out, nil
}

// incidentRoute is a filter as a channel route, so "place" and "category"
// mean the same in /alerts, in the web console and in a route.
func incidentRoute(min rules.Severity, category vocab.Category, place string) bot.Route {
	match := bot.Route{MinSeverity: min}
	if category != "" {
		match.Categories = []vocab.Category{category}
	}
	if place != "" {
		match.Places = []string{place}
	}
	return match
}

// incidentTimeline reads an incident and the events that went to the
// outbox for it: what /incident and the web timeline show.
func incidentTimeline(ctx context.Context, s *store.Store, id string) (alerts.Incident, []alerts.Alert, bool, error) {
	inc, ok, err := s.FindIncident(ctx, id)
	if err != nil || !ok {
		return alerts.Incident{}, nil, ok, err
	}
	evs, err := s.IncidentEvents(ctx, id)
	if err != nil {
		return alerts.Incident{}, nil, false, err
	}
	return inc, evs, true, nil
}

// IncidentDetail returns the incident and its timeline (the events that
// went to the outbox).
func (d *discordIncidents) IncidentDetail(ctx context.Context, id string) (bot.IncidentDetail, bool, error) {
	inc, evs, ok, err := incidentTimeline(ctx, d.s, id)
	if err != nil || !ok {
		return bot.IncidentDetail{}, ok, err
	}
	det := bot.IncidentDetail{Incident: inc}
	for _, a := range evs {
		det.Timeline = append(det.Timeline, bot.TimelineEntry{At: a.At, Kind: a.Kind, Severity: a.Incident.Severity, Reason: a.Reason})
	}
	return det, true, nil
}

// discordScorer dry-runs a text against the live rules (/score).
type discordScorer struct{ r *Rules }

var _ bot.Scorer = (*discordScorer)(nil)

func (d *discordScorer) ScoreText(_ context.Context, text string) (rules.Result, error) {
	return d.r.Score(report.ParseText("discord-score", []byte(text))), nil
}

// discordRuleCatalog lists the live rules with their precision figures.
// The counts come from a scan of the incidents, so they are cached for a
// short while: rule-id autocomplete asks on every keystroke.
type discordRuleCatalog struct {
	s   *store.Store
	r   *Rules
	now func() time.Time

	mu       sync.Mutex
	at       time.Time
	fired    map[string]int
	rejected map[string]int
}

var _ bot.RuleCatalog = (*discordRuleCatalog)(nil)

// ruleCountsTTL is how long /rules may show slightly old counts.
const ruleCountsTTL = 30 * time.Second

func (c *discordRuleCatalog) counts(ctx context.Context) (fired, rejected map[string]int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.fired != nil && now.Sub(c.at) < ruleCountsTTL && !now.Before(c.at) {
		return c.fired, c.rejected, nil
	}
	if fired, err = c.s.RuleIncidentCounts(ctx); err != nil {
		return nil, nil, err
	}
	if rejected, err = c.s.FeedbackCounts(ctx, store.FeedbackNotRelevant); err != nil {
		return nil, nil, err
	}
	c.at, c.fired, c.rejected = now, fired, rejected
	return fired, rejected, nil
}

func (c *discordRuleCatalog) Rules(ctx context.Context) ([]bot.RuleInfo, error) {
	fired, rejected, err := c.counts(ctx)
	if err != nil {
		return nil, fmt.Errorf("rule counts: %w", err)
	}
	list := c.r.Set().Rules()
	out := make([]bot.RuleInfo, 0, len(list))
	for _, r := range list {
		desc := r.Description
		if desc == "" {
			desc = r.Title
		}
		out = append(out, bot.RuleInfo{ID: r.ID, Category: r.Category, Severity: r.Severity, Description: desc,
			Enabled: r.Enabled, Fired: fired[r.ID], NotRelevant: rejected[r.ID]})
	}
	return out, nil
}

func (c *discordRuleCatalog) Rule(ctx context.Context, id string) (bot.RuleInfo, bool, error) {
	all, err := c.Rules(ctx)
	if err != nil {
		return bot.RuleInfo{}, false, err
	}
	for _, r := range all {
		if strings.EqualFold(r.ID, strings.TrimSpace(id)) {
			return r, true, nil
		}
	}
	return bot.RuleInfo{}, false, nil
}

// discordStatus answers /status with what GET /status shows: the public
// view, as /status is posted in the channel for every member to read (who
// added a silence and why are in /silences, answered to the asker alone).
type discordStatus struct{ s *store.Store }

var _ bot.StatusReporter = (*discordStatus)(nil)

func (d *discordStatus) Status(ctx context.Context) (bot.Status, error) {
	st, err := ReadStatus(ctx, d.s)
	if err != nil {
		return bot.Status{}, fmt.Errorf("read status: %w", err)
	}
	st = st.Public()
	out := bot.Status{Outbox: st.Outbox, OpenIncidents: st.OpenIncidents, RulesVersion: st.RulesVersion,
		RulesReload: st.RulesReload, RulesReloadAt: st.RulesReloadAt, Silences: []alerts.Silence{}}
	for _, sl := range st.Silences {
		out.Silences = append(out.Silences, sl.Silence())
	}
	for _, src := range st.Sources {
		out.Sources = append(out.Sources, bot.SourceStatus{ID: src.ID, Kind: src.Kind, Enabled: src.Enabled,
			LastSuccessAt: src.LastSuccessAt, NextCheckAt: src.NextCheckAt, ErrorStreak: src.ErrorStreak, LastError: src.LastError})
	}
	return out, nil
}

// discordSubscriptions keeps /subscribe routes in the store; the notifier
// reads them on every delivery, so a subscription takes effect at once.
type discordSubscriptions struct {
	s   *store.Store
	now func() time.Time
}

var _ bot.Subscriptions = (*discordSubscriptions)(nil)

func (d *discordSubscriptions) Subscribe(ctx context.Context, r bot.Route) error {
	return d.s.PutSubscription(ctx, store.Subscription{ChannelID: r.ChannelID, Categories: r.Categories, Places: r.Places,
		MinSeverity: r.MinSeverity, MentionRoles: r.MentionRoles, UpdatedAt: d.now()})
}

func (d *discordSubscriptions) Unsubscribe(ctx context.Context, channelID string) (bool, error) {
	return d.s.DeleteSubscription(ctx, channelID)
}

func (d *discordSubscriptions) Routes(ctx context.Context) ([]bot.Route, error) {
	subs, err := d.s.Subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Route, 0, len(subs))
	for _, s := range subs {
		out = append(out, bot.Route{ChannelID: s.ChannelID, Categories: s.Categories, Places: s.Places,
			MinSeverity: s.MinSeverity, MentionRoles: s.MentionRoles})
	}
	return out, nil
}

// discordSilences creates and lifts silences in the store; the poller
// applies the active ones to every event.
type discordSilences struct {
	s   *store.Store
	now func() time.Time
}

var _ bot.Silencer = (*discordSilences)(nil)

func (d *discordSilences) Mute(ctx context.Context, sl alerts.Silence) (string, error) {
	if sl.CreatedAt.IsZero() {
		sl.CreatedAt = d.now()
	}
	id, err := d.s.AddSilence(ctx, sl)
	if err != nil {
		return "", fmt.Errorf("mute: %w", err)
	}
	return id, nil
}

// Unmute ends every active silence of that kind on that value (compared as
// the silence itself compares: case and outer spaces aside).
func (d *discordSilences) Unmute(ctx context.Context, kind alerts.SilenceKind, value string) (int, error) {
	now := d.now()
	active, err := d.s.ActiveSilences(ctx, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sl := range active {
		if sl.Kind != kind || !strings.EqualFold(strings.TrimSpace(sl.Value), strings.TrimSpace(value)) {
			continue
		}
		ended, err := d.s.EndSilence(ctx, sl.ID, now)
		if err != nil {
			return n, err
		}
		if ended {
			n++
		}
	}
	return n, nil
}

// discordAcks records the Acknowledge button.
type discordAcks struct{ s *store.Store }

var _ bot.Acknowledger = (*discordAcks)(nil)

func (d *discordAcks) Acknowledge(ctx context.Context, a bot.Ack) error {
	return d.s.PutAck(ctx, store.Ack{IncidentID: a.IncidentID, UserID: a.UserID, UserName: a.UserName, At: a.At})
}

func (d *discordAcks) Acks(ctx context.Context, incidentID string) ([]bot.Ack, error) {
	acks, err := d.s.Acks(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Ack, 0, len(acks))
	for _, a := range acks {
		out = append(out, bot.Ack{IncidentID: a.IncidentID, UserID: a.UserID, UserName: a.UserName, At: a.At})
	}
	return out, nil
}

// discordFeedback records the Not relevant button against the rules.
type discordFeedback struct{ s *store.Store }

var _ bot.FeedbackRecorder = (*discordFeedback)(nil)

func (d *discordFeedback) RecordFeedback(ctx context.Context, f bot.Feedback) error {
	return d.s.PutFeedback(ctx, store.Feedback{IncidentID: f.IncidentID, Rules: f.Rules, Kind: f.Verdict, UserID: f.UserID, At: f.At})
}

// discordReloader reloads the rule files for /reload. A refused reload is
// a result (with its lint problems), not an error: the old rules stay live.
type discordReloader struct{ r *Rules }

var _ bot.Reloader = (*discordReloader)(nil)

func (d *discordReloader) ReloadRules(ctx context.Context) (bot.ReloadResult, error) {
	err := d.r.Reload(ctx)
	res := bot.ReloadResult{Applied: err == nil, Version: d.r.Version()}
	if err == nil {
		return res, nil
	}
	var ps rules.Problems
	var routes config.Errors // a route names a category the new rules lack
	switch {
	case errors.As(err, &ps):
		for _, p := range ps {
			res.Problems = append(res.Problems, p.String())
		}
	case errors.As(err, &routes):
		for _, p := range routes {
			res.Problems = append(res.Problems, "config "+p.Error())
		}
	default:
		res.Problems = []string{err.Error()}
	}
	return res, nil
}

// discordPlaces completes place names from the gazetteer the rules use.
type discordPlaces struct{ g *geo.Gazetteer }

var _ bot.PlaceCompleter = (*discordPlaces)(nil)

func (d *discordPlaces) Complete(prefix string, n int) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range d.g.Complete(prefix, n) {
		if s := p.String(); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

package poller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
)

type pollStats struct {
	scored, events int
	failed         bool
}

// poll fetches one source and commits what it brought. A fetch cancelled by
// shutdown records nothing: the source stays due and is polled next start.
func (p *Poller) poll(ctx context.Context, src store.Source) (pollStats, error) {
	start := time.Now()
	f, err := p.o.Fetcher.Fetch(ctx, src)
	now := p.o.Clock.Now()
	interval := src.Interval
	if interval <= 0 {
		interval = p.o.DefaultInterval
	}
	if err != nil {
		if ctx.Err() != nil {
			return pollStats{}, nil
		}
		wait := max(interval, p.o.Backoff(src.ErrorStreak+1))
		kind := "error"
		var fe *feed.Error
		if errors.As(err, &fe) {
			wait = max(wait, fe.RetryAfter)
			kind = string(fe.Kind)
		}
		p.o.Metrics.fetchError(src.ID, kind)
		p.log.Warn("poll failed", "source", src.ID, "error", err, "error_streak", src.ErrorStreak+1, "retry_in", wait)
		out := store.FetchOutcome{CheckedAt: now, NextCheckAt: now.Add(wait), Err: err.Error()}
		if rerr := p.o.Store.RecordFetch(ctx, src.ID, out); rerr != nil {
			return pollStats{failed: true}, rerr
		}
		return pollStats{failed: true}, nil
	}
	p.o.Metrics.poll(time.Since(start))
	// The source's labels travel with its reports onto incidents.
	for i := range f.Reports {
		f.Reports[i].Labels = src.Labels
	}
	for _, pr := range f.Problems {
		p.log.Warn("source problem", "source", src.ID, "problem", pr)
	}
	out := &store.FetchOutcome{CheckedAt: now, NextCheckAt: now.Add(max(interval, f.MinInterval)),
		ETag: f.ETag, LastModified: f.LastModified, State: f.State}
	if f.NotModified {
		out.ETag, out.LastModified = firstNonEmpty(f.ETag, src.ETag), firstNonEmpty(f.LastModified, src.LastModified)
		if f.State == "" {
			out.State = src.State
		}
	}
	st, err := p.process(ctx, src.ID, src.FirstPoll(), f.Reports, out)
	if err != nil {
		// The batch did not commit: back off so a broken store is not
		// hammered every tick, and keep the old validators so that the
		// items are fetched again.
		if ctx.Err() != nil {
			return st, nil
		}
		fail := store.FetchOutcome{CheckedAt: now, NextCheckAt: now.Add(max(interval, p.o.Backoff(src.ErrorStreak+1))), Err: err.Error()}
		if rerr := p.o.Store.RecordFetch(ctx, src.ID, fail); rerr != nil {
			p.log.Error("record failure", "source", src.ID, "error", rerr)
		}
		return st, fmt.Errorf("source %s: %w", src.ID, err)
	}
	return st, nil
}

// Ingest processes reports that arrived without a poll (the push endpoint).
// It returns once they are stored, scored and their events recorded.
func (p *Poller) Ingest(ctx context.Context, source string, rs []report.Report) error {
	for i := range rs {
		if rs[i].Source == "" {
			rs[i].Source = source
		}
	}
	_, err := p.process(ctx, source, false, rs, nil)
	return err
}

type scored struct {
	r    report.Report
	hash string
	st   store.Scored
	// summary is written before the commit lock for alerting reports, so a
	// model call never holds up other workers' commits.
	summary string
}

// process stores and scores the new and changed reports of one poll, decides
// their incidents and records events, all in one transaction together with
// the poll outcome.
func (p *Poller) process(ctx context.Context, source string, firstPoll bool, rs []report.Report, out *store.FetchOutcome) (pollStats, error) {
	now := p.o.Clock.Now()
	// Dedupe within the poll by identity; a later item wins.
	byID := make(map[string]int, len(rs))
	uniq := make([]report.Report, 0, len(rs))
	for _, r := range rs {
		if r.Source == "" {
			r.Source = source
		}
		if r.Fetched.IsZero() {
			r.Fetched = now
		}
		id := r.Identity()
		if i, ok := byID[id]; ok {
			uniq[i] = r
			continue
		}
		byID[id] = len(uniq)
		uniq = append(uniq, r)
	}
	cands, err := p.fresh(ctx, uniq)
	if err != nil {
		return pollStats{}, err
	}
	// Scoring is pure CPU work: done here, in the worker, outside the lock.
	for i := range cands {
		res := p.o.Scorer.Score(cands[i].r)
		if p.o.Reviewer != nil {
			res = p.o.Reviewer.Review(ctx, cands[i].r, res)
		}
		cands[i].st = store.Scored{Report: cands[i].r, Result: res, ScoredAt: now}
		if res.Alert && p.o.Summarizer != nil {
			pre := alerts.Incident{Title: cands[i].r.Title, Location: res.Location, Categories: res.Categories,
				Severity: res.Severity, Evidence: res.Evidence}
			cands[i].summary = strings.TrimSpace(p.o.Summarizer.Summarize(ctx, pre, cands[i].r))
		}
	}

	p.commitMu.Lock()
	defer p.commitMu.Unlock()
	// Another worker may have stored the same story (one URL in two feeds)
	// since fresh() looked: check again under the lock.
	if len(cands) > 0 {
		ids := make([]string, len(cands))
		for i, c := range cands {
			ids[i] = c.r.Identity()
		}
		known, err := p.o.Store.Known(ctx, ids)
		if err != nil {
			return pollStats{}, err
		}
		kept := cands[:0]
		for _, c := range cands {
			if h, ok := known[c.r.Identity()]; !ok || h != c.hash {
				kept = append(kept, c)
			}
		}
		cands = kept
	}
	b := store.Batch{Notifiers: p.o.Notifiers, Source: source, Outcome: out}
	if len(cands) == 0 {
		if out == nil {
			return pollStats{}, nil
		}
		return pollStats{}, p.o.Store.Apply(ctx, b)
	}
	open, err := p.o.Store.OpenIncidents(ctx)
	if err != nil {
		return pollStats{}, err
	}
	silences, err := p.o.Store.ActiveSilences(ctx, now)
	if err != nil {
		return pollStats{}, err
	}
	changed := map[string]int{} // incident id -> index in b.Incidents
	for _, c := range cands {
		b.Scored = append(b.Scored, c.st)
		r, res := c.r, c.st.Result
		if firstPoll && !r.Published.IsZero() && now.Sub(r.Published) > p.o.BacklogAge {
			if res.Alert {
				p.log.Info("backlog item not alerted", "source", source, "identity", r.Identity(),
					"published", r.Published, "reason", alerts.ReasonBacklog.String())
			}
			continue
		}
		if p.o.MaxReportAge > 0 && !r.Published.IsZero() && now.Sub(r.Published) > p.o.MaxReportAge {
			if res.Alert {
				p.log.Info("item older than the store's retention not alerted", "source", source, "identity", r.Identity(),
					"published", r.Published)
			}
			continue
		}
		prev := alerts.Match(open, res, r, now, p.o.Policy)
		d, reason := alerts.Decide(prev, res, r, now, p.o.Policy)
		if d.Action == alerts.Ignore {
			continue
		}
		if d.Emit != "" {
			probe := alerts.Alert{Incident: d.Incident, Result: res}
			if sl, ok := alerts.Silenced(silences, probe, now); ok {
				p.log.Info("event silenced", "incident", d.Incident.ID, "kind", d.Emit, "silence", sl.ID,
					"silence_kind", sl.Kind, "author", sl.Author)
				d = d.Silence()
				reason = alerts.ReasonSilenced
			}
		}
		inc := d.Incident
		if d.Emit != "" {
			inc.Summary = c.summary
			if inc.Summary == "" {
				inc.Summary = EvidenceSummary(inc) // no summarizer: cheap, no I/O
			}
			d.Incident = inc
			var a alerts.Alert
			a, inc = d.Alert(res, r, reason, now)
			b.Alerts = append(b.Alerts, a)
			p.o.Metrics.alert(a)
		}
		p.log.Info("incident decision", "incident", inc.ID, "action", d.Action.String(), "event", string(d.Emit),
			"reason", reason.String(), "severity", inc.Severity.String(), "location", inc.Location, "identity", r.Identity())
		if i, ok := changed[inc.ID]; ok {
			b.Incidents[i] = inc
		} else {
			changed[inc.ID] = len(b.Incidents)
			b.Incidents = append(b.Incidents, inc)
		}
		b.Links = append(b.Links, store.Link{IncidentID: inc.ID, Identity: r.Identity()})
		open = replaceIncident(open, inc)
	}
	if err := p.o.Store.Apply(ctx, b); err != nil {
		return pollStats{}, err
	}
	p.o.Metrics.scored(len(b.Scored))
	if len(b.Alerts) > 0 {
		p.o.Wake()
	}
	return pollStats{scored: len(b.Scored), events: len(b.Alerts)}, nil
}

// fresh returns the reports that are new or whose content changed.
func (p *Poller) fresh(ctx context.Context, rs []report.Report) ([]scored, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.Identity()
	}
	known, err := p.o.Store.Known(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []scored
	for i, r := range rs {
		h := r.ContentHash()
		if old, ok := known[ids[i]]; ok && old == h {
			continue
		}
		out = append(out, scored{r: r, hash: h})
	}
	return out, nil
}

// EvidenceSummary is the summary when no summarizer is configured: the first
// evidence sentence, which is by construction a sentence of a report.
func EvidenceSummary(inc alerts.Incident) string {
	if len(inc.Evidence) > 0 {
		return report.TruncateBytes(strings.TrimSpace(inc.Evidence[0].Sentence), 1000)
	}
	return inc.Title
}

func replaceIncident(open []alerts.Incident, inc alerts.Incident) []alerts.Incident {
	for i := range open {
		if open[i].ID == inc.ID {
			if !inc.Open() {
				return append(open[:i:i], open[i+1:]...)
			}
			open[i] = inc
			return open
		}
	}
	if inc.Open() {
		open = append(open, inc)
	}
	return open
}

// expire resolves incidents that have been quiet for Policy.QuietAfter.
func (p *Poller) expire(ctx context.Context, now time.Time) (int, error) {
	if p.o.Policy.QuietAfter <= 0 {
		return 0, nil
	}
	p.commitMu.Lock()
	defer p.commitMu.Unlock()
	open, err := p.o.Store.OpenIncidents(ctx)
	if err != nil {
		return 0, fmt.Errorf("expire: %w", err)
	}
	var b store.Batch
	b.Notifiers = p.o.Notifiers
	for _, inc := range open {
		d, reason := alerts.Expire(inc, now, p.o.Policy)
		if d.Action != alerts.Close {
			continue
		}
		next := d.Incident
		if d.Emit != "" {
			var a alerts.Alert
			a, next = d.Alert(latestResult(inc), report.Report{}, reason, now)
			b.Alerts = append(b.Alerts, a)
			p.o.Metrics.alert(a)
		}
		p.log.Info("incident decision", "incident", inc.ID, "action", d.Action.String(), "event", string(d.Emit), "reason", reason.String())
		b.Incidents = append(b.Incidents, next)
	}
	if len(b.Incidents) == 0 {
		return 0, nil
	}
	if err := p.o.Store.Apply(ctx, b); err != nil {
		return 0, fmt.Errorf("expire: %w", err)
	}
	if len(b.Alerts) > 0 {
		p.o.Wake()
	}
	return len(b.Incidents), nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// latestResult restates an incident as a verdict, for events that no report
// caused (quiet expiry).
func latestResult(inc alerts.Incident) rules.Result {
	return rules.Result{Alert: false, Severity: inc.Severity, Categories: inc.Categories, Location: inc.Location,
		Contested: inc.Contested, Evidence: inc.Evidence}
}

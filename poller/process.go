package poller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/vocab"
)

type pollStats struct {
	scored, events int
	failed         bool
}

// poll fetches one claimed source and commits what it brought; recording
// the outcome ends the claim. A fetch cut by shutdown records nothing and
// releases the claim: the source is due again at next start.
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
			p.releaseAll(ctx, []store.Source{src})
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
	in := batchSource{id: src.ID, holdBacklog: src.FirstPoll() && !src.AlertBacklog}
	st, err := p.process(ctx, in, f.Reports, out)
	if err != nil {
		if ctx.Err() != nil {
			p.releaseAll(ctx, []store.Source{src})
			return st, nil
		}
		// The batch did not commit: back off so a broken store is not
		// hammered, and keep the old validators so that the items are
		// fetched again.
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
	_, err := p.process(ctx, batchSource{id: source}, rs, nil)
	return err
}

// batchSource is where a batch of reports came from.
type batchSource struct {
	id string
	// holdBacklog: the source's first poll, and its backlog is not to
	// alert (see Options.BacklogAge).
	holdBacklog bool
}

type scored struct {
	r    report.Report
	hash string
	st   store.Scored
	// summary is the extractive summary of an alerting report, written
	// before the commit lock.
	summary string
}

// process stores and scores the new and changed reports of one poll, plans
// their incidents and records events, all in one transaction together with
// the poll outcome. Scoring and summaries happen before the commit lock;
// under it only the plan (pure) and the commit.
func (p *Poller) process(ctx context.Context, src batchSource, rs []report.Report, out *store.FetchOutcome) (pollStats, error) {
	now := p.o.Clock.Now()
	cands, err := p.fresh(ctx, p.dedupe(src.id, rs, now))
	if err != nil {
		return pollStats{}, err
	}
	p.score(ctx, cands, now)
	b := store.Batch{Notifiers: p.o.Notifiers, Source: src.id, Outcome: out}
	if len(cands) == 0 {
		if out == nil {
			return pollStats{}, nil
		}
		return pollStats{}, p.o.Store.Apply(ctx, b)
	}
	if !decides(cands) {
		// Nothing here can open, join or close an incident: the reports
		// and scores are stored without the decision lock (a replica
		// storing the same report meanwhile writes the same rows).
		for _, c := range cands {
			b.Scored = append(b.Scored, c.st)
		}
		if err := p.o.Store.Apply(ctx, b); err != nil {
			return pollStats{}, err
		}
		p.o.Metrics.scored(len(b.Scored))
		return pollStats{scored: len(b.Scored)}, nil
	}
	// Silences are read before the decision lock: a silence is an
	// operator's act, never a decision's, and holding the lock for it
	// would only lengthen every replica's wait.
	silences, err := p.o.Store.ActiveSilences(ctx, now)
	if err != nil {
		return pollStats{}, err
	}

	p.commitMu.Lock()
	defer p.commitMu.Unlock()
	var plan alerts.Plan
	err = p.o.Store.Decide(ctx, func(st store.DecisionState) (store.Batch, error) {
		// Another worker or replica may have stored the same story (one
		// URL in two feeds) since fresh() looked: check again under the
		// lock.
		kept, err := unknown(ctx, st, cands)
		if err != nil || len(kept) == 0 {
			return b, err
		}
		open, err := st.OpenIncidents(ctx)
		if err != nil {
			return b, err
		}
		in := make([]alerts.Input, len(kept))
		for i, c := range kept {
			b.Scored = append(b.Scored, c.st)
			r := c.r
			backlog := src.holdBacklog && (r.Published.IsZero() || now.Sub(r.Published) > p.o.BacklogAge)
			tooOld := p.o.MaxReportAge > 0 && !r.Published.IsZero() && now.Sub(r.Published) > p.o.MaxReportAge
			in[i] = alerts.Input{Report: r, Result: c.st.Result, Summary: c.summary, Backlog: backlog, TooOld: tooOld}
		}
		plan = alerts.PlanReports(open, in, silences, p.o.Policy, now)
		b.Incidents, b.Links, b.Alerts = plan.Incidents, plan.Links, plan.Alerts
		return b, nil
	})
	if err != nil {
		return pollStats{}, err
	}
	p.logSteps(src.id, plan.Steps)
	p.recorded(plan.Alerts)
	p.o.Metrics.scored(len(b.Scored))
	return pollStats{scored: len(b.Scored), events: len(b.Alerts)}, nil
}

// decides reports whether a batch needs an incident decision: a report
// that alerts, or one that de-escalates (it may close incidents).
func decides(cands []scored) bool {
	for _, c := range cands {
		if c.st.Result.Alert || slices.Contains(c.st.Result.Categories, string(vocab.DeEscalation)) {
			return true
		}
	}
	return false
}

// dedupe keeps one report per identity within a poll (a later item wins)
// and fills in source and fetch time.
func (p *Poller) dedupe(source string, rs []report.Report, now time.Time) []report.Report {
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
	return uniq
}

// reviewConcurrency bounds the second opinions asked at once for one batch:
// each is bounded by the reviewer's own budget, so a batch waits about one
// budget for a slow model, not one per report.
const reviewConcurrency = 8

// score scores the candidates (pure CPU work, in the worker, outside the
// lock), has the reviewer look at them side by side, and writes the
// extractive summary of the alerting ones: no model is asked for a summary
// here, so nothing waits for one.
func (p *Poller) score(ctx context.Context, cands []scored, now time.Time) {
	res := make([]rules.Result, len(cands))
	for i := range cands {
		res[i] = p.o.Scorer.Score(cands[i].r)
	}
	if p.o.Reviewer != nil {
		var wg sync.WaitGroup
		sem := make(chan struct{}, reviewConcurrency)
		for i := range cands {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				res[i] = p.o.Reviewer.Review(ctx, cands[i].r, res[i])
			}()
		}
		wg.Wait()
	}
	for i := range cands {
		c := &cands[i]
		c.st = store.Scored{Report: c.r, Result: res[i], ScoredAt: now}
		if res[i].Alert && p.o.Summarizer != nil {
			c.summary = strings.TrimSpace(p.o.Summarizer.Extract(preIncident(c.r, res[i]), c.r))
		}
	}
}

// preIncident is the incident a report would open on its own: what its
// summary is written from.
func preIncident(r report.Report, res rules.Result) alerts.Incident {
	return alerts.Incident{Title: r.Title, Location: res.Location, Categories: res.Categories,
		Severity: res.Severity, Evidence: res.Evidence}
}

// unknown returns the candidates whose identity and content are not
// stored by now.
func unknown(ctx context.Context, st store.DecisionState, cands []scored) ([]scored, error) {
	if len(cands) == 0 {
		return cands, nil
	}
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.r.Identity()
	}
	known, err := st.Known(ctx, ids)
	if err != nil {
		return nil, err
	}
	kept := make([]scored, 0, len(cands))
	for _, c := range cands {
		if h, ok := known[c.r.Identity()]; !ok || h != c.hash {
			kept = append(kept, c)
		}
	}
	return kept, nil
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

// recorded runs after a commit: metrics, a wake for the delivery stage, and
// the events whose summary a model may improve go to the enrichment queue.
func (p *Poller) recorded(events []alerts.Alert) {
	if len(events) == 0 {
		return
	}
	for _, a := range events {
		p.o.Metrics.alert(a)
	}
	p.o.Wake()
	if p.o.Summarizer == nil {
		return
	}
	for _, a := range events {
		if alerts.WantsSummary(a) {
			p.queueSummary(a)
		}
	}
}

func (p *Poller) logSteps(source string, steps []alerts.Step) {
	for _, s := range steps {
		switch s.Reason {
		case alerts.ReasonBacklog:
			p.log.Info("backlog item not alerted", "source", source, "identity", s.Identity, "reason", s.Reason.String())
			continue
		case alerts.ReasonTooOld:
			p.log.Info("item older than the store's retention not alerted", "source", source, "identity", s.Identity,
				"reason", s.Reason.String())
			continue
		}
		args := []any{"incident", s.IncidentID, "action", s.Action.String(), "event", string(s.Emit), "quiet", s.Quiet,
			"reason", s.Reason.String(), "severity", s.Severity.String(), "location", s.Location, "identity", s.Identity}
		if s.Silence != nil {
			args = append(args, "silence", s.Silence.ID, "silence_matchers", s.Silence.Describe(), "author", s.Silence.Author)
		}
		if s.InhibitedBy != "" {
			args = append(args, "inhibited_by", s.InhibitedBy)
		}
		p.log.Info("incident decision", args...)
	}
}

// expire resolves incidents that have been quiet for Policy.QuietAfter.
func (p *Poller) expire(ctx context.Context, now time.Time) (int, error) {
	if p.o.Policy.QuietAfter <= 0 {
		return 0, nil
	}
	p.commitMu.Lock()
	defer p.commitMu.Unlock()
	var plan alerts.Plan
	err := p.o.Store.Decide(ctx, func(st store.DecisionState) (store.Batch, error) {
		open, err := st.OpenIncidents(ctx)
		if err != nil {
			return store.Batch{}, err
		}
		plan = alerts.PlanExpiry(open, p.o.Policy, now)
		return store.Batch{Incidents: plan.Incidents, Alerts: plan.Alerts, Notifiers: p.o.Notifiers}, nil
	})
	if err != nil {
		return 0, fmt.Errorf("expire: %w", err)
	}
	if plan.Empty() {
		return 0, nil
	}
	p.logSteps("", plan.Steps)
	p.recorded(plan.Alerts)
	return len(plan.Incidents), nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

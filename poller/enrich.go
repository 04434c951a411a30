package poller

import (
	"context"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/store"
)

// Alert first, enrich after: an event is recorded and sent with its
// extractive summary at once; the events that set a summary (opened,
// escalated) are then queued here, and a model's text that arrives within
// its budget is recorded as a quiet "summarized" event that edits the
// message (Discord) or follows it (console, jsonl). A slow or hanging model
// delays no alert. The queue lives in memory: a crash loses only the
// improvement, never an alert.

type enrichJob struct{ a alerts.Alert }

// queueSummary queues an event for a model summary; when the queue is full
// the event keeps its extractive summary.
func (p *Poller) queueSummary(a alerts.Alert) {
	select {
	case p.enrich <- enrichJob{a: a}:
	default:
		p.o.Metrics.summaryDropped()
		p.log.Warn("summary queue full; the alert keeps its extractive summary", "alert", a.ID)
	}
}

// enrichLoop writes queued summaries until ctx ends.
func (p *Poller) enrichLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-p.enrich:
			p.enrichOne(ctx, j)
		}
	}
}

// Flush writes the model summaries of the events queued so far, one after
// the other, and returns how many were recorded (tocsin once, tests; the
// service's Run has workers for this).
func (p *Poller) Flush(ctx context.Context) (int, error) {
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		select {
		case j := <-p.enrich:
			if p.enrichOne(ctx, j) {
				n++
			}
		default:
			return n, nil
		}
	}
}

// enrichOne asks the model for one event's summary and records it if the
// incident is still as the event showed it (alerts.PlanSummary).
func (p *Poller) enrichOne(ctx context.Context, j enrichJob) bool {
	text, ok := p.o.Summarizer.Summarize(ctx, j.a.Incident, j.a.Report)
	if !ok || ctx.Err() != nil {
		return false
	}
	p.commitMu.Lock()
	defer p.commitMu.Unlock()
	var plan alerts.Plan
	found := false
	err := p.o.Store.Decide(ctx, func(st store.DecisionState) (store.Batch, error) {
		open, err := st.OpenIncidents(ctx)
		if err != nil {
			return store.Batch{}, err
		}
		// Only an open incident takes a summary (alerts.PlanSummary): one
		// resolved or pruned meanwhile is not among them.
		for _, cur := range open {
			if cur.ID == j.a.Incident.ID {
				found = true
				plan = alerts.PlanSummary(cur, j.a, text, p.o.Clock.Now())
				break
			}
		}
		return store.Batch{Incidents: plan.Incidents, Alerts: plan.Alerts, Notifiers: p.o.Notifiers}, nil
	})
	switch {
	case err != nil:
		if ctx.Err() == nil {
			p.log.Error("recording a model summary failed", "incident", j.a.Incident.ID, "error", err)
		}
		return false
	case !found:
		p.log.Debug("model summary dropped: the incident is no longer open", "incident", j.a.Incident.ID)
		return false
	case plan.Empty():
		p.log.Debug("model summary no longer applies", "incident", j.a.Incident.ID, "alert", j.a.ID)
		return false
	}
	p.logSteps("", plan.Steps)
	p.recorded(plan.Alerts)
	return true
}

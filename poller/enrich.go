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
	cur, found, err := p.o.Store.FindIncident(ctx, j.a.Incident.ID)
	if err != nil || !found {
		if ctx.Err() == nil {
			p.log.Warn("model summary dropped: incident not readable", "incident", j.a.Incident.ID, "found", found, "error", err)
		}
		return false
	}
	plan := alerts.PlanSummary(cur, j.a, text, p.o.Clock.Now())
	if plan.Empty() {
		p.log.Debug("model summary no longer applies", "incident", cur.ID, "alert", j.a.ID)
		return false
	}
	if err := p.o.Store.Apply(ctx, store.Batch{Incidents: plan.Incidents, Alerts: plan.Alerts, Notifiers: p.o.Notifiers}); err != nil {
		p.log.Error("recording a model summary failed", "incident", cur.ID, "error", err)
		return false
	}
	p.logSteps("", plan.Steps)
	p.recorded(plan.Alerts)
	return true
}

package poller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-alerts/tocsin/alerts"
)

// Metrics are the poller's Prometheus collectors. A nil *Metrics records
// nothing.
type Metrics struct {
	pollDuration prometheus.Histogram
	lagSeconds   prometheus.Histogram
	fetchErrors  *prometheus.CounterVec
	reports      prometheus.Counter
	alerts       *prometheus.CounterVec
	dropped      prometheus.Counter
}

// NewMetrics creates the collectors and registers them on reg (a registry
// owned by the app, never the global default).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		pollDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tocsin_poll_duration_seconds",
			Help: "Time to fetch one source.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		lagSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tocsin_poll_lag_seconds",
			Help:    "How long after it was due a source's poll started (all workers busy shows here).",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_fetch_errors_total",
			Help: "Failed polls by source and error kind."}, []string{"source", "kind"}),
		reports: prometheus.NewCounter(prometheus.CounterOpts{Name: "tocsin_reports_scored_total",
			Help: "New or changed reports scored."}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_alerts_total",
			Help: "Incident events recorded, by severity, kind and whether quiet."}, []string{"severity", "kind", "quiet"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "tocsin_summaries_dropped_total",
			Help: "Model summaries not attempted because the queue was full (the extractive one stood)."}),
	}
	for _, c := range []prometheus.Collector{m.pollDuration, m.lagSeconds, m.fetchErrors, m.reports, m.alerts, m.dropped} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) poll(d time.Duration) {
	if m != nil {
		m.pollDuration.Observe(d.Seconds())
	}
}

func (m *Metrics) lag(d time.Duration) {
	if m != nil {
		m.lagSeconds.Observe(max(d, 0).Seconds())
	}
}

func (m *Metrics) fetchError(source, kind string) {
	if m != nil {
		m.fetchErrors.WithLabelValues(source, kind).Inc()
	}
}

func (m *Metrics) scored(n int) {
	if m != nil {
		m.reports.Add(float64(n))
	}
}

func (m *Metrics) alert(a alerts.Alert) {
	if m != nil {
		quiet := "false"
		if a.Quiet {
			quiet = "true"
		}
		m.alerts.WithLabelValues(a.Incident.Severity.String(), string(a.Kind), quiet).Inc()
	}
}

func (m *Metrics) summaryDropped() {
	if m != nil {
		m.dropped.Inc()
	}
}

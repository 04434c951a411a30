package poller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-alerts/tocsin/alerts"
)

// Metrics are the poller's and dispatcher's Prometheus collectors. A nil
// *Metrics records nothing.
type Metrics struct {
	pollDuration prometheus.Histogram
	tickDuration prometheus.Histogram
	fetchErrors  *prometheus.CounterVec
	reports      prometheus.Counter
	alerts       *prometheus.CounterVec
	deliveries   *prometheus.CounterVec
	outbox       *prometheus.GaugeVec
}

// NewMetrics creates the collectors and registers them on reg (a registry
// owned by the app, never the global default).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		pollDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tocsin_poll_duration_seconds",
			Help: "Time to fetch one source.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		tickDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tocsin_tick_duration_seconds",
			Help: "Time of one poll cycle over all due sources.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_fetch_errors_total",
			Help: "Failed polls by source and error kind."}, []string{"source", "kind"}),
		reports: prometheus.NewCounter(prometheus.CounterOpts{Name: "tocsin_reports_scored_total",
			Help: "New or changed reports scored."}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_alerts_total",
			Help: "Incident events recorded, by severity and kind."}, []string{"severity", "kind"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_deliveries_total",
			Help: "Outbox delivery attempts by notifier and result."}, []string{"notifier", "result"}),
		outbox: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tocsin_outbox_depth",
			Help: "Outbox rows by state."}, []string{"state"}),
	}
	for _, c := range []prometheus.Collector{m.pollDuration, m.tickDuration, m.fetchErrors, m.reports, m.alerts, m.deliveries, m.outbox} {
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

func (m *Metrics) tick(d time.Duration) {
	if m != nil {
		m.tickDuration.Observe(d.Seconds())
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
		m.alerts.WithLabelValues(a.Incident.Severity.String(), string(a.Kind)).Inc()
	}
}

func (m *Metrics) delivery(notifier, result string) {
	if m != nil {
		m.deliveries.WithLabelValues(notifier, result).Inc()
	}
}

func (m *Metrics) outboxDepth(depth map[string]int) {
	if m != nil {
		for st, n := range depth {
			m.outbox.WithLabelValues(st).Set(float64(n))
		}
	}
}

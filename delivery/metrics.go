package delivery

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the delivery stage's Prometheus collectors. A nil *Metrics
// records nothing.
type Metrics struct {
	deliveries *prometheus.CounterVec
}

// NewMetrics creates the collectors and registers them on reg (a registry
// owned by the app, never the global default).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_deliveries_total",
			Help: "Outbox delivery attempts by notifier and result (sent, retry, failed)."}, []string{"notifier", "result"}),
	}
	if err := reg.Register(m.deliveries); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Metrics) delivery(notifier, result string) {
	if m != nil {
		m.deliveries.WithLabelValues(notifier, result).Inc()
	}
}

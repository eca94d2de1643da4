package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Metrics are the delivery metrics the dispatcher updates.
type Metrics struct {
	attempts *prometheus.CounterVec
	duration *prometheus.HistogramVec
	dead     *prometheus.CounterVec
	disabled *prometheus.CounterVec
}

// NewMetrics creates the delivery metrics and registers them on reg:
//
//   - lettrage_webhook_attempts_total{endpoint, result, code}: attempts by
//     endpoint, Result and HTTP status class ("2xx"… or "none");
//   - lettrage_webhook_attempt_duration_seconds{endpoint}: attempt latency;
//   - lettrage_webhook_dead_letters_total{endpoint}: deliveries given up;
//   - lettrage_webhook_endpoints_disabled_total{endpoint}: 410 Gone answers.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lettrage_webhook_attempts_total",
			Help: "Webhook delivery attempts by endpoint, result and HTTP status class.",
		}, []string{"endpoint", "result", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lettrage_webhook_attempt_duration_seconds",
			Help:    "Duration of webhook delivery attempts.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"endpoint"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lettrage_webhook_dead_letters_total",
			Help: "Webhook deliveries given up (dead letters, replayable).",
		}, []string{"endpoint"}),
		disabled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lettrage_webhook_endpoints_disabled_total",
			Help: "Webhook endpoints disabled after answering 410 Gone.",
		}, []string{"endpoint"}),
	}
	for _, c := range []prometheus.Collector{m.attempts, m.duration, m.dead, m.disabled} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register webhook metrics: %w", err)
		}
	}
	return m, nil
}

// observe records one attempt's outcome.
func (m *Metrics) observe(endpoint string, o Outcome) {
	if m == nil {
		return
	}
	code := "none"
	if o.StatusCode > 0 {
		code = fmt.Sprintf("%dxx", o.StatusCode/100)
	}
	m.attempts.WithLabelValues(endpoint, o.Result.String(), code).Inc()
	m.duration.WithLabelValues(endpoint).Observe(o.Duration.Seconds())
}

func (m *Metrics) deadLetter(endpoint string) {
	if m != nil {
		m.dead.WithLabelValues(endpoint).Inc()
	}
}

func (m *Metrics) endpointDisabled(endpoint string) {
	if m != nil {
		m.disabled.WithLabelValues(endpoint).Inc()
	}
}

// OutboxStatser is the part of the store the outbox collector reads.
type OutboxStatser interface {
	OutboxStats(ctx context.Context) (ledger.OutboxStats, error)
}

// NewOutboxCollector returns a collector that reads the outbox at each
// scrape: lettrage_webhook_outbox_pending (pending or in flight),
// lettrage_webhook_outbox_inflight, lettrage_webhook_outbox_dead and
// lettrage_webhook_outbox_oldest_pending_age_seconds (0 when nothing
// waits). now nil means time.Now. A failed read reports no sample and an
// invalid metric, which the scrape shows as an error.
func NewOutboxCollector(store OutboxStatser, now func() time.Time) prometheus.Collector {
	if now == nil {
		now = time.Now
	}
	return &outboxCollector{store: store, now: now}
}

type outboxCollector struct {
	store OutboxStatser
	now   func() time.Time
}

var (
	outboxPendingDesc  = prometheus.NewDesc("lettrage_webhook_outbox_pending", "Webhook deliveries not yet delivered nor dead (pending or in flight).", nil, nil)
	outboxInFlightDesc = prometheus.NewDesc("lettrage_webhook_outbox_inflight", "Webhook deliveries being attempted.", nil, nil)
	outboxDeadDesc     = prometheus.NewDesc("lettrage_webhook_outbox_dead", "Webhook deliveries given up (dead letters).", nil, nil)
	outboxOldestDesc   = prometheus.NewDesc("lettrage_webhook_outbox_oldest_pending_age_seconds", "Age of the oldest undelivered webhook delivery; 0 when none.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxPendingDesc
	ch <- outboxInFlightDesc
	ch <- outboxDeadDesc
	ch <- outboxOldestDesc
}

// Collect implements prometheus.Collector.
func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.store.OutboxStats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxPendingDesc, err)
		return
	}
	age := 0.0
	if !st.OldestPending.IsZero() {
		age = max(c.now().Sub(st.OldestPending).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(outboxPendingDesc, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(outboxInFlightDesc, prometheus.GaugeValue, float64(st.InFlight))
	ch <- prometheus.MustNewConstMetric(outboxDeadDesc, prometheus.GaugeValue, float64(st.Dead))
	ch <- prometheus.MustNewConstMetric(outboxOldestDesc, prometheus.GaugeValue, age)
}

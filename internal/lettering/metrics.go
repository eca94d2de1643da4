package lettering

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Metrics are the lettering metrics a Runner updates.
type Metrics struct {
	decisions *prometheus.CounterVec
	duration  prometheus.Histogram
	credits   prometheus.Counter
	auto      prometheus.Counter
	backlog   *prometheus.GaugeVec
	reversals *prometheus.CounterVec
	skipped   *prometheus.CounterVec
	batch     prometheus.Histogram
	errors    prometheus.Counter
}

// NewMetrics creates the lettering metrics and registers them on reg:
//
//   - lettrage_lettering_decisions_total{decision}: decisions recorded,
//     auto (applied), review (proposed) or unmatched;
//   - lettrage_lettering_match_duration_seconds: the engine's time to
//     decide on one credit;
//   - lettrage_lettering_credits_total and
//     lettrage_lettering_credits_auto_total: credits decided, and those
//     lettered automatically; their ratio is the automatic-lettrage rate
//     (rate(…auto_total) / rate(…credits_total));
//   - lettrage_lettering_review_backlog{decision}: proposals waiting for a
//     person (review, or unmatched), as of the last run;
//   - lettrage_lettering_reversals_total{result}: reversal debits seen:
//     reversed (the lettrage of the payment undone), ambiguous (several
//     lettered payments fit: left to a person), not_lettered (the payment
//     found has no lettrage), not_found;
//   - lettrage_lettering_skipped_total{reason}: credits not decided on:
//     not_matchable (not a booked credit with an amount), reversed (its
//     lettrage was reversed earlier), rejected (a person rejected its
//     proposal): the last two are left to people;
//   - lettrage_lettering_batch_duration_seconds: one batch (engine built,
//     statements lettered);
//   - lettrage_lettering_errors_total: runs that failed (retried).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lettrage_lettering_decisions_total",
			Help: "Lettering decisions recorded, by decision (auto, review, unmatched).",
		}, []string{"decision"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "lettrage_lettering_match_duration_seconds",
			Help:    "Time the matching engine takes to decide on one credit.",
			Buckets: []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5},
		}),
		credits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lettrage_lettering_credits_total",
			Help: "Credits decided on by the lettering.",
		}),
		auto: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lettrage_lettering_credits_auto_total",
			Help: "Credits lettered automatically (divide by lettrage_lettering_credits_total for the automatic-lettrage rate).",
		}),
		backlog: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lettrage_lettering_review_backlog",
			Help: "Proposals waiting for a person, by decision (review, unmatched), as of the last run.",
		}, []string{"decision"}),
		reversals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lettrage_lettering_reversals_total",
			Help: "Reversal debits, by result (reversed, ambiguous, not_lettered, not_found).",
		}, []string{"result"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lettrage_lettering_skipped_total",
			Help: "Credits not decided on, by reason (not_matchable, reversed, rejected).",
		}, []string{"reason"}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "lettrage_lettering_batch_duration_seconds",
			Help:    "Duration of one lettering batch (engine built from the store, statements lettered).",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lettrage_lettering_errors_total",
			Help: "Lettering runs that failed and will be retried.",
		}),
	}
	for _, c := range []prometheus.Collector{m.decisions, m.duration, m.credits, m.auto, m.backlog, m.reversals, m.skipped, m.batch, m.errors} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register lettering metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) decided(d ledger.Decision, took time.Duration) {
	if m == nil {
		return
	}
	m.decisions.WithLabelValues(string(d)).Inc()
	m.duration.Observe(took.Seconds())
	m.credits.Inc()
	if d == ledger.DecisionAuto {
		m.auto.Inc()
	}
}

func (m *Metrics) reversal(result string) {
	if m != nil {
		m.reversals.WithLabelValues(result).Inc()
	}
}

func (m *Metrics) skip(reason string) {
	if m != nil {
		m.skipped.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) backlogs(review, unmatched int) {
	if m != nil {
		m.backlog.WithLabelValues(string(ledger.DecisionReview)).Set(float64(review))
		m.backlog.WithLabelValues(string(ledger.DecisionUnmatched)).Set(float64(unmatched))
	}
}

func (m *Metrics) batchDone(d time.Duration) {
	if m != nil {
		m.batch.Observe(d.Seconds())
	}
}

func (m *Metrics) failed() {
	if m != nil {
		m.errors.Inc()
	}
}

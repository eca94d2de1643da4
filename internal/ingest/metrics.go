package ingest

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the ingestion metrics a Watcher updates.
type Metrics struct {
	files        *prometheus.CounterVec
	transactions *prometheus.CounterVec
	parse        *prometheus.HistogramVec
	gaps         prometheus.Counter
	inbox        prometheus.Gauge
	errors       *prometheus.CounterVec
	rejections   *prometheus.CounterVec
}

// NewMetrics creates the ingestion metrics and registers them on reg:
//
//   - lettrage_ingest_files_total{outcome, format}: files by outcome
//     (archived, rejected, duplicate) and statement format
//     ("camt.053.001.08", "cfonb120", or "unknown" when not recognised);
//   - lettrage_ingest_transactions_total{result}: transactions of stored
//     statements, "inserted" or "duplicate" (already stored from an
//     overlapping statement);
//   - lettrage_ingest_parse_duration_seconds{format}: time to read, hash
//     and parse one file;
//   - lettrage_ingest_sequence_gaps_total: statements whose electronic
//     sequence number skips numbers after the account's previous one;
//   - lettrage_ingest_inbox_files: files waiting in inbox/ (temporary and
//     hidden names not counted), as of the last look;
//   - lettrage_ingest_errors_total{stage}: transient failures (store or
//     file system) that made a file wait for a retry;
//   - lettrage_ingest_rejections_total{reason}: files rejected, by kind of
//     refusal (the Reason* constants, as each rejection report says).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lettrage_ingest_files_total",
			Help: "Statement files processed, by outcome (archived, rejected, duplicate) and format.",
		}, []string{"outcome", "format"}),
		transactions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lettrage_ingest_transactions_total",
			Help: "Bank transactions of stored statements: inserted, or duplicate of one already stored.",
		}, []string{"result"}),
		parse: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lettrage_ingest_parse_duration_seconds",
			Help:    "Time to read, hash and parse one statement file.",
			Buckets: []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"format"}),
		gaps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lettrage_ingest_sequence_gaps_total",
			Help: "Statements whose electronic sequence number is not the account's previous one plus one.",
		}),
		inbox: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lettrage_ingest_inbox_files",
			Help: "Files waiting in inbox/ as of the last look.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lettrage_ingest_errors_total",
			Help: "Transient ingestion failures, retried, by stage.",
		}, []string{"stage"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lettrage_ingest_rejections_total",
			Help: "Statement files rejected, by reason: not_a_file, too_large, unknown_format, parse_error, invalid_statement, changed_while_read, gave_up, duplicate_of_rejected, other.",
		}, []string{"reason"}),
	}
	for _, c := range []prometheus.Collector{m.files, m.transactions, m.parse, m.gaps, m.inbox, m.errors, m.rejections} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register ingest metrics: %w", err)
		}
	}
	return m, nil
}

func formatLabel(f string) string {
	if f == "" {
		return "unknown"
	}
	return f
}

func (m *Metrics) file(outcome, format string) {
	if m != nil {
		m.files.WithLabelValues(outcome, formatLabel(format)).Inc()
	}
}

func (m *Metrics) rejected(reason string) {
	if m != nil {
		m.rejections.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) stored(inserted, duplicates int) {
	if m != nil {
		m.transactions.WithLabelValues("inserted").Add(float64(inserted))
		m.transactions.WithLabelValues("duplicate").Add(float64(duplicates))
	}
}

func (m *Metrics) parsed(format string, d time.Duration) {
	if m != nil {
		m.parse.WithLabelValues(formatLabel(format)).Observe(d.Seconds())
	}
}

func (m *Metrics) gap() {
	if m != nil {
		m.gaps.Inc()
	}
}

func (m *Metrics) inboxFiles(n int) {
	if m != nil {
		m.inbox.Set(float64(n))
	}
}

func (m *Metrics) failed(stage string) {
	if m != nil {
		m.errors.WithLabelValues(stage).Inc()
	}
}

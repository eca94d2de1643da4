package dunningrun

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Metrics are the dunning runner's Prometheus series.
type Metrics struct {
	runs        *prometheus.CounterVec
	transitions *prometheus.CounterVec
	cases       *prometheus.GaugeVec
	lastRun     prometheus.Gauge
	lastAsOf    prometheus.Gauge
}

// NewMetrics registers the dunning series on reg:
// lettrage_dunning_runs_total{outcome} (ok, partial, failed, skipped: another
// replica ran the tick), lettrage_dunning_transitions_total{kind,action},
// lettrage_dunning_cases{stage,status} (refreshed after each run),
// lettrage_dunning_last_run_timestamp_seconds and
// lettrage_dunning_last_run_as_of_timestamp_seconds.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lettrage_dunning_runs_total",
			Help: "Scheduled dunning runs by outcome: ok, partial (some invoices failed), failed, skipped (another replica ran the tick)."}, []string{"outcome"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lettrage_dunning_transitions_total",
			Help: "Dunning changes stored, by kind (stage, pause, resume, close, reopen) and action."}, []string{"kind", "action"}),
		cases: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "lettrage_dunning_cases",
			Help: "Dunning cases by current stage and status, as of the last run of this replica."}, []string{"stage", "status"}),
		lastRun: prometheus.NewGauge(prometheus.GaugeOpts{Name: "lettrage_dunning_last_run_timestamp_seconds",
			Help: "When this replica last finished a dunning run (Unix time)."}),
		lastAsOf: prometheus.NewGauge(prometheus.GaugeOpts{Name: "lettrage_dunning_last_run_as_of_timestamp_seconds",
			Help: "The business date of the last dunning run of this replica (midnight UTC, Unix time)."}),
	}
	for _, c := range []prometheus.Collector{m.runs, m.transitions, m.cases, m.lastRun, m.lastAsOf} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register dunning metrics: %w", err)
		}
	}
	for _, o := range []string{"ok", "partial", "failed", "skipped"} {
		m.runs.WithLabelValues(o)
	}
	return m, nil
}

// refreshCases counts the stored cases by stage and status.
func (m *Metrics) refreshCases(ctx context.Context, s ledger.DunningStore) error {
	counts := map[[2]string]int{}
	after := ""
	for {
		cs, err := s.ListDunningCases(ctx, ledger.DunningFilter{After: after, Limit: pageSize})
		if err != nil {
			return err
		}
		for _, c := range cs {
			counts[[2]string{c.Stage, string(c.Status)}]++
		}
		if len(cs) < pageSize {
			break
		}
		after = cs[len(cs)-1].InvoiceID
	}
	m.cases.Reset()
	for k, n := range counts {
		m.cases.WithLabelValues(k[0], k[1]).Set(float64(n))
	}
	return nil
}

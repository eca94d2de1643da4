package dunningrun

import (
	"context"
	"fmt"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// SettledActor is the journal's actor of the changes CloseSettled stores.
const SettledActor = "dunning/payment"

// CloseSettled closes, as of asOf, the running cases (active or paused)
// whose invoice is now paid in full or cancelled, without waiting for the
// next scheduled run: the lettering calls it after it applied payments.
// It only evaluates those invoices, so no stage moves outside the
// schedule; the store lists them (DunningFilter.Settled), so a pass reads
// the cases to close, not every running case. Errors of one invoice are
// reported in Failed.
func (r *Runner) CloseSettled(ctx context.Context, asOf ledger.Date) (Report, error) {
	rep := Report{AsOf: asOf}
	var d *runData
	for _, status := range []ledger.DunningStatus{ledger.DunningActive, ledger.DunningPaused} {
		after := ""
		for {
			cs, err := r.cfg.Store.ListDunningCases(ctx, ledger.DunningFilter{Status: status, Settled: true, After: after, Limit: pageSize})
			if err != nil {
				return rep, fmt.Errorf("close settled cases: list %s cases: %w", status, err)
			}
			for i := range cs {
				c := cs[i]
				inv, err := r.cfg.Store.GetInvoice(ctx, c.InvoiceID)
				if err != nil {
					if ctx.Err() != nil {
						return rep, ctx.Err()
					}
					rep.Failed = append(rep.Failed, Problem{c.InvoiceID, err})
					continue
				}
				if inv.Status != ledger.InvoicePaid && inv.Status != ledger.InvoiceCancelled {
					continue
				}
				if d == nil {
					if d, err = r.loadRunData(ctx); err != nil {
						return rep, err
					}
				}
				one, err := r.evaluateInvoiceWith(ctx, d, inv, &c, asOf, SettledActor)
				rep.Evaluated++
				rep.Steps = append(rep.Steps, one.Steps...)
				rep.Conflicts += one.Conflicts
				if err != nil {
					if ctx.Err() != nil {
						return rep, ctx.Err()
					}
					rep.Failed = append(rep.Failed, Problem{c.InvoiceID, err})
				}
			}
			if len(cs) < pageSize {
				break
			}
			after = cs[len(cs)-1].InvoiceID
		}
	}
	if len(rep.Steps) > 0 {
		r.announce(rep.Steps)
		r.cfg.Logger.Info().Str("as_of", asOf.String()).Int("closed", rep.Count(StepClose)).Int("failed", len(rep.Failed)).
			Msg("dunning cases of paid invoices closed")
	}
	return rep, nil
}

// Settler runs CloseSettled after payments were applied: Notify asks for
// a pass (it never blocks; notifications that arrive during a pass give
// one more pass), at most one every MinInterval.
type Settler struct {
	runner *Runner
	every  time.Duration
	wake   chan struct{}
}

// NewSettler returns a Settler of r; minInterval ≤ 0 means 2 s.
func NewSettler(r *Runner, minInterval time.Duration) *Settler {
	if minInterval <= 0 {
		minInterval = 2 * time.Second
	}
	return &Settler{runner: r, every: minInterval, wake: make(chan struct{}, 1)}
}

// Notify asks for a pass.
func (s *Settler) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run makes the passes until ctx ends.
func (s *Settler) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
		rep, err := s.runner.CloseSettled(ctx, s.runner.Today())
		if err != nil && ctx.Err() == nil {
			s.runner.cfg.Logger.Warn().Err(err).Msg("closing the dunning cases of paid invoices failed; the next run will")
		}
		for _, p := range rep.Failed {
			s.runner.cfg.Logger.Warn().Err(p.Err).Str("invoice_id", p.InvoiceID).Msg("dunning case of a paid invoice not closed; the next run will")
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.every):
		}
	}
}

// announce wakes the outbox for the events of stored steps and counts
// them in lettrage_dunning_transitions_total.
func (r *Runner) announce(steps []Step) {
	if len(steps) == 0 {
		return
	}
	if r.cfg.OnEvents != nil {
		r.cfg.OnEvents()
	}
	if r.cfg.Metrics != nil {
		for _, s := range steps {
			r.cfg.Metrics.transitions.WithLabelValues(string(s.Kind), s.Action).Inc()
		}
	}
}

package lettering

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/reconcile"
)

// letterStatement letters a statement's booked credits that have no
// active match, in order, then applies its reversal debits. It stops at
// the first store error (the statement is then not recorded as lettered,
// and the next run carries on where it stopped).
func (r *Runner) letterStatement(ctx context.Context, b *batch, st *ledger.StoredStatement, sum *Summary) error {
	log := r.log.With().Str("statement_id", st.ID).Str("account", maskAccount(st.AccountID)).Logger()
	txs, err := r.transactions(ctx, ledger.TransactionFilter{StatementID: st.ID})
	if err != nil {
		return err
	}
	open, err := r.transactions(ctx, ledger.TransactionFilter{StatementID: st.ID, Direction: ledger.Credit, Status: ledger.StatusBooked, WithoutMatch: true})
	if err != nil {
		return err
	}
	free := make(map[string]bool, len(open))
	for _, t := range open {
		free[t.ID] = true
	}
	mismatched := entryMismatches(txs)
	for i := range txs {
		if bt := &txs[i]; free[bt.ID] {
			if err := r.letterCredit(ctx, b, st, bt, mismatched[bt.EntryIndex], log, sum); err != nil {
				return err
			}
		}
	}
	for i := range txs {
		if bt := &txs[i]; isReversal(bt) {
			if err := r.reverse(ctx, b, bt, log, sum); err != nil {
				return err
			}
		}
	}
	log.Debug().Int("transactions", len(txs)).Msg("statement lettered")
	return nil
}

// statusOf is the status a new decision is recorded with.
func statusOf(d ledger.Decision) ledger.MatchStatus {
	if d == ledger.DecisionAuto {
		return ledger.MatchApplied
	}
	return ledger.MatchProposed
}

// letterCredit decides on one credit and records the decision with its
// events in one store transaction: auto → applied match (invoices' open
// amounts reduced, paid at zero), lettrage.applied and invoice.paid;
// review → proposed match and lettrage.proposed; unmatched → an unmatched
// proposal (for a person to letter or dismiss) and payment.unmatched.
//
// A credit that already had a decision (now rejected or reversed) is left
// to people: a reversal means the money went back, a rejection that a
// person looked at it. A credit whose entry's details do not add up is at
// most proposed.
func (r *Runner) letterCredit(ctx context.Context, b *batch, st *ledger.StoredStatement, bt *ledger.BankTransaction, mismatched bool, log zerolog.Logger, sum *Summary) error {
	log = log.With().Str("transaction_id", bt.ID).Str("bank_ref", bt.BankRef).Logger()
	c := creditOf(st, bt)
	if bt.Transaction.Amount.Minor == 0 {
		log.Info().Msg("credit without an amount in its details: not lettered")
		r.m.skip("not_matchable")
		sum.Skipped++
		return nil
	}
	if err := reconcile.Matchable(c); err != nil {
		log.Info().Err(err).Msg("transaction not lettered")
		r.m.skip("not_matchable")
		sum.Skipped++
		return nil
	}
	history, err := r.cfg.Store.ListMatches(ctx, ledger.MatchFilter{TransactionID: bt.ID})
	if err != nil {
		return fmt.Errorf("decisions on transaction %s: %w", bt.ID, err)
	}
	for _, m := range history {
		switch {
		case m.Status.Active():
			return nil // decided meanwhile
		case m.Status == ledger.MatchReversed:
			log.Info().Str("match_id", m.ID).Msg("credit whose lettrage was reversed: left for a person")
			r.m.skip("reversed")
			sum.Skipped++
			return nil
		default:
			log.Info().Str("match_id", m.ID).Msg("credit whose proposal a person rejected: left for a person")
			r.m.skip("rejected")
			sum.Skipped++
			return nil
		}
	}
	for attempt := 1; ; attempt++ {
		eng, err := b.engine(ctx)
		if err != nil {
			return err
		}
		cp := eng.Checkpoint()
		start := time.Now()
		res, err := eng.Match(ctx, c)
		took := time.Since(start)
		if err != nil {
			eng.Rollback(cp)
			return fmt.Errorf("match transaction %s: %w", bt.ID, err)
		}
		if res.Decision == ledger.DecisionAuto && mismatched {
			res.Decision = ledger.DecisionReview
			res.Reasons = append(res.Reasons, "held for review: the entry's transaction details do not add up to its booked amount")
		}
		m := ledger.Match{TransactionID: bt.ID, Decision: res.Decision, Status: statusOf(res.Decision), Score: res.Score,
			Reasons: res.Reasons, Allocations: res.Allocations, Unapplied: res.Unapplied, WriteOff: res.WriteOff,
			DecidedBy: r.cfg.Engine.RuleVersion}
		out, err := r.cfg.Store.SaveMatch(ctx, m, ledger.Write[ledger.MatchOutcome]{
			Actor: r.cfg.Engine.RuleVersion, Reason: "lettering of statement " + st.ID, Events: matchEvents(nil)})
		if err != nil {
			eng.Rollback(cp)
			if errors.Is(err, ledger.ErrConflict) && attempt == 1 {
				// Another writer (a person through the API) moved an
				// invoice or decided on this transaction: reload the
				// invoices and decide again.
				log.Warn().Err(err).Msg("decision conflicts with the stored state; deciding again on fresh data")
				b.dirty = true
				again, err := r.cfg.Store.ListMatches(ctx, ledger.MatchFilter{TransactionID: bt.ID, Status: ""})
				if err != nil {
					return fmt.Errorf("decisions on transaction %s: %w", bt.ID, err)
				}
				for _, m := range again {
					if m.Status.Active() {
						return nil
					}
				}
				continue
			}
			return fmt.Errorf("record decision on transaction %s: %w", bt.ID, err)
		}
		eng.Commit()
		b.events = true
		r.m.decided(res.Decision, took)
		switch res.Decision {
		case ledger.DecisionAuto:
			sum.Auto++
		case ledger.DecisionReview:
			sum.Review++
		default:
			sum.Unmatched++
		}
		ev := log.Info().Str("match_id", out.Match.ID).Str("decision", string(res.Decision)).Float64("score", res.Score).
			Str("amount", bt.Transaction.Amount.String()).Str("currency", string(bt.Transaction.Amount.Currency))
		if ids := allocatedIDs(res.Allocations); ids != "" {
			ev = ev.Str("invoices", ids)
		}
		ev.Msg("credit decided")
		r.hook("decided")
		return nil
	}
}

// allocatedIDs lists the invoices of allocations for logs.
func allocatedIDs(as []ledger.Allocation) string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.InvoiceID
	}
	return strings.Join(ids, ",")
}

// maskAccount masks an account identifier for logs: an IBAN or a RIB shows
// its first four and last four characters only.
func maskAccount(s string) string {
	if len(s) <= 8 {
		return "…"
	}
	return s[:4] + "…" + s[len(s)-4:]
}

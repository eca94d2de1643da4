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
// active match, in order, then applies its reversal debits. A credit is at
// most proposed (held for review, with the reason) when its entry's
// details do not add up, or when it looks like a payment already stored
// from another statement under another reference (holdTwins). It stops at
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
	holds := make(map[string]string)
	for i := range txs {
		if bt := &txs[i]; free[bt.ID] && mismatched[bt.EntryIndex] {
			holds[bt.ID] = "held for review: the entry's transaction details do not add up to its booked amount"
		}
	}
	var todo []*ledger.BankTransaction
	for i := range txs {
		if bt := &txs[i]; free[bt.ID] {
			todo = append(todo, bt)
		}
	}
	if err := r.holdTwins(ctx, st, todo, holds); err != nil {
		return err
	}
	for len(todo) > 0 {
		n := min(len(todo), r.cfg.DecisionsPerCommit)
		if err := r.letterCredits(ctx, b, st, todo[:n], holds, log, sum); err != nil {
			return err
		}
		todo = todo[n:]
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

// decided is a decision taken by the engine, waiting to be stored.
type decided struct {
	bt   *ledger.BankTransaction
	res  reconcile.Result
	took time.Duration
	// supersededBy says why a review proposal was withdrawn (superseded).
	supersededBy string
}

// letterCredits decides on a run of credits (at most DecisionsPerCommit)
// with the engine and records
// the decisions in one store transaction (SaveMatches): each match with its
// allocations, invoices' open amounts, journal rows and events, all of the
// run or none. When the batch fails (a person lettered one of the invoices
// meanwhile, say) the engine forgets the run's decisions and the credits
// are decided again one at a time, each in its own transaction, through
// letterCredit and its retry on conflict.
func (r *Runner) letterCredits(ctx context.Context, b *batch, st *ledger.StoredStatement, bts []*ledger.BankTransaction,
	holds map[string]string, log zerolog.Logger, sum *Summary) error {
	eng, err := b.engine(ctx)
	if err != nil {
		return err
	}
	cp := eng.Checkpoint()
	var run []decided
	var ms []ledger.Match
	for _, bt := range bts {
		c, ok, err := r.decidable(ctx, st, bt, log, sum)
		if err != nil {
			eng.Rollback(cp)
			return err
		}
		if !ok {
			continue
		}
		start := time.Now()
		res, err := eng.Match(ctx, c)
		took := time.Since(start)
		if err != nil {
			eng.Rollback(cp)
			return fmt.Errorf("match transaction %s: %w", bt.ID, err)
		}
		res = hold(res, holds[bt.ID])
		run = append(run, decided{bt: bt, res: res, took: took})
		ms = append(ms, r.matchOf(bt, res))
	}
	if len(ms) == 0 {
		return nil
	}
	for _, i := range superseded(run) {
		run[i].res = unmatchedBy(run[i].bt, run[i].res, run[i].supersededBy)
		ms[i] = r.matchOf(run[i].bt, run[i].res)
	}
	r.hook("saving")
	outs, err := r.cfg.Store.SaveMatches(ctx, ms, r.decisionWrite(st))
	if err != nil {
		eng.Rollback(cp)
		if ctx.Err() != nil {
			return fmt.Errorf("record decisions: %w", err)
		}
		log.Warn().Err(err).Int("credits", len(run)).Msg("decisions not recorded together; deciding on them one at a time")
		for _, d := range run {
			if err := r.letterCredit(ctx, b, st, d.bt, holds[d.bt.ID], log, sum); err != nil {
				return err
			}
		}
		return nil
	}
	eng.Commit()
	b.events = true
	for i, d := range run {
		r.recorded(d.bt, d.res, d.took, outs[i], log, sum)
	}
	return nil
}

// superseded returns the indexes of the review proposals of run that
// allocate an invoice a later credit of the same run letters
// automatically (the engine lets a clearly stronger credit take an
// invoice a weaker proposal holds), noting in each which credit took it.
// Left as they are, they would wait in the review queue for an invoice
// already paid.
func superseded(run []decided) []int {
	takenBy := map[string]string{} // invoice id → bank reference of the automatic lettrage
	var out []int
	for i := len(run) - 1; i >= 0; i-- {
		res := run[i].res
		switch res.Decision {
		case ledger.DecisionAuto:
			for _, al := range res.Allocations {
				takenBy[al.InvoiceID] = run[i].bt.BankRef
			}
		case ledger.DecisionReview:
			for _, al := range res.Allocations {
				if ref, ok := takenBy[al.InvoiceID]; ok {
					run[i].supersededBy = fmt.Sprintf("invoice %s was lettered automatically to a stronger payment of the same statement (bank reference %s)", al.InvoiceID, ref)
					out = append(out, i)
					break
				}
			}
		}
	}
	return out
}

// unmatchedBy turns a superseded review proposal into an unmatched credit
// for a person, keeping the engine's reasons and saying why.
func unmatchedBy(bt *ledger.BankTransaction, res reconcile.Result, why string) reconcile.Result {
	amount := bt.Transaction.Amount
	return reconcile.Result{
		Decision: ledger.DecisionUnmatched, Score: res.Score, CustomerID: res.CustomerID,
		Reasons:   append(append([]string(nil), res.Reasons...), "no proposal: "+why),
		Unapplied: amount, WriteOff: ledger.Money{Currency: amount.Currency},
	}
}

// decidable rebuilds the credit of bt and tells whether the engine should
// decide on it: not when it has no amount or cannot be matched, nor when
// it already had a decision (see letterCredit).
func (r *Runner) decidable(ctx context.Context, st *ledger.StoredStatement, bt *ledger.BankTransaction, log zerolog.Logger, sum *Summary) (reconcile.Credit, bool, error) {
	log = log.With().Str("transaction_id", bt.ID).Str("bank_ref", bt.BankRef).Logger()
	c := creditOf(st, bt)
	if bt.Transaction.Amount.Minor == 0 {
		log.Info().Msg("credit without an amount in its details: not lettered")
		r.m.skip("not_matchable")
		sum.Skipped++
		return c, false, nil
	}
	if err := reconcile.Matchable(c); err != nil {
		log.Info().Err(err).Msg("transaction not lettered")
		r.m.skip("not_matchable")
		sum.Skipped++
		return c, false, nil
	}
	history, err := r.cfg.Store.ListMatches(ctx, ledger.MatchFilter{TransactionID: bt.ID})
	if err != nil {
		return c, false, fmt.Errorf("decisions on transaction %s: %w", bt.ID, err)
	}
	for _, m := range history {
		switch {
		case m.Status.Active():
			return c, false, nil // decided meanwhile
		case m.Status == ledger.MatchReversed:
			log.Info().Str("match_id", m.ID).Msg("credit whose lettrage was reversed: left for a person")
			r.m.skip("reversed")
			sum.Skipped++
			return c, false, nil
		default:
			log.Info().Str("match_id", m.ID).Msg("credit whose proposal a person rejected: left for a person")
			r.m.skip("rejected")
			sum.Skipped++
			return c, false, nil
		}
	}
	return c, true, nil
}

// hold keeps for review an automatic decision on a credit with a reason to
// be held (see letterStatement); whatever the decision, the reason is
// given to the person who will look at it.
func hold(res reconcile.Result, reason string) reconcile.Result {
	if reason == "" {
		return res
	}
	if res.Decision == ledger.DecisionAuto {
		res.Decision = ledger.DecisionReview
	}
	res.Reasons = append(res.Reasons, reason)
	return res
}

// matchOf is the match recording the engine's decision on bt.
func (r *Runner) matchOf(bt *ledger.BankTransaction, res reconcile.Result) ledger.Match {
	return ledger.Match{TransactionID: bt.ID, Decision: res.Decision, Status: statusOf(res.Decision), Score: res.Score,
		Reasons: res.Reasons, Allocations: res.Allocations, Unapplied: res.Unapplied, WriteOff: res.WriteOff,
		DecidedBy: r.cfg.Engine.RuleVersion}
}

// decisionWrite is the journal and events of the lettering's decisions.
func (r *Runner) decisionWrite(st *ledger.StoredStatement) ledger.Write[ledger.MatchOutcome] {
	return ledger.Write[ledger.MatchOutcome]{Actor: r.cfg.Engine.RuleVersion, Reason: "lettering of statement " + st.ID, Events: matchEvents(nil)}
}

// recorded counts and logs a stored decision.
func (r *Runner) recorded(bt *ledger.BankTransaction, res reconcile.Result, took time.Duration, out ledger.MatchOutcome, log zerolog.Logger, sum *Summary) {
	r.m.decided(res.Decision, took)
	switch res.Decision {
	case ledger.DecisionAuto:
		sum.Auto++
	case ledger.DecisionReview:
		sum.Review++
	default:
		sum.Unmatched++
	}
	ev := log.Info().Str("transaction_id", bt.ID).Str("bank_ref", bt.BankRef).Str("match_id", out.Match.ID).
		Str("decision", string(res.Decision)).Float64("score", res.Score).
		Str("amount", bt.Transaction.Amount.String()).Str("currency", string(bt.Transaction.Amount.Currency))
	if ids := allocatedIDs(res.Allocations); ids != "" {
		ev = ev.Str("invoices", ids)
	}
	ev.Msg("credit decided")
	r.hook("decided")
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
func (r *Runner) letterCredit(ctx context.Context, b *batch, st *ledger.StoredStatement, bt *ledger.BankTransaction, held string, log zerolog.Logger, sum *Summary) error {
	c, ok, err := r.decidable(ctx, st, bt, log, sum)
	if err != nil || !ok {
		return err
	}
	clog := log.With().Str("transaction_id", bt.ID).Str("bank_ref", bt.BankRef).Logger()
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
		res = hold(res, held)
		out, err := r.cfg.Store.SaveMatch(ctx, r.matchOf(bt, res), r.decisionWrite(st))
		if err != nil {
			eng.Rollback(cp)
			if errors.Is(err, ledger.ErrConflict) && attempt == 1 {
				// Another writer (a person through the API) moved an
				// invoice or decided on this transaction: reload the
				// invoices and decide again.
				clog.Warn().Err(err).Msg("decision conflicts with the stored state; deciding again on fresh data")
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
		r.recorded(bt, res, took, out, log, sum)
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

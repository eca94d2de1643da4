package lettering

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
)

// reversalReason is the journal reason of a lettrage undone by a reversal
// debit. It names the debit, so that a run interrupted after the reversal
// recognises it as done (see reversedBy).
func reversalReason(bt *ledger.BankTransaction) string {
	var b strings.Builder
	b.WriteString("reversal transaction " + bt.ID + " (bank ref " + bt.BankRef)
	if rr := bt.Transaction.ReturnReason; rr != "" {
		b.WriteString(", return reason " + rr)
	}
	b.WriteString(") undoes the payment")
	return b.String()
}

// lettered is a credit with its active lettrage.
type lettered struct {
	credit *ledger.BankTransaction
	match  ledger.Match
}

// reverse applies a reversal debit: it looks for the credit it undoes
// among the account's earlier booked credits (same amount and currency,
// booked no later, sharing an end-to-end reference: EndToEndId, UETR,
// TxId, InstrId or the bank's transaction reference) and, when exactly one
// of those is lettered, reverses that lettrage (the invoices get their
// open amounts back; lettrage.reversed per invoice). When several are
// lettered it cannot tell which one the bank took back: it reverses
// nothing and logs the candidates for a person (the API's reverse). A
// credit found without lettrage (still proposed, or unmatched) is logged:
// its proposal stays for the reviewer, who sees the reversal on the
// statement.
func (r *Runner) reverse(ctx context.Context, b *batch, bt *ledger.BankTransaction, log zerolog.Logger, sum *Summary) error {
	log = log.With().Str("transaction_id", bt.ID).Str("bank_ref", bt.BankRef).Str("return_reason", bt.Transaction.ReturnReason).
		Str("amount", bt.Transaction.Amount.String()).Logger()
	credits, err := b.accountCredits(ctx, bt.AccountID)
	if err != nil {
		return err
	}
	var found []*ledger.BankTransaction
	for i := range credits {
		c := &credits[i]
		switch {
		case c.ID == bt.ID, c.Reversal, c.Transaction.Amount != bt.Transaction.Amount:
			continue
		case !bt.BookingDate.IsZero() && !c.BookingDate.IsZero() && c.BookingDate.After(bt.BookingDate):
			continue
		case !sameReference(&c.Transaction, &bt.Transaction):
			continue
		}
		found = append(found, c)
	}
	if len(found) == 0 {
		log.Info().Msg("reversal debit: no earlier credit of this amount and reference; nothing to reverse")
		r.m.reversal("not_found")
		return nil
	}
	var hits []lettered
	var ids []string
	for _, c := range found {
		ms, err := r.cfg.Store.ListMatches(ctx, ledger.MatchFilter{TransactionID: c.ID})
		if err != nil {
			return fmt.Errorf("decisions on transaction %s: %w", c.ID, err)
		}
		ids = append(ids, c.ID)
		for _, m := range ms {
			switch {
			case m.Status.Lettered():
				hits = append(hits, lettered{credit: c, match: m})
			case m.Status == ledger.MatchReversed:
				done, err := r.reversedBy(ctx, m.ID, bt.ID)
				if err != nil {
					return err
				}
				if done {
					return nil // an interrupted run already reversed it
				}
			}
		}
	}
	switch len(hits) {
	case 0:
		log.Info().Strs("credits", ids).Msg("reversal debit: the credit it undoes has no lettrage; nothing to reverse")
		r.m.reversal("not_lettered")
		return nil
	case 1:
	default:
		mids := make([]string, len(hits))
		for i, h := range hits {
			mids[i] = h.match.ID
		}
		log.Warn().Strs("matches", mids).Msg("reversal debit fits several lettered credits: none reversed; a person must reverse the right one")
		r.m.reversal("ambiguous")
		return nil
	}
	h := hits[0]
	out, err := r.cfg.Store.ReverseMatch(ctx, h.match.ID, ledger.Write[ledger.MatchOutcome]{
		Actor: r.cfg.Engine.RuleVersion, Reason: reversalReason(bt), Events: matchEvents(bt)})
	if errors.Is(err, ledger.ErrConflict) {
		log.Warn().Err(err).Str("match_id", h.match.ID).Msg("reversal debit: the lettrage changed meanwhile; left for a person")
		r.m.reversal("not_lettered")
		return nil
	}
	if err != nil {
		return fmt.Errorf("reverse match %s: %w", h.match.ID, err)
	}
	b.dirty, b.events = true, true
	sum.Reversed++
	r.m.reversal("reversed")
	log.Info().Str("match_id", out.Match.ID).Str("credit_id", h.credit.ID).Str("invoices", allocatedIDs(out.Match.Allocations)).
		Msg("lettrage reversed: the bank took the payment back")
	r.hook("reversed")
	return nil
}

// reversedBy reports whether a reversed match was reversed by the given
// reversal debit (its journal names it).
func (r *Runner) reversedBy(ctx context.Context, matchID, debitID string) (bool, error) {
	recs, err := r.cfg.Store.ListAudit(ctx, ledger.AuditFilter{EntityType: "match", EntityID: matchID})
	if err != nil {
		return false, fmt.Errorf("journal of match %s: %w", matchID, err)
	}
	for _, rec := range recs {
		if rec.Action == "match.reversed" && strings.Contains(rec.Reason, "reversal transaction "+debitID+" ") {
			return true, nil
		}
	}
	return false, nil
}

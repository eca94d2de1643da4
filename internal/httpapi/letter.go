package httpapi

import (
	"fmt"
	"net/http"

	"github.com/lettrage/lettrage/internal/ledger"
)

// allocationInput is one allocation a person asks for.
type allocationInput struct {
	InvoiceID string `json:"invoice_id"`
	Amount    string `json:"amount"`
}

// editInput is the body of a manual lettrage or of a confirmation that
// corrects a proposal. Amounts are decimal strings in the transaction's
// currency and must account for the transaction exactly: allocations +
// unapplied − write_off = the transaction amount. Nothing is inferred.
type editInput struct {
	Reason      string            `json:"reason"`
	Allocations []allocationInput `json:"allocations"`
	Unapplied   string            `json:"unapplied"` // overpayment kept as unapplied cash; "0" when absent
	WriteOff    string            `json:"write_off"` // shortfall accepted as fees; "0" when absent
}

// edit parses the amounts in the currency of the transaction, whose sign
// (+1 credit, -1 debit) the allocations must have.
func (in *editInput) edit(cur ledger.Currency, sign int64) (*ledger.MatchEdit, error) {
	money := func(field, s string) (ledger.Money, error) {
		if s == "" {
			return ledger.Money{Currency: cur}, nil
		}
		m, err := ledger.ParseMoney(s, cur)
		if err != nil {
			return m, invalid("%s: %v (a decimal string in %s with at most %d decimals)", field, err, cur, cur.Exponent())
		}
		return m, nil
	}
	e := &ledger.MatchEdit{Allocations: make([]ledger.Allocation, 0, len(in.Allocations))}
	for i, al := range in.Allocations {
		if al.InvoiceID == "" {
			return nil, invalid("allocations[%d]: invoice_id is required", i)
		}
		if al.Amount == "" {
			return nil, invalid("allocations[%d]: amount is required", i)
		}
		m, err := money(fmt.Sprintf("allocations[%d].amount", i), al.Amount)
		if err != nil {
			return nil, err
		}
		if m.Minor == 0 || (m.Minor > 0) != (sign > 0) {
			return nil, invalid("allocations[%d]: amount %s: want a non-zero amount of the transaction's sign (%s)", i, al.Amount, signName(sign))
		}
		e.Allocations = append(e.Allocations, ledger.Allocation{InvoiceID: al.InvoiceID, Amount: m})
	}
	var err error
	if e.Unapplied, err = money("unapplied", in.Unapplied); err != nil {
		return nil, err
	}
	if e.WriteOff, err = money("write_off", in.WriteOff); err != nil {
		return nil, err
	}
	return e, nil
}

// letterTransaction letters a bank transaction by hand to invoices with
// the amounts given. A transaction without an active decision gets a new
// confirmed match (201); one with a pending proposal (review or unmatched)
// has that proposal confirmed with these allocations (200); one already
// lettered is a conflict (reverse that lettrage first). The payer is then
// learned.
func (a *api) letterTransaction(w http.ResponseWriter, r *http.Request) error {
	var in editInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if len(in.Allocations) == 0 {
		return invalid("allocations: at least one invoice is required")
	}
	ctx := r.Context()
	bt, err := a.store.GetTransaction(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	edit, err := in.edit(bt.Transaction.Amount.Currency, bt.Transaction.Direction.Sign())
	if err != nil {
		return err
	}
	ms, err := a.store.ListMatches(ctx, ledger.MatchFilter{TransactionID: bt.ID})
	if err != nil {
		return err
	}
	var active *ledger.Match
	for i := range ms {
		if ms[i].Status.Active() {
			active = &ms[i]
		}
	}
	actor := actorOf(r)
	reason := in.Reason
	if reason == "" {
		reason = "manual lettrage"
	}
	var o ledger.MatchOutcome
	status := http.StatusOK
	switch {
	case active == nil:
		o, err = a.store.SaveMatch(ctx, ledger.Match{
			TransactionID: bt.ID, Decision: ledger.DecisionReview, Status: ledger.MatchConfirmed,
			Reasons:     []string{"lettered by hand by " + actor},
			Allocations: edit.Allocations, Unapplied: edit.Unapplied, WriteOff: edit.WriteOff, DecidedBy: actor,
		}, lettrageWrite(actor, reason))
		status = http.StatusCreated
	case active.Status == ledger.MatchProposed:
		o, err = a.store.ConfirmMatchLearning(ctx, active.ID, edit, payerLesson, lettrageWrite(actor, reason))
	default:
		return &requestError{kind: ledger.ErrConflict, msg: fmt.Sprintf("transaction %s is already lettered by match %s (%s); reverse it first", bt.ID, active.ID, active.Status),
			details: map[string]string{"match_id": active.ID}}
	}
	if err != nil {
		return err
	}
	out := changeOf(o)
	if status == http.StatusCreated {
		out.Learned, out.Warnings = a.learn(ctx, o, actor)
	} else {
		out.Learned = learnedOf(o.Learned)
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/v1/matches/"+o.Match.ID)
	}
	writeJSON(w, status, out)
	return nil
}

func signName(sign int64) string {
	if sign < 0 {
		return "negative, a debit"
	}
	return "positive, a credit"
}

package httpapi

import (
	"context"
	"net/http"

	"github.com/lettrage/lettrage/internal/ledger"
)

// matchStatusFilters are the values of the status parameter of GET
// /v1/matches; "any" lifts the default of the review queue.
var matchStatusFilters = []string{
	string(ledger.MatchProposed), string(ledger.MatchApplied), string(ledger.MatchConfirmed),
	string(ledger.MatchRejected), string(ledger.MatchReversed), "any",
}

// listMatches lists matches in creation order, each with its transaction.
// decision=review or decision=unmatched without a status is the review
// queue: the proposals still waiting (status proposed); status=any lists
// them whatever became of them.
func (a *api) listMatches(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "decision", "status", "transaction_id", "invoice_id", "after", "limit"); err != nil {
		return err
	}
	p, err := a.pageOf(q)
	if err != nil {
		return err
	}
	decision, err := oneOf(q, "decision", string(ledger.DecisionAuto), string(ledger.DecisionReview), string(ledger.DecisionUnmatched))
	if err != nil {
		return err
	}
	status, err := oneOf(q, "status", matchStatusFilters...)
	if err != nil {
		return err
	}
	switch {
	case status == "any":
		status = ""
	case status == "" && (decision == string(ledger.DecisionReview) || decision == string(ledger.DecisionUnmatched)):
		status = string(ledger.MatchProposed)
	}
	ms, err := a.store.ListMatches(r.Context(), ledger.MatchFilter{
		Status: ledger.MatchStatus(status), Decision: ledger.Decision(decision),
		TransactionID: q.Get("transaction_id"), InvoiceID: q.Get("invoice_id"), After: p.after, Limit: p.limit + 1,
	})
	if err != nil {
		return err
	}
	out, err := pageOut(ms, p, func(m *ledger.Match) string { return m.ID }, func(m *ledger.Match) (matchJSON, error) {
		return a.matchWithTransaction(r.Context(), m)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// matchWithTransaction returns a match's JSON with its transaction.
func (a *api) matchWithTransaction(ctx context.Context, m *ledger.Match) (matchJSON, error) {
	out := matchOf(m)
	bt, err := a.store.GetTransaction(ctx, m.TransactionID)
	if err != nil {
		return out, err
	}
	t := transactionOf(&bt)
	out.Transaction = &t
	return out, nil
}

// getMatch returns a match with its transaction and the invoices it
// allocates to, as they stand.
func (a *api) getMatch(w http.ResponseWriter, r *http.Request) error {
	m, err := a.store.GetMatch(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	out, err := a.matchWithTransaction(r.Context(), &m)
	if err != nil {
		return err
	}
	out.Invoices = make([]invoiceJSON, 0, len(m.Allocations))
	for _, al := range m.Allocations {
		inv, err := a.store.GetInvoice(r.Context(), al.InvoiceID)
		if err != nil {
			return err
		}
		out.Invoices = append(out.Invoices, invoiceOf(&inv))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// changeJSON answers a change to a match: the match after it, its status
// before, the invoices whose open amounts moved (after), and what was
// learned about the payer.
type changeJSON struct {
	Match          matchJSON          `json:"match"`
	PreviousStatus ledger.MatchStatus `json:"previous_status,omitempty"`
	Invoices       []invoiceJSON      `json:"invoices"`
	Learned        *learnedJSON       `json:"learned,omitempty"`
	// Warnings report what went wrong after the change was committed
	// (learning the payer); the change itself stands.
	Warnings []string `json:"warnings,omitempty"`
}

func changeOf(o ledger.MatchOutcome) changeJSON {
	out := changeJSON{Match: matchOf(&o.Match), PreviousStatus: o.Previous, Invoices: invoicesOf(o.Invoices)}
	t := transactionOf(&o.Transaction)
	out.Match.Transaction = &t
	return out
}

// lettrageWrite is the Write of a change to a match made through the API:
// the token's name as actor, the reason given, and the lettrage events.
func lettrageWrite(actor, reason string) ledger.Write[ledger.MatchOutcome] {
	return ledger.Write[ledger.MatchOutcome]{Actor: actor, Reason: reason,
		Events: func(o ledger.MatchOutcome) ([]ledger.EventDraft, error) {
			return ledger.LettrageEvents(o, actor, reason)
		}}
}

// confirmMatch confirms a proposal, applying its allocations, or those of
// the body when it gives some (a person correcting the proposal), or
// confirms an automatic lettrage as it is; what it teaches about the payer
// is learned in the same transaction.
func (a *api) confirmMatch(w http.ResponseWriter, r *http.Request) error {
	var in editInput
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	id := r.PathValue("id")
	var edit *ledger.MatchEdit
	if in.Allocations != nil || in.Unapplied != "" || in.WriteOff != "" {
		m, err := a.store.GetMatch(r.Context(), id)
		if err != nil {
			return err
		}
		bt, err := a.store.GetTransaction(r.Context(), m.TransactionID)
		if err != nil {
			return err
		}
		if edit, err = in.edit(bt.Transaction.Amount.Currency, bt.Transaction.Direction.Sign()); err != nil {
			return err
		}
	}
	actor := actorOf(r)
	o, err := a.store.ConfirmMatchLearning(r.Context(), id, edit, payerLesson, lettrageWrite(actor, in.Reason))
	if err != nil {
		return err
	}
	out := changeOf(o)
	out.Learned = learnedOf(o.Learned)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// reasonInput is the body of a rejection, a reversal or a replay.
type reasonInput struct {
	Reason string `json:"reason"`
}

// requiredReason reads a body whose reason is required: a proposal is not
// rejected, nor a lettrage reversed, without saying why.
func requiredReason(r *http.Request) (string, error) {
	var in reasonInput
	if err := decodeJSON(r, &in, false); err != nil {
		return "", err
	}
	if in.Reason == "" {
		return "", invalid("reason is required")
	}
	return in.Reason, nil
}

// rejectMatch refuses a proposal; its transaction is free for a new
// decision.
func (a *api) rejectMatch(w http.ResponseWriter, r *http.Request) error {
	reason, err := requiredReason(r)
	if err != nil {
		return err
	}
	o, err := a.store.RejectMatch(r.Context(), r.PathValue("id"), lettrageWrite(actorOf(r), reason))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, changeOf(o))
	return nil
}

// reverseMatch undoes an applied or confirmed lettrage: the invoices get
// their open amounts back and lettrage.reversed is emitted.
func (a *api) reverseMatch(w http.ResponseWriter, r *http.Request) error {
	reason, err := requiredReason(r)
	if err != nil {
		return err
	}
	o, err := a.store.ReverseMatch(r.Context(), r.PathValue("id"), lettrageWrite(actorOf(r), reason))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, changeOf(o))
	return nil
}

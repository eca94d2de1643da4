package httpapi

import (
	"net/http"

	"github.com/lettrage/lettrage/internal/ledger"
)

// listTransactions lists bank transactions in storage order. unmatched=true
// keeps those without an active decision: never decided yet, or whose
// decisions were all rejected or reversed. The engine's own "unmatched"
// verdicts are proposals, listed by GET /v1/matches?decision=unmatched.
func (a *api) listTransactions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "unmatched", "direction", "status", "statement_id", "account_id", "after", "limit"); err != nil {
		return err
	}
	p, err := a.pageOf(q)
	if err != nil {
		return err
	}
	unmatched, err := boolParam(q, "unmatched")
	if err != nil {
		return err
	}
	dir, err := oneOf(q, "direction", "credit", "debit")
	if err != nil {
		return err
	}
	status, err := oneOf(q, "status", "booked", "pending", "info")
	if err != nil {
		return err
	}
	f := ledger.TransactionFilter{
		StatementID: q.Get("statement_id"), AccountID: q.Get("account_id"), WithoutMatch: unmatched,
		Status: map[string]ledger.EntryStatus{"booked": ledger.StatusBooked, "pending": ledger.StatusPending, "info": ledger.StatusInfo, "": ""}[status],
		After:  p.after, Limit: p.limit + 1,
	}
	switch dir {
	case "credit":
		f.Direction = ledger.Credit
	case "debit":
		f.Direction = ledger.Debit
	}
	txs, err := a.store.ListTransactions(r.Context(), f)
	if err != nil {
		return err
	}
	out, err := pageOut(txs, p, func(b *ledger.BankTransaction) string { return b.ID },
		func(b *ledger.BankTransaction) (transactionJSON, error) { return transactionOf(b), nil })
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getTransaction returns a bank transaction with every decision about it.
func (a *api) getTransaction(w http.ResponseWriter, r *http.Request) error {
	bt, err := a.store.GetTransaction(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	ms, err := a.store.ListMatches(r.Context(), ledger.MatchFilter{TransactionID: bt.ID, Limit: maxMatchesShown})
	if err != nil {
		return err
	}
	out := transactionOf(&bt)
	out.Matches = make([]matchJSON, len(ms))
	for i := range ms {
		out.Matches[i] = matchOf(&ms[i])
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

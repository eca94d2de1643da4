package lettering

import (
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/reconcile"
)

// creditOf rebuilds, from a stored transaction and its statement, the
// credit the engine reads: the statement header, an entry carrying what
// the store kept of it, and the transaction. Fingerprint gives the same
// result as on the parsed statement (account, date, amount, references,
// payer, remittance, positions).
func creditOf(st *ledger.StoredStatement, bt *ledger.BankTransaction) reconcile.Credit {
	header := st.Header
	e := &ledger.Entry{
		Index:          bt.EntryIndex,
		Amount:         bt.EntryAmount,
		Direction:      bt.Transaction.Direction,
		Status:         bt.Status,
		Reversal:       bt.Reversal,
		BookingDate:    bt.BookingDate,
		ValueDate:      bt.ValueDate,
		AcctSvcrRef:    bt.EntryAcctSvcrRef,
		EntryRef:       bt.EntryRef,
		BankTxCode:     bt.BankTxCode,
		AdditionalInfo: bt.EntryInfo,
		Transactions:   []ledger.Transaction{bt.Transaction},
	}
	return reconcile.Credit{Statement: &header, Entry: e, Tx: &e.Transactions[0]}
}

// isReversal reports whether a stored debit undoes an earlier credit: a
// booked debit flagged as a reversal (CAMT RvslInd), or carrying a return
// reason (a SEPA return or a direct debit coming back unpaid).
func isReversal(bt *ledger.BankTransaction) bool {
	return bt.Status == ledger.StatusBooked && bt.Transaction.Direction == ledger.Debit &&
		(bt.Reversal || bt.Transaction.ReturnReason != "")
}

// entryMismatches returns the entries (by index) of a statement whose
// stored transactions do not add up to the booked entry amount: details in
// another currency or direction, a detail without amount, or details
// missing (stored with an earlier statement). The engine does not see
// entries, so their credits are never lettered without a person.
func entryMismatches(txs []ledger.BankTransaction) map[int]bool {
	type sum struct {
		total  int64
		amount ledger.Money
		bad    bool
		dir    ledger.Direction
	}
	sums := map[int]*sum{}
	for i := range txs {
		bt := &txs[i]
		s, ok := sums[bt.EntryIndex]
		if !ok {
			s = &sum{amount: bt.EntryAmount, dir: bt.Transaction.Direction}
			sums[bt.EntryIndex] = s
		}
		t := bt.Transaction.Amount
		if t.Minor <= 0 || t.Currency != s.amount.Currency || bt.Transaction.Direction != s.dir {
			s.bad = true
			continue
		}
		var ok2 bool
		if s.total, ok2 = ledger.AddMinor(s.total, t.Minor); !ok2 {
			s.bad = true
		}
	}
	out := map[int]bool{}
	for idx, s := range sums {
		if s.bad || s.total != s.amount.Minor {
			out[idx] = true
		}
	}
	return out
}

// sameReference reports whether two transactions share a reference that
// identifies a payment end to end: the EndToEndId, the UETR, the
// transaction id, the instruction id or the bank's own transaction
// reference. "NOTPROVIDED" was dropped by the parsers.
func sameReference(a, b *ledger.Transaction) bool {
	eq := func(x, y string) bool { return x != "" && x == y }
	return eq(a.EndToEndID, b.EndToEndID) || eq(a.UETR, b.UETR) || eq(a.TransactionID, b.TransactionID) ||
		eq(a.InstructionID, b.InstructionID) || eq(a.AcctSvcrRef, b.AcctSvcrRef)
}

package ledger

import (
	"testing"
	"time"
)

func dedupEntry(ref, e2e string, minor int64, d Date, status EntryStatus) *Entry {
	return &Entry{Amount: Money{minor, "EUR"}, Direction: Credit, Status: status, BookingDate: d, AcctSvcrRef: ref,
		Transactions: []Transaction{{Index: 1, Amount: Money{minor, "EUR"}, Direction: Credit, EndToEndID: e2e}}}
}

func TestKeyTransactions(t *testing.T) {
	d1, d2 := NewDate(2026, time.November, 3), NewDate(2026, time.November, 4)
	key := func(acct string, es ...*Entry) []string {
		var out []string
		for _, k := range KeyTransactions(acct, es) {
			out = append(out, k.Key)
		}
		return out
	}
	base := key("FR76A", dedupEntry("R1", "E1", 100, d1, StatusBooked))[0]
	for _, tc := range []struct {
		name string
		key  string
		same bool
	}{
		{"same values", key("FR76A", dedupEntry("R1", "E1", 100, d1, StatusBooked))[0], true},
		{"other account", key("FR76B", dedupEntry("R1", "E1", 100, d1, StatusBooked))[0], false},
		{"reference reused another day", key("FR76A", dedupEntry("R1", "E1", 100, d2, StatusBooked))[0], false},
		{"other amount", key("FR76A", dedupEntry("R1", "E1", 101, d1, StatusBooked))[0], false},
		{"other end-to-end id", key("FR76A", dedupEntry("R1", "E2", 100, d1, StatusBooked))[0], false},
		{"pending then booked", key("FR76A", dedupEntry("R1", "E1", 100, d1, StatusPending))[0], false},
		{"second identical one", key("FR76A", dedupEntry("R1", "E1", 100, d1, StatusBooked), dedupEntry("R1", "E1", 100, d1, StatusBooked))[1], false},
		{"first of two identical ones", key("FR76A", dedupEntry("R1", "E1", 100, d1, StatusBooked), dedupEntry("R1", "E1", 100, d1, StatusBooked))[0], true},
		{"after another payment", key("FR76A", dedupEntry("X", "Y", 5, d1, StatusBooked), dedupEntry("R1", "E1", 100, d1, StatusBooked))[1], true},
	} {
		if got := tc.key == base; got != tc.same {
			t.Errorf("%s: same key %v, want %v", tc.name, got, tc.same)
		}
	}
	if got := DedupKey("FR76A", dedupEntry("R1", "E1", 100, d1, StatusBooked), &dedupEntry("R1", "E1", 100, d1, StatusBooked).Transactions[0], 1); got != base {
		t.Errorf("DedupKey %s, KeyTransactions %s", got, base)
	}
	debit := dedupEntry("R1", "E1", 100, d1, StatusBooked)
	debit.Direction, debit.Transactions[0].Direction = Debit, Debit
	if key("FR76A", debit)[0] == base {
		t.Error("a debit and a credit with the same values share a key")
	}
}

func TestEntryWithoutDetailsIsOneTransaction(t *testing.T) {
	e := &Entry{Index: 3, Amount: Money{999, "EUR"}, Direction: Debit, Status: StatusBooked, AcctSvcrRef: "FEE", AdditionalInfo: "FRAIS"}
	ks := KeyTransactions("FR76A", []*Entry{e})
	if len(ks) != 1 || ks[0].Transaction.Amount != e.Amount || ks[0].Transaction.Direction != Debit || ks[0].Transaction.AcctSvcrRef != "FEE" {
		t.Fatalf("keyed %+v", ks)
	}
	bt := NewBankTransaction(&Statement{Account: Account{IBAN: "FR76A"}}, ks[0])
	if bt.BankRef != "FEE" || bt.EntryIndex != 3 || bt.AccountID != "FR76A" || bt.Signed() != (Money{-999, "EUR"}) || bt.EntryInfo != "FRAIS" {
		t.Fatalf("bank transaction %+v", bt)
	}
}

package lettering

import (
	"slices"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

func TestTwins(t *testing.T) {
	d := ledger.NewDate(2026, 11, 3)
	camt := ledger.BankTransaction{BookingDate: d, ValueDate: d, Transaction: ledger.Transaction{
		Amount: eur("1200.00"), Direction: ledger.Credit, AcctSvcrRef: "2026110300012", EndToEndID: "E2E-1",
		Debtor: ledger.Party{Name: "BOULANGERIE MARTINEAU", IBAN: "FR76 3000 6000 0112 3456 7890 189"}, Remittance: []string{"Reglement fact. FA-2026-0012, merci"}}}
	cases := []struct {
		name   string
		change func(*ledger.BankTransaction)
		want   bool
	}{
		{"CFONB record of the same payment: other reference, no end-to-end id, remittance cut in 31-character lines", func(b *ledger.BankTransaction) {
			b.Transaction.AcctSvcrRef, b.Transaction.EndToEndID, b.Transaction.Debtor.IBAN = "0000123", "", ""
			b.Transaction.Remittance = []string{"REGLEMENT FACT FA 2026 0012 ME"}
		}, true},
		{"same end-to-end id", func(b *ledger.BankTransaction) { b.Transaction.AcctSvcrRef = "X" }, true},
		{"a second payment of the invoice: another end-to-end id", func(b *ledger.BankTransaction) { b.Transaction.EndToEndID = "E2E-2" }, false},
		{"another payer account", func(b *ledger.BankTransaction) { b.Transaction.Debtor.IBAN = "DE89370400440532013000" }, false},
		{"another amount", func(b *ledger.BankTransaction) { b.Transaction.Amount = eur("1200.01") }, false},
		{"another value date", func(b *ledger.BankTransaction) { b.ValueDate = d.AddDays(1) }, false},
		{"other remittance", func(b *ledger.BankTransaction) { b.Transaction.Remittance = []string{"FA-2026-0013"} }, false},
		{"no remittance against some", func(b *ledger.BankTransaction) { b.Transaction.Remittance = nil }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			other := camt
			other.Transaction.Remittance = slices.Clone(camt.Transaction.Remittance)
			c.change(&other)
			if got := twins(&camt, &other); got != c.want {
				t.Errorf("twins = %v, want %v", got, c.want)
			}
			if got := twins(&other, &camt); got != c.want {
				t.Errorf("twins (other way round) = %v, want %v", got, c.want)
			}
		})
	}
}

// TestSamePaymentInTwoFormatsIsHeld: the payment of S1-1 comes again in a
// statement of another format (other references, truncated remittance).
// Both are stored; the second is only proposed, with a reason naming the
// first, and the invoice is lettered once.
func TestSamePaymentInTwoFormatsIsHeld(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.importLedger()
		e.dayOne()
		e.saveStatement("C1", day("2026-11-03"),
			credit("1200.00", "BOULANGERIE MARTINEAU", "", "REGLEMENT FACT FA-2026-00"),
			credit("1200.00", "BOULANGERIE MARTINEAU", "E2E-9", "REGLEMENT FACT FA-2026-0012"))
		e.runOnce()
		first, twin, second := e.transactionOf("S1-1"), e.transactionOf("C1-1"), e.transactionOf("C1-2")
		if ms := e.matchesOf(first.ID); len(ms) != 1 || ms[0].Status != ledger.MatchApplied {
			t.Fatalf("first credit %+v", ms)
		}
		ms := e.matchesOf(twin.ID)
		if len(ms) != 1 || ms[0].Status == ledger.MatchApplied || !slices.ContainsFunc(ms[0].Reasons, func(r string) bool {
			return strings.Contains(r, "suspected duplicate of transaction "+first.ID)
		}) {
			t.Fatalf("the same payment from the other statement: %+v", ms)
		}
		for _, m := range e.matchesOf(second.ID) {
			if slices.ContainsFunc(m.Reasons, func(r string) bool { return strings.Contains(r, "suspected duplicate") }) {
				t.Errorf("a second payment (its own end-to-end id) flagged as a duplicate: %+v", m)
			}
		}
		applied, err := e.store.ListMatches(t.Context(), ledger.MatchFilter{InvoiceID: "I01", Status: ledger.MatchApplied})
		if err != nil || len(applied) != 1 {
			t.Fatalf("I01 lettered by %d matches (%v), want 1", len(applied), err)
		}
	})
}

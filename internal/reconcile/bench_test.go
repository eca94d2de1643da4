package reconcile

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// synthBooks builds n open invoices of n/4 customers, numbered like
// "FA-2025-000123", with real-looking names and, for half the customers, a
// known IBAN. It is for benchmarks: sizes, not realism, matter.
func synthBooks(n int, seed uint64) ([]ledger.Invoice, []ledger.Customer) {
	rng := rand.New(rand.NewPCG(seed, 7))
	words := []string{"BOULANGERIE", "TRANSPORTS", "GARAGE", "CABINET", "PHARMACIE", "MENUISERIE", "ATELIER",
		"MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU",
		"SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER"}
	forms := []string{"SARL", "SAS", "SA", "EURL", ""}
	nc := max(1, n/4)
	custs := make([]ledger.Customer, nc)
	for i := range custs {
		name := fmt.Sprintf("%s %s %s%d %s", words[rng.IntN(7)], words[7+rng.IntN(20)], words[7+rng.IntN(20)][:3], i, forms[rng.IntN(5)])
		custs[i] = ledger.Customer{ID: fmt.Sprintf("C%06d", i), Name: name}
		if i%2 == 0 {
			custs[i].IBANs = []string{synthIBAN(i)}
		}
	}
	invs := make([]ledger.Invoice, n)
	for i := range invs {
		c := &custs[rng.IntN(nc)]
		amt := ledger.Money{Minor: int64(1000 + rng.IntN(500000)), Currency: "EUR"}
		d := ledger.NewDate(2025, 1, 1).AddDays(rng.IntN(300))
		invs[i] = ledger.Invoice{ID: fmt.Sprintf("I%07d", i), Number: fmt.Sprintf("FA-2025-%06d", i), CustomerID: c.ID,
			CustomerName: c.Name, Amount: amt, Open: amt, IssueDate: d, DueDate: d.AddDays(30), Status: ledger.InvoiceOpen}
	}
	return invs, custs
}

// synthIBAN returns a valid French IBAN numbered i.
func synthIBAN(i int) string {
	bban := fmt.Sprintf("30004%05d%011d%02d", i%100000, i, 0)
	// ISO 13616 check digits: move "FR00" to the end, letters to numbers.
	s := bban + "152700"
	m := 0
	for _, c := range s {
		m = (m*10 + int(c-'0')) % 97
	}
	return fmt.Sprintf("FR%02d%s", 98-m, bban)
}

// synthCredits draws credits against the books: half name their invoice
// (as printed or rewritten), a fifth come from a known IBAN, a tenth carry
// a typo, the rest are unrelated.
func synthCredits(invs []ledger.Invoice, custs []ledger.Customer, n int, seed uint64) []Credit {
	rng := rand.New(rand.NewPCG(seed, 11))
	byID := map[string]*ledger.Customer{}
	for i := range custs {
		byID[custs[i].ID] = &custs[i]
	}
	st := &ledger.Statement{Account: ledger.Account{IBAN: "FR7610107001011234567890129", Currency: "EUR"}}
	out := make([]Credit, n)
	for k := range out {
		inv := &invs[rng.IntN(len(invs))]
		c := byID[inv.CustomerID]
		tx := ledger.Transaction{Index: 1, Amount: inv.Open, Direction: ledger.Credit, AcctSvcrRef: fmt.Sprintf("REF%08d", k),
			Debtor: ledger.Party{Name: c.Name}}
		switch x := rng.IntN(10); {
		case x < 5:
			tx.Remittance = []string{fmt.Sprintf("VIR SEPA REGLEMENT FACTURE %s DU 12/03/2025", inv.Number)}
		case x < 7:
			if len(c.IBANs) > 0 {
				tx.Debtor.IBAN = c.IBANs[0]
			}
			tx.Remittance = []string{"PAIEMENT FOURNISSEUR MARS 2025"}
		case x < 8:
			b := []byte(inv.Number)
			b[len(b)-1], b[len(b)-2] = b[len(b)-2], b[len(b)-1]
			tx.Remittance = []string{"FACT " + string(b)}
		default:
			tx.Amount = ledger.Money{Minor: int64(1000 + rng.IntN(900000)), Currency: "EUR"}
			tx.Debtor.Name = "DGFIP REMBOURSEMENT"
			tx.Remittance = []string{"REMBOURSEMENT CREDIT TVA 2025 N 123456789"}
		}
		e := &ledger.Entry{Index: k + 1, Amount: tx.Amount, Direction: ledger.Credit, Status: ledger.StatusBooked,
			BookingDate: ledger.NewDate(2025, 11, 3), Transactions: []ledger.Transaction{tx}}
		out[k] = Credit{Statement: st, Entry: e, Tx: &e.Transactions[0]}
	}
	return out
}

func BenchmarkNewEngine(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		invs, custs := synthBooks(n, 1)
		b.Run(fmt.Sprintf("invoices=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := NewEngine(DefaultConfig(), invs, custs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/invoice")
		})
	}
}

// BenchmarkMatch measures Match per credit. The engine is rebuilt when the
// credits run out, outside the timer, so each credit meets the books fresh.
func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		invs, custs := synthBooks(n, 1)
		credits := synthCredits(invs, custs, 5000, 2)
		b.Run(fmt.Sprintf("invoices=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			e, err := NewEngine(DefaultConfig(), invs, custs)
			if err != nil {
				b.Fatal(err)
			}
			k := 0
			for b.Loop() {
				if k == len(credits) {
					b.StopTimer()
					e, _ = NewEngine(DefaultConfig(), invs, custs)
					k = 0
					b.StartTimer()
				}
				if _, err := e.Match(ctx, credits[k]); err != nil {
					b.Fatal(err)
				}
				k++
			}
		})
	}
}

func TestSynthBooks(t *testing.T) {
	t.Parallel()
	invs, custs := synthBooks(400, 1)
	credits := synthCredits(invs, custs, 200, 2)
	e, err := NewEngine(DefaultConfig(), invs, custs)
	if err != nil {
		t.Fatal(err)
	}
	if e.Stats().IBANs != 50 {
		t.Errorf("IBANs: %d, want 50 (every synthetic IBAN valid)", e.Stats().IBANs)
	}
	counts := map[ledger.Decision]int{}
	for _, c := range credits {
		r, err := e.Match(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		counts[r.Decision]++
		checkResult(t, c, r)
	}
	if counts[ledger.DecisionAuto] < 80 {
		t.Errorf("decisions %v: too few automatic on plain references", counts)
	}
}

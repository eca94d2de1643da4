package reconcile

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// FuzzMatch feeds arbitrary credits — amounts, currencies, payer names,
// IBANs, remittance texts — through one engine run and checks the bounds
// every decision keeps: score in [0, 1]; allocations positive, in the
// credit's currency, on invoices of that currency, summing with the
// unapplied part to the credit; no invoice ever allocated more than its
// open amount over the run.
func FuzzMatch(f *testing.F) {
	f.Add(int64(120000), "EUR", "BOULANGERIE MARTINEAU", "FR7630006000011234567890189", "REGLEMENT FACT FA-2026-0012", int64(84530), "FA-2026-0013")
	f.Add(int64(75000), "EUR", "", "DE89370400440532013000", "VIR", int64(64000), "")
	f.Add(int64(64000), "EUR", "PHARMACIE DU CENTRE", "FR1420041010050500013M02606", "", int64(64000), "RF18 5390 0754 7034")
	f.Add(int64(100000), "CHF", "X", "", "FA-2026-0012 FA-2026-0013 FA-2026-0014", int64(1), "2026-0015")
	f.Add(int64(204485), "EUR", "", "", "FACTURES FA-2026-0012, 13 ET 0021", int64(130000), "FA-2026-0071")
	f.Add(int64(1), "EUR", "SARL", "FR", "0000 0000 0000", int64(-5), "RF")
	f.Fuzz(func(t *testing.T, amount int64, cur, payer, iban, text string, amount2 int64, text2 string) {
		e := newTestEngine(t)
		invs, _ := testLedger()
		paid := map[string]int64{}
		open := map[string]ledger.Money{}
		for _, inv := range invs {
			open[inv.ID] = inv.Open
		}
		for k, c := range []struct {
			amount int64
			text   string
		}{{amount, text}, {amount2, text2}, {amount, text2}} {
			cr := credit("0.01", payer, iban, c.text)
			cr.Tx.Amount = ledger.Money{Minor: c.amount, Currency: ledger.Currency(cur)}
			cr.Entry.Amount = cr.Tx.Amount
			cr.Tx.Index = k + 1
			r, err := e.Match(context.Background(), cr)
			if err != nil {
				if !errors.Is(err, ErrNotMatchable) {
					t.Fatalf("credit %d: %v", k, err)
				}
				if Matchable(cr) == nil {
					t.Fatalf("credit %d rejected but matchable: %v", k, err)
				}
				continue
			}
			if r.Score < 0 || r.Score > 1 {
				t.Fatalf("score %v", r.Score)
			}
			// The credit's currency: the transaction's, else (none given)
			// its entry's or its account's.
			want := cr.Amount().Currency
			var sum int64
			for _, a := range r.Allocations {
				if a.Amount.Minor <= 0 || a.Amount.Currency != want {
					t.Fatalf("allocation %+v for a %s credit", a, want)
				}
				o, ok := open[a.InvoiceID]
				if !ok || o.Currency != want {
					t.Fatalf("allocation to %s of currency %s", a.InvoiceID, o.Currency)
				}
				if r.Decision == ledger.DecisionAuto {
					paid[a.InvoiceID] += a.Amount.Minor
					if paid[a.InvoiceID] > o.Minor {
						t.Fatalf("invoice %s allocated %d over the run, open %d", a.InvoiceID, paid[a.InvoiceID], o.Minor)
					}
				} else if a.Amount.Minor > o.Minor {
					t.Fatalf("proposal of %d on invoice %s open %d", a.Amount.Minor, a.InvoiceID, o.Minor)
				}
				sum += a.Amount.Minor
			}
			if sum+r.Unapplied.Minor != c.amount || r.Unapplied.Minor < 0 || r.WriteOff.Minor < 0 {
				t.Fatalf("allocations %d + unapplied %d != credit %d (write-off %d)", sum, r.Unapplied.Minor, c.amount, r.WriteOff.Minor)
			}
			if (r.Decision == ledger.DecisionUnmatched) != (len(r.Allocations) == 0) {
				t.Fatalf("%s with %d allocations", r.Decision, len(r.Allocations))
			}
			for _, s := range r.Reasons {
				if strings.Contains(s, "30006000011234567890189") {
					t.Fatalf("unmasked IBAN in %q", s)
				}
			}
		}
	})
}

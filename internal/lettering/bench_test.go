package lettering

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/sqlite"
)

// BenchmarkLetterStatement1k measures one run lettering a statement of
// 1,000 credits against 5,000 open invoices on SQLite: engine built from
// the store, 1,000 decisions each written with its events. Setup (a fresh
// database, the import, the statement) is not timed.
func BenchmarkLetterStatement1k(b *testing.B) {
	const credits, invoices = 1000, 5000
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), sqlite.FileName), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		var invs []ledger.Invoice
		for i := range invoices {
			invs = append(invs, ledger.Invoice{ID: fmt.Sprintf("I%05d", i), Number: fmt.Sprintf("FA-2027-%05d", i),
				CustomerID: fmt.Sprintf("C%03d", i%500), CustomerName: fmt.Sprintf("Client %d SARL", i%500),
				Amount: ledger.Money{Minor: int64(10000 + i*37), Currency: "EUR"}, IssueDate: ledger.NewDate(2026, 9, 1), DueDate: ledger.NewDate(2026, 10, 1)})
		}
		if _, err := s.UpsertInvoices(ctx, ledger.InvoiceImport{Source: "bench", Invoices: invs}, ledger.Write[ledger.ImportResult]{Actor: "bench"}); err != nil {
			b.Fatal(err)
		}
		d := ledger.NewDate(2026, 11, 3)
		var entries []*ledger.Entry
		st := &ledger.Statement{Format: "camt.053.001.08", StatementID: "BIG", Account: ledger.Account{IBAN: account, Currency: "EUR"}, From: d, To: d}
		for i := range credits {
			k := i * 5 // every fifth invoice is paid
			m := invs[k].Amount
			if i%10 == 9 {
				m.Minor += 500 // some do not reconcile
			}
			tx := ledger.Transaction{Index: 1, Amount: m, Direction: ledger.Credit, AcctSvcrRef: fmt.Sprintf("R%05d", i),
				Debtor: ledger.Party{Name: invs[k].CustomerName}, Remittance: []string{"FACTURE " + invs[k].Number}}
			en := &ledger.Entry{Index: i + 1, Amount: m, Direction: ledger.Credit, Status: ledger.StatusBooked, BookingDate: d,
				AcctSvcrRef: tx.AcctSvcrRef, Transactions: []ledger.Transaction{tx}}
			st.Totals.Add(en)
			entries = append(entries, en)
		}
		var h [32]byte
		_, _ = rand.Read(h[:])
		if _, err := s.SaveStatementFile(ctx, ledger.StatementFile{Hash: hex.EncodeToString(h[:]), Name: "big.xml", Format: st.Format,
			Statements: []ledger.ParsedStatement{{Statement: st, Entries: entries}}}, ledger.Write[ledger.StatementFileResult]{Actor: "bench"}); err != nil {
			b.Fatal(err)
		}
		r, err := New(Config{Store: s})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := r.RunOnce(ctx)
		b.StopTimer()
		if err != nil || sum.Auto+sum.Review+sum.Unmatched != credits {
			b.Fatalf("%+v %v", sum, err)
		}
		b.ReportMetric(float64(sum.Auto)/credits, "auto-rate")
		s.Close()
		b.StartTimer()
	}
}

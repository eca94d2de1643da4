package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Benchmarks shared by the engines. Each reports rows/s besides ns/op and
// allocations; open returns a fresh migrated store.

// BenchSaveStatement stores statement files of perFile credit transfers,
// each with its own references (no duplicates).
func BenchSaveStatement(b *testing.B, open func(b *testing.B) ledger.Store, perFile int) {
	s := open(b)
	ctx := b.Context()
	b.ReportAllocs()
	rows := 0
	i := 0
	for b.Loop() {
		b.StopTimer()
		es := make([]*ledger.Entry, perFile)
		for j := range es {
			es[j] = credit(fmt.Sprintf("B%d-%d", i, j), int64(100+j), day(1+i%28))
		}
		f := fileOf(fmt.Sprintf("bench-%d.xml", i), statementOf(fmt.Sprintf("BS%d", i), es...))
		i++
		b.StartTimer()
		res, err := s.SaveStatementFile(ctx, f, anyWrite[ledger.StatementFileResult]("bench"))
		if err != nil {
			b.Fatal(err)
		}
		if res.Inserted() != perFile {
			b.Fatalf("inserted %d, want %d", res.Inserted(), perFile)
		}
		rows += perFile
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// benchInvoices returns n invoices with ids prefix0000000… spread over
// n/10 customers.
func benchInvoices(prefix string, n int, amount int64) []ledger.Invoice {
	invs := make([]ledger.Invoice, n)
	for i := range invs {
		inv := invoice(fmt.Sprintf("%s%08d", prefix, i), amount+int64(i%1000))
		inv.CustomerID = fmt.Sprintf("C%07d", i/10)
		inv.CustomerName = "Customer " + inv.CustomerID
		invs[i] = inv
	}
	return invs
}

// Import kinds measured by BenchImportInvoices.
const (
	ImportNew       = "new"       // every invoice is new
	ImportChanged   = "changed"   // every invoice is known and changes (amount, due date)
	ImportUnchanged = "unchanged" // every invoice is known as it is: a daily full export
)

// BenchImportInvoices imports batches of batch invoices of the given kind.
func BenchImportInvoices(b *testing.B, open func(b *testing.B) ledger.Store, batch int, kind string) {
	s := open(b)
	ctx := b.Context()
	b.ReportAllocs()
	rows := 0
	i := 0
	var invs []ledger.Invoice
	if kind != ImportNew {
		invs = benchInvoices("U", batch, 10000)
		if _, err := s.UpsertInvoices(ctx, ledger.InvoiceImport{Invoices: invs}, anyWrite[ledger.ImportResult]("bench")); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		b.StopTimer()
		switch kind {
		case ImportChanged:
			for j := range invs {
				invs[j].Amount.Minor++
				invs[j].Open = invs[j].Amount
				invs[j].DueDate = invs[j].DueDate.AddDays(1)
			}
		case ImportNew:
			invs = benchInvoices(fmt.Sprintf("N%03d-", i), batch, 10000)
		}
		i++
		b.StartTimer()
		res, err := s.UpsertInvoices(ctx, ledger.InvoiceImport{Invoices: invs, Full: kind != ImportNew}, anyWrite[ledger.ImportResult]("bench"))
		if err != nil {
			b.Fatal(err)
		}
		got := map[string]int{ImportNew: res.Created, ImportChanged: res.Changed, ImportUnchanged: res.Unchanged}[kind]
		if got != batch {
			b.Fatalf("%s import %+v, want %d", kind, res, batch)
		}
		rows += batch
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchImportMillion imports one million invoices into an empty store,
// imports them again unchanged (a daily full export), then with new
// amounts (every invoice updated), and reports the three times. It takes a
// while: run it with -benchtime=1x.
func BenchImportMillion(b *testing.B, open func(b *testing.B) ledger.Store) {
	const n = 1_000_000
	ctx := b.Context()
	var create, same, update time.Duration
	runs := 0
	var s ledger.Store
	timed := func(invs []ledger.Invoice, check func(ledger.ImportResult) bool) time.Duration {
		t0 := time.Now()
		res, err := s.UpsertInvoices(ctx, ledger.InvoiceImport{Source: "bench", Full: true, Invoices: invs}, anyWrite[ledger.ImportResult]("bench"))
		d := time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		if !check(res) {
			b.Fatalf("import %+v", res)
		}
		return d
	}
	for b.Loop() {
		b.StopTimer()
		s = open(b)
		invs := benchInvoices("M", n, 10000)
		b.StartTimer()
		create += timed(invs, func(r ledger.ImportResult) bool { return r.Created == n })
		same += timed(invs, func(r ledger.ImportResult) bool { return r.Unchanged == n && r.Changed == 0 })
		b.StopTimer()
		for j := range invs {
			invs[j].Amount.Minor += 100
			invs[j].Open = invs[j].Amount
		}
		b.StartTimer()
		update += timed(invs, func(r ledger.ImportResult) bool { return r.Changed == n })
		runs++
	}
	b.ReportMetric(create.Seconds()/float64(runs), "create-s")
	b.ReportMetric(same.Seconds()/float64(runs), "unchanged-s")
	b.ReportMetric(update.Seconds()/float64(runs), "update-s")
	b.ReportMetric(float64(n*runs)/create.Seconds(), "create-rows/s")
}

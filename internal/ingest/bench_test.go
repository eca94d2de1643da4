package ingest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lettrage/lettrage/fixtures/render"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/sqlite"
)

// bigStatement renders a camt.053.001.08 statement of n credits.
func bigStatement(b testing.TB, n int) []byte {
	b.Helper()
	d := ledger.NewDate(2026, 11, 3)
	var entries []*ledger.Entry
	var total int64
	for i := range n {
		m := ledger.Money{Minor: int64(10000 + i*37), Currency: "EUR"}
		tx := ledger.Transaction{Index: 1, Amount: m, Direction: ledger.Credit, AcctSvcrRef: fmt.Sprintf("REF%06d", i),
			EndToEndID: fmt.Sprintf("E2E%06d", i), Debtor: ledger.Party{Name: fmt.Sprintf("CLIENT %d SARL", i%200), IBAN: "FR7630006000011234567890189"},
			Remittance: []string{fmt.Sprintf("FACTURE FA-2027-%05d", i)}}
		entries = append(entries, &ledger.Entry{Index: i + 1, Amount: m, Direction: ledger.Credit, Status: ledger.StatusBooked,
			BookingDate: d, ValueDate: d, AcctSvcrRef: tx.AcctSvcrRef, Transactions: []ledger.Transaction{tx}})
		total += m.Minor
	}
	s := &ledger.Statement{StatementID: "BIG", CreatedAt: d.Time(), Account: ledger.Account{IBAN: "FR7610107001011234567890129", Currency: "EUR"},
		From: d, To: d, Balances: []ledger.Balance{{Type: ledger.OpeningBooked, Amount: ledger.Money{Currency: "EUR"}, Date: d},
			{Type: ledger.ClosingBooked, Amount: ledger.Money{Minor: total, Currency: "EUR"}, Date: d}}}
	var buf bytes.Buffer
	if err := render.WriteCAMT053(&buf, "001.08", s, entries); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkProcessFile1k measures one file of 1,000 transactions from a
// claimed job to its archived end on SQLite: read and hash, parse, store
// (statement, transactions, events), complete, move. MB/s is file bytes.
func BenchmarkProcessFile1k(b *testing.B) {
	data := bigStatement(b, 1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		s, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		w, err := New(Config{DataDir: dir, Store: s, Replica: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.open(); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dirInbox, "big.xml"), data, 0o644); err != nil {
			b.Fatal(err)
		}
		w.take(ctx, "big.xml")
		jobs, err := s.ClaimIngestJobs(ctx, ledger.Claim{Worker: "bench", Limit: 1, Lease: time.Hour, Now: time.Now()})
		if err != nil || len(jobs) != 1 {
			b.Fatalf("claim %v %v", err, jobs)
		}
		b.StartTimer()
		w.process(ctx, jobs[0])
		b.StopTimer()
		if j, _ := s.FindIngestJob(ctx, jobs[0].FileHash); j.Outcome != OutcomeArchived {
			b.Fatalf("job %+v", j)
		}
		w.close()
		s.Close()
		b.StartTimer()
	}
}

// BenchmarkParseFile1k measures hashing and parsing alone.
func BenchmarkParseFile1k(b *testing.B) {
	data := bigStatement(b, 1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := parseFile(context.Background(), bytes.NewReader(data))
		if err != nil || len(p.statements) != 1 {
			b.Fatal(err)
		}
	}
}

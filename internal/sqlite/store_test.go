package sqlite

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/storetest"
)

// openTest opens a migrated store in a fresh directory.
func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), FileName), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.Store { return openTest(t) })
}

func TestSecondOpenIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), path, Options{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "in use by process") {
		t.Fatalf("second open: %v, want a clear ErrLocked naming the holder", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	s2.Close()
}

func TestSchemaTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(t.Context(), `UPDATE schema_migrations SET version = 999`); err != nil {
		t.Fatal(err)
	}
	wantErrIs(t, s.Migrate(t.Context()), ledger.ErrSchemaTooNew)
	s.Close()
	_, err = Open(t.Context(), path, Options{})
	wantErrIs(t, err, ledger.ErrSchemaTooNew)
	if !strings.Contains(err.Error(), "999") {
		t.Fatalf("error %q does not name the version", err)
	}
}

func TestAuditJournalIsAppendOnly(t *testing.T) {
	s := openTest(t)
	if _, err := s.AppendAudit(t.Context(), ledger.AuditRecord{Actor: "a", Action: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE audit_journal SET actor = 'mallory'`, `DELETE FROM audit_journal`} {
		_, err := s.w.ExecContext(t.Context(), q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused", q, err)
		}
	}
}

func TestInvoiceInvariantInDatabase(t *testing.T) {
	// Whatever writes the row, an open amount never goes past zero.
	s := openTest(t)
	if _, err := s.UpsertInvoices(t.Context(), ledger.InvoiceImport{Invoices: []ledger.Invoice{{ID: "A", CustomerID: "C",
		Amount: ledger.Money{Minor: 100, Currency: "EUR"}}}}, ledger.Write[ledger.ImportResult]{Actor: "t"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.w.ExecContext(t.Context(), `UPDATE invoices SET lettered_minor = 150, open_minor = -50 WHERE id = 'A'`)
	if err == nil {
		t.Fatal("negative open amount accepted by the schema")
	}
	wantErrIs(t, translate(err, "x"), ledger.ErrConflict)
}

func wantErrIs(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

// TestUpgradeKeepsData migrates a database holding invoices from the first
// schema version to the latest: the invoices survive and work.
func TestUpgradeKeepsData(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), FileName), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.migrateTo(1); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO imports (source, at, invoices) VALUES ('v1', 0, 1)`,
		`INSERT INTO customers VALUES ('C', 'ACME', '', 0, 0)`,
		`INSERT INTO invoices (id, number, customer_id, customer_name, currency, amount_minor, imported_open_minor, lettered_minor, open_minor,
			issue_date, due_date, rf_reference, segment, status, first_import_id, last_import_id, created_at, updated_at)
			VALUES ('A', 'FA-1', 'C', 'ACME', 'EUR', 1000, 1000, 0, 1000, '2026-11-01', '2026-11-10', '', '', 'open', 1, 1, 0, 0)`,
	} {
		if _, err := s.w.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if v, err := s.SchemaVersion(t.Context()); err != nil || v.Current != 1 || v.Latest < 2 {
		t.Fatalf("version before upgrade %+v, %v", v, err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	inv, err := s.GetInvoice(t.Context(), "A")
	if err != nil || inv.Amount.Minor != 1000 || inv.DueDate.String() != "2026-11-10" {
		t.Fatalf("invoice after upgrade %+v, %v", inv, err)
	}
	res, err := s.UpsertInvoices(t.Context(), ledger.InvoiceImport{Full: true, Invoices: []ledger.Invoice{{ID: "B", CustomerID: "C",
		Amount: ledger.Money{Minor: 5, Currency: "EUR"}}}}, ledger.Write[ledger.ImportResult]{Actor: "t"})
	if err != nil || res.Created != 1 || res.Absent != 1 {
		t.Fatalf("full import after upgrade %+v, %v", res, err)
	}
}

// TestWriteStatementsArePreparedOnce: the first events recorded run their
// statements unprepared and ask for them; after that commit they are
// prepared on the writer and later transactions reuse them, with the same
// results.
func TestWriteStatementsArePreparedOnce(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	if err := s.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "erp", URL: "https://erp.example/hooks", Events: []string{"*"}}}); err != nil {
		t.Fatal(err)
	}
	draft := ledger.EventDraft{Type: "invoice.paid", AggregateType: "invoice", AggregateID: "A", Data: []byte(`{}`)}
	cached := func() int {
		s.stmtMu.Lock()
		defer s.stmtMu.Unlock()
		return len(s.stmts)
	}
	if _, err := s.AppendEvents(ctx, []ledger.EventDraft{draft}); err != nil {
		t.Fatal(err)
	}
	n := cached()
	if n < 3 {
		t.Fatalf("%d statements prepared after the first events, want those of insertEvents", n)
	}
	for range 3 {
		if _, err := s.AppendEvents(ctx, []ledger.EventDraft{draft}); err != nil {
			t.Fatal(err)
		}
	}
	if got := cached(); got != n {
		t.Errorf("%d statements prepared after more of the same, want %d (no new query)", got, n)
	}
	evs, err := s.ListEvents(ctx, ledger.EventFilter{AggregateID: "A"})
	if err != nil || len(evs) != 4 || evs[3].Sequence != 4 {
		t.Fatalf("events through prepared statements: %+v, %v", evs, err)
	}
	if ds, err := s.ListDeliveries(ctx, ledger.DeliveryFilter{}); err != nil || len(ds) != 4 {
		t.Fatalf("deliveries through prepared statements: %d, %v", len(ds), err)
	}
}

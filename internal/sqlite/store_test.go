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

package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/storetest"
)

// testDSN returns the test database's DSN from LETTRAGE_TEST_PG_DSN. Without
// it the test is skipped loudly, or fails when CI is set: CI must run the
// PostgreSQL suite.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("LETTRAGE_TEST_PG_DSN")
	if dsn == "" {
		const msg = "LETTRAGE_TEST_PG_DSN is not set, so the PostgreSQL store is NOT TESTED; " +
			"set it, e.g. LETTRAGE_TEST_PG_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING: " + msg)
	}
	return dsn
}

// newSchema creates a schema of its own for one test, dropped at cleanup,
// and returns a DSN whose search_path selects it.
func newSchema(t testing.TB) string {
	t.Helper()
	dsn := testDSN(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "lt_" + hex.EncodeToString(b[:])
	execSQL(t, dsn, `CREATE SCHEMA `+name)
	t.Cleanup(func() { execSQL(t, dsn, `DROP SCHEMA `+name+` CASCADE`) })
	return withSearchPath(t, dsn, name)
}

func execSQL(t testing.TB, dsn, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// withSearchPath adds a search_path run-time parameter to a DSN.
func withSearchPath(t testing.TB, dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// openDSN opens and migrates a store on dsn, closed at cleanup.
func openDSN(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn, Options{MaxConns: 6})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

// openTest opens a migrated store in a fresh schema.
func openTest(t testing.TB) *Store { return openDSN(t, newSchema(t)) }

func TestConformance(t *testing.T) {
	testDSN(t)
	storetest.Run(t, func(t *testing.T) ledger.Store { return openTest(t) })
}

func TestReplicas(t *testing.T) {
	storetest.RunReplicas(t, func(t *testing.T, n int) []ledger.Store {
		dsn := newSchema(t)
		stores := make([]ledger.Store, n)
		for i := range stores {
			stores[i] = openDSN(t, dsn)
		}
		return stores
	})
}

func TestConcurrentMigrations(t *testing.T) {
	dsn := newSchema(t)
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			s, err := Open(t.Context(), dsn, Options{})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			errs <- s.Migrate(t.Context())
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent migration: %v", err)
		}
	}
}

func TestSchemaTooNew(t *testing.T) {
	dsn := newSchema(t)
	s := openDSN(t, dsn)
	if _, err := s.pool.Exec(t.Context(), `UPDATE schema_migrations SET version = 999`); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context()); !errors.Is(err, ledger.ErrSchemaTooNew) {
		t.Fatalf("Migrate on a newer schema: %v", err)
	}
	_, err := Open(t.Context(), dsn, Options{})
	if !errors.Is(err, ledger.ErrSchemaTooNew) || !strings.Contains(err.Error(), "999") {
		t.Fatalf("Open on a newer schema: %v", err)
	}
}

func TestAuditJournalIsAppendOnly(t *testing.T) {
	s := openTest(t)
	if _, err := s.AppendAudit(t.Context(), ledger.AuditRecord{Actor: "a", Action: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE audit_journal SET actor = 'mallory'`, `DELETE FROM audit_journal`, `TRUNCATE audit_journal`} {
		_, err := s.pool.Exec(t.Context(), q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused", q, err)
		}
	}
}

func TestInvoiceInvariantInDatabase(t *testing.T) {
	s := openTest(t)
	if _, err := s.UpsertInvoices(t.Context(), ledger.InvoiceImport{Invoices: []ledger.Invoice{{ID: "A", CustomerID: "C",
		Amount: ledger.Money{Minor: 100, Currency: "EUR"}}}}, ledger.Write[ledger.ImportResult]{Actor: "t"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.pool.Exec(t.Context(), `UPDATE invoices SET lettered_minor = 150, open_minor = -50 WHERE id = 'A'`)
	if err == nil {
		t.Fatal("negative open amount accepted by the schema")
	}
	if err := translate(err, "x"); !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("check violation translated to %v", err)
	}
}

// TestUpgradeKeepsData migrates a schema holding invoices from the first
// version to the latest: the invoices survive and work.
func TestUpgradeKeepsData(t *testing.T) {
	s, err := Open(t.Context(), newSchema(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.migrateTo(1); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO imports (source, at, invoices) VALUES ('v1', now(), 1)`,
		`INSERT INTO customers VALUES ('C', 'ACME', '', now(), now())`,
		`INSERT INTO invoices (id, number, customer_id, customer_name, currency, amount_minor, imported_open_minor, lettered_minor, open_minor,
			issue_date, due_date, rf_reference, segment, status, first_import_id, last_import_id, created_at, updated_at)
			VALUES ('A', 'FA-1', 'C', 'ACME', 'EUR', 1000, 1000, 0, 1000, '2026-11-01', '2026-11-10', '', '', 'open', 1, 1, now(), now())`,
	} {
		if _, err := s.pool.Exec(t.Context(), q); err != nil {
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

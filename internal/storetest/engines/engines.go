// Package engines opens fresh, migrated stores of every engine for tests
// outside the store packages: SQLite in a temporary directory, and
// PostgreSQL in a schema of its own when LETTRAGE_TEST_PG_DSN is set.
package engines

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/pgtest"
	"github.com/lettrage/lettrage/internal/postgres"
	"github.com/lettrage/lettrage/internal/sqlite"
)

// Engine opens a store of one engine for a test.
type Engine struct {
	Name string
	// Open returns a migrated store on a database of the test's own, closed
	// at cleanup, and reopen, which returns another store on the same
	// database, as a restarted process would have (call it after closing
	// the first on SQLite, whose file admits one process).
	Open func(t *testing.T) (s ledger.Store, reopen func() ledger.Store)
}

// All returns SQLite, and PostgreSQL when LETTRAGE_TEST_PG_DSN is set; when
// it is not, it logs loudly that what goes untested (e.g. "lettering") is
// not tested on PostgreSQL, and under CI it fails the test.
func All(t *testing.T, what string) []Engine {
	t.Helper()
	out := []Engine{{Name: "sqlite", Open: SQLite}}
	if os.Getenv(pgtest.EnvDSN) == "" {
		msg := "SKIPPING the PostgreSQL variant: " + pgtest.EnvDSN + " is not set, so " + what +
			" on PostgreSQL is NOT TESTED; set " + pgtest.EnvDSN + "='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Log(msg)
		return out
	}
	return append(out, Engine{Name: "postgres", Open: func(t *testing.T) (ledger.Store, func() ledger.Store) {
		return Postgres(t, what)
	}})
}

// ForEach runs f as a subtest on every engine of All.
func ForEach(t *testing.T, what string, f func(t *testing.T, e Engine)) {
	t.Helper()
	for _, e := range All(t, what) {
		t.Run(e.Name, func(t *testing.T) { f(t, e) })
	}
}

// SQLite opens a migrated SQLite store in a temporary directory.
func SQLite(t *testing.T) (ledger.Store, func() ledger.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	open := func() ledger.Store {
		s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return migrated(t, s)
	}
	return open(), open
}

// Postgres opens a migrated PostgreSQL store in a schema of the test's own
// (skipping loudly, or failing under CI, without LETTRAGE_TEST_PG_DSN).
func Postgres(t *testing.T, what string) (ledger.Store, func() ledger.Store) {
	t.Helper()
	dsn := pgtest.NewSchema(t, what, "lt_test")
	open := func() ledger.Store {
		s, err := postgres.Open(context.Background(), dsn, postgres.Options{MaxConns: 6})
		if err != nil {
			t.Fatal(err)
		}
		return migrated(t, s)
	}
	return open(), open
}

func migrated(t *testing.T, s ledger.Store) ledger.Store {
	t.Helper()
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

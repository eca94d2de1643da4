package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
)

func TestOpenChoosesTheEngine(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), "", dir, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Engine() != "sqlite" {
		t.Fatalf("empty DSN opened %s", s.Engine())
	}
	if _, err := os.Stat(filepath.Join(dir, "lettrage.db")); err != nil {
		t.Fatalf("no database file in the data directory: %v", err)
	}
	v, err := s.SchemaVersion(t.Context())
	if err != nil || v.Current != 0 || v.Latest == 0 {
		t.Fatalf("fresh database schema version %+v, %v", v, err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if v, err := s.SchemaVersion(t.Context()); err != nil || v.Current != v.Latest {
		t.Fatalf("migrated schema version %+v, %v", v, err)
	}
}

func TestOpenRefusesUnknownDatabases(t *testing.T) {
	_, err := Open(t.Context(), "mysql://root:secret@db/x", t.TempDir(), zerolog.Nop())
	if !errors.Is(err, ErrUnknownDatabase) || strings.Contains(err.Error(), "secret") {
		t.Fatalf("unknown database: %v (must not echo the DSN)", err)
	}
	_, err = Open(t.Context(), "", "", zerolog.Nop())
	if err == nil {
		t.Fatal("no data directory accepted")
	}
}

func TestOpenPostgres(t *testing.T) {
	dsn := os.Getenv("LETTRAGE_TEST_PG_DSN")
	if dsn == "" {
		t.Skip("SKIPPING: LETTRAGE_TEST_PG_DSN is not set, so opening PostgreSQL is NOT TESTED")
	}
	s, err := Open(t.Context(), dsn, t.TempDir(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Engine() != "postgres" {
		t.Fatalf("postgres DSN opened %s", s.Engine())
	}
	var _ ledger.Store = s
}

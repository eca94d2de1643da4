// Package store opens the store the configuration names: the embedded
// SQLite database in the data directory when no database is configured, or
// PostgreSQL for a postgres:// DSN. It is the only package that knows both
// engines; everything else works with ledger.Store.
package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/postgres"
	"github.com/lettrage/lettrage/internal/sqlite"
)

// ErrUnknownDatabase reports a database setting that names no engine.
var ErrUnknownDatabase = errors.New("unknown database: want empty (embedded SQLite) or a postgres:// URL")

// Open opens the store: with an empty dsn the SQLite file lettrage.db in
// dataDir (created if needed, locked for this process); with a postgres://
// or postgresql:// URL, PostgreSQL. It does not migrate (call Migrate, as
// `lettrage migrate` and `lettrage serve` do) but refuses a database whose
// schema is newer than this binary (ledger.ErrSchemaTooNew).
func Open(ctx context.Context, dsn, dataDir string, logger zerolog.Logger) (ledger.Store, error) {
	switch {
	case dsn == "":
		if dataDir == "" {
			return nil, fmt.Errorf("open store: no data directory for the embedded database")
		}
		return sqlite.Open(ctx, filepath.Join(dataDir, sqlite.FileName), sqlite.Options{Logger: logger})
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return postgres.Open(ctx, dsn, postgres.Options{Logger: logger})
	}
	// The DSN may hold a password: name only its scheme.
	scheme, _, _ := strings.Cut(dsn, ":")
	return nil, fmt.Errorf("open store: database %q…: %w", scheme, ErrUnknownDatabase)
}

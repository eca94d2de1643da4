package sqlite

// Migrations use github.com/golang-migrate/migrate/v4 with its iofs source
// and its modernc.org/sqlite driver ("database/sqlite"). It was preferred to
// pressly/goose because, for the packages we import (the core, iofs, and
// the sqlite and pgx/v5 drivers), it adds no module beyond the SQLite and
// pgx drivers Lettrage needs anyway, plus jackc/pgerrcode; goose would add
// three more modules. Its PostgreSQL driver also takes an advisory lock, so
// replicas starting together migrate one at a time.

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	migratesqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/lettrage/lettrage/internal/ledger"
)

//go:embed migrations/*.sql
var migrations embed.FS

// latestVersion is the newest migration embedded in the binary.
func latestVersion() (uint, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return 0, err
	}
	var latest uint
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok {
			continue
		}
		v, err := strconv.ParseUint(num, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("migration %s: bad version", e.Name())
		}
		latest = max(latest, uint(v))
	}
	return latest, nil
}

// SchemaVersion reads the schema version golang-migrate recorded, without
// changing anything: 0 for an empty database.
func (s *Store) SchemaVersion(ctx context.Context) (ledger.SchemaVersion, error) {
	latest, err := latestVersion()
	if err != nil {
		return ledger.SchemaVersion{}, fmt.Errorf("schema version: %w", err)
	}
	v := ledger.SchemaVersion{Latest: latest}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return v, translate(err, "schema version")
	}
	if n == 0 {
		return v, nil
	}
	var cur int64
	err = s.r.QueryRowContext(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&cur, &v.Dirty)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return v, nil
	case err != nil:
		return v, translate(err, "schema version")
	}
	if cur > 0 {
		v.Current = uint(cur)
	}
	return v, nil
}

// Migrate applies the embedded migrations the database lacks. It refuses a
// database newer than the binary (ledger.ErrSchemaTooNew) or left dirty by
// a failed migration.
func (s *Store) Migrate(ctx context.Context) error {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case v.Current > v.Latest:
		return fmt.Errorf("migrate %s: schema version %d, this binary knows up to %d; upgrade Lettrage: %w", s.path, v.Current, v.Latest, ledger.ErrSchemaTooNew)
	case v.Dirty:
		return fmt.Errorf("migrate %s: migration %d failed half-way (dirty); restore a backup or repair by hand", s.path, v.Current)
	case v.Current == v.Latest:
		return nil
	}
	if err := s.migrateTo(v.Latest); err != nil {
		return fmt.Errorf("migrate %s from version %d: %w", s.path, v.Current, err)
	}
	s.log.Info().Str("path", s.path).Uint("from", v.Current).Uint("to", v.Latest).Msg("sqlite schema migrated")
	return nil
}

// migrateTo migrates the schema up (or down) to version.
func (s *Store) migrateTo(version uint) error {
	// golang-migrate closes the database it is given, so it gets its own
	// connection; this process holds the file lock, so nothing else writes.
	db, err := sql.Open("sqlite", s.dsn)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	drv, err := migratesqlite.WithInstance(db, &migratesqlite.Config{})
	if err != nil {
		db.Close()
		return fmt.Errorf("%v", err)
	}
	src, err := iofs.New(migrations, "migrations")
	if err != nil {
		drv.Close()
		return err
	}
	m, err := migrate.NewWithInstance("iofs", src, "sqlite", drv)
	if err != nil {
		drv.Close()
		return fmt.Errorf("%v", err)
	}
	defer m.Close()
	if err := m.Migrate(version); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("%v", err)
	}
	return nil
}

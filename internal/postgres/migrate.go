package postgres

// Migrations use github.com/golang-migrate/migrate/v4 with its iofs source
// and its pgx/v5 driver; see the sqlite package for why it was chosen over
// goose. The driver takes an advisory lock, so replicas starting together
// migrate one after the other, and records the version in
// schema_migrations in the current schema.

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

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

// SchemaVersion reads the schema version golang-migrate recorded in the
// current schema, without changing anything: 0 for an empty schema.
func (s *Store) SchemaVersion(ctx context.Context) (ledger.SchemaVersion, error) {
	latest, err := latestVersion()
	if err != nil {
		return ledger.SchemaVersion{}, fmt.Errorf("schema version: %w", err)
	}
	v := ledger.SchemaVersion{Latest: latest}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass(quote_ident(current_schema()) || '.schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return v, translate(err, "schema version")
	}
	if !exists {
		return v, nil
	}
	var cur int64
	err = s.pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&cur, &v.Dirty)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return v, nil
	case err != nil:
		return v, translate(err, "schema version")
	}
	if cur > 0 {
		v.Current = uint(cur)
	}
	return v, nil
}

// Migrate applies the embedded migrations the schema lacks. It refuses a
// schema newer than the binary (ledger.ErrSchemaTooNew) or left dirty by a
// failed migration. Replicas starting together take turns: each waits for
// an advisory lock before it looks at the version, so none mistakes
// another's migration in progress for a failed one.
func (s *Store) Migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return translate(err, "migrate schema "+s.schema)
	}
	key := s.lockKey("migrate")
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		conn.Release()
		return translate(err, "migrate schema "+s.schema+": wait for other migrations")
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key); err != nil {
			_ = conn.Hijack().Close(context.WithoutCancel(ctx)) // closing the session drops the lock
			return
		}
		conn.Release()
	}()
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case v.Current > v.Latest:
		return fmt.Errorf("migrate schema %s: version %d, this binary knows up to %d; upgrade Lettrage: %w", s.schema, v.Current, v.Latest, ledger.ErrSchemaTooNew)
	case v.Dirty:
		return fmt.Errorf("migrate schema %s: migration %d failed half-way (dirty); restore a backup or repair by hand", s.schema, v.Current)
	case v.Current == v.Latest:
		return nil
	}
	if err := s.migrateTo(v.Latest); err != nil {
		return fmt.Errorf("migrate schema %s from version %d: %w", s.schema, v.Current, err)
	}
	s.log.Info().Str("schema", s.schema).Uint("from", v.Current).Uint("to", v.Latest).Msg("postgres schema migrated")
	return nil
}

// migrateTo migrates the schema up (or down) to version.
func (s *Store) migrateTo(version uint) error {
	// golang-migrate closes the database it is given: it gets its own
	// *sql.DB on the pool's connection settings (same search_path).
	db := stdlib.OpenDB(*s.pool.Config().ConnConfig.Copy())
	drv, err := migratepgx.WithInstance(db, &migratepgx.Config{})
	if err != nil {
		db.Close()
		return fmt.Errorf("%v", err)
	}
	src, err := iofs.New(migrations, "migrations")
	if err != nil {
		drv.Close()
		return err
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", drv)
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

package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Options tune a Store. The zero value is usable.
type Options struct {
	// Clock gives the time stamped on records; time.Now when nil.
	Clock func() time.Time
	// Logger receives operational messages; disabled when zero.
	Logger zerolog.Logger
	// MaxConns bounds the pool; pgxpool's default (max(4, CPUs)) when zero.
	MaxConns int32
}

// Store is the PostgreSQL implementation of ledger.Store. It is safe for
// concurrent use, and several Stores (in one process or many) may share a
// database.
type Store struct {
	pool   *pgxpool.Pool
	schema string // current_schema() of the pool's connections
	clock  func() time.Time
	log    zerolog.Logger
	ids    ledger.IDSource
	once   sync.Once
}

var _ ledger.Store = (*Store)(nil)

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string; a search_path parameter selects the schema). It does not
// migrate: call Migrate. It fails with ledger.ErrSchemaTooNew when a newer
// Lettrage migrated the schema.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "lettrage"
	}
	// Bulk loads go through temporary tables; the default 8 MB of
	// temporary buffers makes a large import read them back from disk.
	// The memory is only taken by sessions that use it.
	if cfg.ConnConfig.RuntimeParams["temp_buffers"] == "" {
		cfg.ConnConfig.RuntimeParams["temp_buffers"] = "256MB"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	s := &Store{pool: pool, clock: opt.Clock, log: opt.Logger}
	if s.clock == nil {
		s.clock = time.Now
	}
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&s.schema); err != nil {
		pool.Close()
		return nil, translate(err, "open postgres")
	}
	if s.schema == "" {
		pool.Close()
		return nil, fmt.Errorf("open postgres: no current schema: check search_path")
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		pool.Close()
		return nil, err
	}
	if v.Current > v.Latest {
		pool.Close()
		return nil, fmt.Errorf("open postgres schema %s: version %d, this binary knows up to %d; upgrade Lettrage: %w", s.schema, v.Current, v.Latest, ledger.ErrSchemaTooNew)
	}
	s.log.Debug().Str("schema", s.schema).Msg("postgres store open")
	return s, nil
}

// Schema returns the schema the store works in.
func (s *Store) Schema() string { return s.schema }

// Engine returns "postgres".
func (s *Store) Engine() string { return "postgres" }

// Close closes the pool, waiting for connections in use to be released.
func (s *Store) Close() error {
	s.once.Do(s.pool.Close)
	return nil
}

// now returns the store's clock in UTC at PostgreSQL's microsecond
// precision.
func (s *Store) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// at is t as stored (UTC, microseconds), or the store's clock when zero.
func (s *Store) at(t time.Time) time.Time {
	if t.IsZero() {
		return s.now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// queryer is what *pgxpool.Pool and pgx.Tx share.
type queryer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// write runs fn in one READ COMMITTED transaction and commits when fn
// returns nil.
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return translate(err, "begin")
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return translate(tx.Commit(ctx), "commit")
}

// lockKey maps a lock name to an advisory lock key, scoped to the schema so
// that installations (and tests) sharing a database do not collide.
func (s *Store) lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("lettrage\x00" + s.schema + "\x00" + name))
	return int64(h.Sum64())
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/lettrage/lettrage/internal/ledger"
)

// FileName is the database file's name in the data directory.
const FileName = "lettrage.db"

// Options tune a Store. The zero value is usable.
type Options struct {
	// Clock gives the time stamped on records; time.Now when nil.
	Clock func() time.Time
	// Logger receives operational messages; disabled when zero.
	Logger zerolog.Logger
	// ReadConns bounds the read-only connection pool; 4 when zero.
	ReadConns int
	// BusyTimeout is how long a connection waits for a lock held by a
	// checkpoint or a reader; 10 s when zero.
	BusyTimeout time.Duration
}

// Store is the SQLite implementation of ledger.Store. It is safe for
// concurrent use.
type Store struct {
	path  string
	w     *sql.DB // the single writer connection
	r     *sql.DB // read-only connections
	lock  *fileLock
	clock func() time.Time
	log   zerolog.Logger
	dsn   string
	ids   ledger.IDSource

	mu    sync.Mutex
	locks map[string]*sync.Mutex // RunExclusive

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // prepared on the writer connection, by query
	wanted map[string]bool      // queries to prepare once the writer is free
}

var _ ledger.Store = (*Store)(nil)

// Open opens (creating it if needed) the database file at path and locks
// it for this process. It does not migrate: call Migrate. It fails with a
// clear message when another process holds the file, and with
// ledger.ErrSchemaTooNew when a newer Lettrage migrated it.
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open sqlite %s: path must not contain '?' or '#'", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	lock, err := lockFile(abs + ".lock")
	if err != nil {
		return nil, err
	}
	s := &Store{path: abs, lock: lock, clock: opt.Clock, log: opt.Logger, locks: map[string]*sync.Mutex{},
		stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
	if s.clock == nil {
		s.clock = time.Now
	}
	busy := opt.BusyTimeout
	if busy <= 0 {
		busy = 10 * time.Second
	}
	s.dsn = abs + "?" + strings.Join([]string{
		"_txlock=immediate",
		fmt.Sprintf("_pragma=busy_timeout(%d)", busy.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_pragma=foreign_keys(1)",
		"_pragma=temp_store(MEMORY)",
	}, "&")
	// The writer gets a large page cache (grown only as needed): a bulk
	// import touches many b-tree pages in one transaction, and with the
	// default 2 MB they thrash and spill.
	writerDSN := s.dsn + "&_pragma=cache_size(-262144)"
	if s.w, err = sql.Open("sqlite", writerDSN); err != nil {
		s.closeAll()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.w.PingContext(ctx); err != nil {
		s.closeAll()
		return nil, fmt.Errorf("open sqlite %s: %v", path, err)
	}
	n := opt.ReadConns
	if n <= 0 {
		n = 4
	}
	if s.r, err = sql.Open("sqlite", s.dsn+"&_pragma=query_only(1)"); err != nil {
		s.closeAll()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	if v, err := s.SchemaVersion(ctx); err != nil {
		s.closeAll()
		return nil, err
	} else if v.Current > v.Latest {
		s.closeAll()
		return nil, fmt.Errorf("open sqlite %s: schema version %d, this binary knows up to %d; upgrade Lettrage: %w", path, v.Current, v.Latest, ledger.ErrSchemaTooNew)
	}
	s.log.Debug().Str("path", abs).Msg("sqlite store open")
	return s, nil
}

// Path returns the database file's absolute path.
func (s *Store) Path() string { return s.path }

// Engine returns "sqlite".
func (s *Store) Engine() string { return "sqlite" }

// Close closes the database and releases the lock file.
func (s *Store) Close() error { return s.closeAll() }

func (s *Store) closeAll() error {
	var errs []error
	s.stmtMu.Lock()
	for q, st := range s.stmts {
		errs = append(errs, st.Close())
		delete(s.stmts, q)
	}
	s.stmtMu.Unlock()
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.release())
		s.lock = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close sqlite %s: %w", s.path, err)
	}
	return nil
}

// now returns the store's clock in UTC at the microsecond precision both
// engines keep.
func (s *Store) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// queryer is what *sql.DB and *sql.Tx share.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// write runs fn in one write transaction (BEGIN IMMEDIATE on the single
// writer connection) and commits when fn returns nil.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return translate(err, "begin")
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return translate(err, "commit")
	}
	s.prepareWanted(ctx)
	return nil
}

// The hot statements of the write paths (recording a decision, its journal
// rows and outbox events, acking a delivery) are prepared once on the
// writer connection and reused by every transaction: SQLite would otherwise
// parse and plan each of them on every call. database/sql reuses a
// statement prepared on the DB handle inside a transaction on the same
// connection (Tx.StmtContext), but preparing one needs the connection,
// which is busy during the transaction: so the first use of a query runs it
// unprepared and asks for it, and write prepares what was asked for after
// its commit. The set is bounded by the constant queries that use it.

// q returns tx as a queryer that runs queries through the writer's
// prepared statements.
func (s *Store) q(tx *sql.Tx) queryer { return stmtTx{s: s, tx: tx} }

// stmtTx runs queries in tx through cached prepared statements.
type stmtTx struct {
	s  *Store
	tx *sql.Tx
}

// prepared returns the statement of query bound to tx, or nil (and asks
// for it) when it is not prepared yet.
func (t stmtTx) prepared(ctx context.Context, query string) *sql.Stmt {
	t.s.stmtMu.Lock()
	st, ok := t.s.stmts[query]
	if !ok {
		t.s.wanted[query] = true
	}
	t.s.stmtMu.Unlock()
	if !ok {
		return nil
	}
	return t.tx.StmtContext(ctx, st)
}

func (t stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.prepared(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.prepared(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// prepareWanted prepares on the writer the queries transactions asked for.
// A query that fails to prepare is run unprepared (and asked for again).
func (s *Store) prepareWanted(ctx context.Context) {
	s.stmtMu.Lock()
	var qs []string
	for q := range s.wanted {
		qs = append(qs, q)
		delete(s.wanted, q)
	}
	s.stmtMu.Unlock()
	for _, q := range qs {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			s.log.Debug().Err(err).Msg("sqlite: statement not cached")
			continue
		}
		s.stmtMu.Lock()
		if old, ok := s.stmts[q]; ok {
			_ = old.Close()
		}
		s.stmts[q] = st
		s.stmtMu.Unlock()
	}
}

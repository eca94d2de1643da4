package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// RunExclusive runs fn under the named lock. One process owns an SQLite
// database (see the lock file), so an in-process lock is exclusive across
// everything that shares the database; the slot record makes a scheduled
// run happen once even across restarts.
func (s *Store) RunExclusive(ctx context.Context, name, slot string, fn func(ctx context.Context) error) (bool, error) {
	if name == "" {
		return false, fmt.Errorf("run exclusive: no lock name: %w", ledger.ErrInvalid)
	}
	s.mu.Lock()
	l, ok := s.locks[name]
	if !ok {
		l = new(sync.Mutex)
		s.locks[name] = l
	}
	s.mu.Unlock()
	if !l.TryLock() {
		return false, nil
	}
	defer l.Unlock()
	if slot != "" {
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM job_runs WHERE name = ? AND slot = ?`, name, slot).Scan(&n); err != nil {
			return false, translate(err, "run "+name)
		}
		if n > 0 {
			return false, nil
		}
	}
	if err := fn(ctx); err != nil {
		return true, err
	}
	if slot == "" {
		return true, nil
	}
	now := s.now()
	return true, s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO job_runs (name, slot, finished_at) VALUES (?, ?, ?)`, name, slot, micros(now))
		return translate(err, "record run of "+name+" for "+slot)
	})
}

// LastRun implements ledger.Locker.
func (s *Store) LastRun(ctx context.Context, name string) (time.Time, error) {
	var last sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT max(finished_at) FROM job_runs WHERE name = ?`, name).Scan(&last); err != nil {
		return time.Time{}, translate(err, "last run of "+name)
	}
	if !last.Valid {
		return time.Time{}, nil
	}
	return fromMicros(last.Int64), nil
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lettrage/lettrage/internal/ledger"
)

// RunExclusive runs fn while holding a session advisory lock, keyed by the
// schema and name, on a connection set aside for the run: every replica on
// the database sees the lock, and PostgreSQL drops it if the process dies.
// A session lock (rather than a transaction lock) keeps no transaction open
// for the length of the run.
func (s *Store) RunExclusive(ctx context.Context, name, slot string, fn func(ctx context.Context) error) (bool, error) {
	if name == "" {
		return false, fmt.Errorf("run exclusive: no lock name: %w", ledger.ErrInvalid)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return false, translate(err, "run "+name)
	}
	key := s.lockKey(name)
	var held bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&held); err != nil {
		conn.Release()
		return false, translate(err, "run "+name)
	}
	if !held {
		conn.Release()
		return false, nil
	}
	defer func() {
		var unlocked bool
		if err := conn.QueryRow(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key).Scan(&unlocked); err != nil || !unlocked {
			// The connection may still hold the lock: close it rather than
			// return it to the pool, so the server releases the lock.
			_ = conn.Hijack().Close(context.WithoutCancel(ctx))
			return
		}
		conn.Release()
	}()
	if slot != "" {
		var done bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM job_runs WHERE name = $1 AND slot = $2)`, name, slot).Scan(&done); err != nil {
			return false, translate(err, "run "+name)
		}
		if done {
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
	return true, s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO job_runs (name, slot, finished_at) VALUES ($1, $2, $3)`, name, slot, now)
		return translate(err, "record run of "+name+" for "+slot)
	})
}

// LastRun implements ledger.Locker.
func (s *Store) LastRun(ctx context.Context, name string) (time.Time, error) {
	var last *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT max(finished_at) FROM job_runs WHERE name = $1`, name).Scan(&last); err != nil {
		return time.Time{}, translate(err, "last run of "+name)
	}
	if last == nil {
		return time.Time{}, nil
	}
	return last.UTC(), nil
}

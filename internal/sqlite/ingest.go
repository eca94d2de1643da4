package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

const jobColumns = `id, file_hash, file_name, path, size, status, outcome, detail, attempts, next_at, lease_token, lease_worker, lease_until,
	last_error, created_at, updated_at, finished_at`

func scanJob(sc interface{ Scan(...any) error }) (ledger.IngestJob, error) {
	var j ledger.IngestJob
	var next, created, updated int64
	var until, finished sql.NullInt64
	var token, worker sql.NullString
	err := sc.Scan(&j.ID, &j.FileHash, &j.FileName, &j.Path, &j.Size, &j.Status, &j.Outcome, &j.Detail, &j.Attempts, &next, &token, &worker, &until,
		&j.LastError, &created, &updated, &finished)
	j.NextAt, j.CreatedAt, j.UpdatedAt, j.FinishedAt = fromMicros(next), fromMicros(created), fromMicros(updated), fromNullMicros(finished)
	j.Lease = ledger.Lease{Token: nullString(token), Worker: nullString(worker), Until: fromNullMicros(until)}
	return j, err
}

// EnqueueIngestJob records a file to process, once per content hash.
func (s *Store) EnqueueIngestJob(ctx context.Context, j ledger.IngestJob) (ledger.IngestJob, bool, error) {
	if j.FileHash == "" {
		return j, false, fmt.Errorf("enqueue ingest job %s: no content hash: %w", j.FileName, ledger.ErrInvalid)
	}
	now := s.now()
	created := false
	in := j
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = scanJob(tx.QueryRowContext(ctx, `INSERT INTO ingest_jobs (id, file_hash, file_name, path, size, status, next_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT (file_hash) DO NOTHING RETURNING `+jobColumns,
			s.ids.New(now), in.FileHash, in.FileName, in.Path, in.Size, micros(now), micros(now), micros(now)))
		if errors.Is(err, sql.ErrNoRows) {
			j, err = scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM ingest_jobs WHERE file_hash = ?`, in.FileHash))
			return translate(err, "enqueue ingest job "+in.FileName)
		}
		created = err == nil
		return translate(err, "enqueue ingest job "+in.FileName)
	})
	return j, created, err
}

// ClaimIngestJobs leases due jobs.
func (s *Store) ClaimIngestJobs(ctx context.Context, c ledger.Claim) ([]ledger.IngestJob, error) {
	if c.Limit <= 0 || c.Lease <= 0 {
		return nil, fmt.Errorf("claim ingest jobs: limit and lease must be positive: %w", ledger.ErrInvalid)
	}
	now := s.at(c.Now)
	token := s.ids.New(now)
	var out []ledger.IngestJob
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE ingest_jobs SET status = 'running', attempts = attempts + 1, lease_token = ?, lease_worker = ?,
				lease_until = ?, updated_at = ?
			WHERE id IN (SELECT id FROM ingest_jobs
				WHERE (status = 'queued' AND next_at <= ?) OR (status = 'running' AND lease_until <= ?)
				ORDER BY next_at, id LIMIT ?)
			RETURNING `+jobColumns,
			token, c.Worker, micros(now.Add(c.Lease)), micros(s.now()), micros(now), micros(now), c.Limit)
		if err != nil {
			return translate(err, "claim ingest jobs")
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return translate(err, "claim ingest jobs")
			}
			out = append(out, j)
		}
		return translate(rows.Err(), "claim ingest jobs")
	})
	if err != nil {
		return nil, err
	}
	sortJobs(out)
	return out, nil
}

// ReleaseIngestJobs queues again the running jobs leased by worker.
func (s *Store) ReleaseIngestJobs(ctx context.Context, worker string, now time.Time) (int, error) {
	if worker == "" {
		return 0, fmt.Errorf("release ingest jobs: no worker: %w", ledger.ErrInvalid)
	}
	at := s.at(now)
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE ingest_jobs SET status = 'queued', next_at = ?, lease_token = NULL, lease_worker = NULL,
				lease_until = NULL, updated_at = ?
			WHERE status = 'running' AND lease_worker = ?`, micros(at), micros(s.now()), worker)
		if err != nil {
			return translate(err, "release ingest jobs")
		}
		n, err = res.RowsAffected()
		return translate(err, "release ingest jobs")
	})
	return int(n), err
}

func sortJobs(js []ledger.IngestJob) {
	slices.SortFunc(js, func(a, b ledger.IngestJob) int { return strings.Compare(a.ID, b.ID) })
}

// CompleteIngestJob marks a running job done.
func (s *Store) CompleteIngestJob(ctx context.Context, id, token, outcome, detail string) (ledger.IngestJob, error) {
	if outcome == "" {
		return ledger.IngestJob{}, fmt.Errorf("complete ingest job %s: no outcome: %w", id, ledger.ErrInvalid)
	}
	now := s.now()
	return s.finishJob(ctx, id, token, `status = 'done', outcome = ?, detail = ?, finished_at = ?`, []any{outcome, detail, micros(now)}, now)
}

// FailIngestJob records an error: queued again from retryAt, or failed.
func (s *Store) FailIngestJob(ctx context.Context, id, token, errMsg string, retryAt time.Time) (ledger.IngestJob, error) {
	now := s.now()
	if retryAt.IsZero() {
		return s.finishJob(ctx, id, token, `status = 'failed', last_error = ?, finished_at = ?`, []any{errMsg, micros(now)}, now)
	}
	return s.finishJob(ctx, id, token, `status = 'queued', last_error = ?, next_at = ?`, []any{errMsg, micros(s.at(retryAt))}, now)
}

func (s *Store) finishJob(ctx context.Context, id, token, set string, args []any, now time.Time) (ledger.IngestJob, error) {
	var j ledger.IngestJob
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = scanJob(tx.QueryRowContext(ctx, `UPDATE ingest_jobs SET `+set+`, lease_token = NULL, lease_worker = NULL, lease_until = NULL, updated_at = ?
			WHERE id = ? AND status = 'running' AND lease_token = ? RETURNING `+jobColumns, append(args, micros(now), id, token)...))
		if errors.Is(err, sql.ErrNoRows) {
			return leaseError(ctx, tx, "ingest_jobs", "ingest job", id)
		}
		return translate(err, "finish ingest job "+id)
	})
	return j, err
}

// GetIngestJob returns a job.
func (s *Store) GetIngestJob(ctx context.Context, id string) (ledger.IngestJob, error) {
	j, err := scanJob(s.r.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM ingest_jobs WHERE id = ?`, id))
	return j, translate(err, "ingest job "+id)
}

// FindIngestJob returns the job of a file hash.
func (s *Store) FindIngestJob(ctx context.Context, fileHash string) (ledger.IngestJob, error) {
	j, err := scanJob(s.r.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM ingest_jobs WHERE file_hash = ?`, fileHash))
	return j, translate(err, "ingest job of file "+fileHash)
}

// ListIngestJobs lists jobs in id order.
func (s *Store) ListIngestJobs(ctx context.Context, f ledger.IngestJobFilter) ([]ledger.IngestJob, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.After != "" {
		where, args = append(where, "id > ?"), append(args, f.After)
	}
	q := `SELECT ` + jobColumns + ` FROM ingest_jobs`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q+" ORDER BY id"+limitClause(f.Limit), args...)
	if err != nil {
		return nil, translate(err, "list ingest jobs")
	}
	defer rows.Close()
	var out []ledger.IngestJob
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, translate(err, "list ingest jobs")
		}
		out = append(out, j)
	}
	return out, translate(rows.Err(), "list ingest jobs")
}

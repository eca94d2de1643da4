package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lettrage/lettrage/internal/ledger"
)

const jobColumns = `id, file_hash, file_name, path, size, status, outcome, detail, attempts, next_at, lease_token, lease_worker, lease_until,
	last_error, created_at, updated_at, finished_at`

func scanJob(sc pgx.Row) (ledger.IngestJob, error) {
	var j ledger.IngestJob
	var until, finished pgtype.Timestamptz
	var token, worker pgtype.Text
	err := sc.Scan(&j.ID, &j.FileHash, &j.FileName, &j.Path, &j.Size, &j.Status, &j.Outcome, &j.Detail, &j.Attempts, &j.NextAt, &token, &worker, &until,
		&j.LastError, &j.CreatedAt, &j.UpdatedAt, &finished)
	j.NextAt, j.CreatedAt, j.UpdatedAt, j.FinishedAt = j.NextAt.UTC(), j.CreatedAt.UTC(), j.UpdatedAt.UTC(), fromTS(finished)
	j.Lease = ledger.Lease{Token: fromText(token), Worker: fromText(worker), Until: fromTS(until)}
	return j, err
}

// EnqueueIngestJob records a file to process, once per content hash.
func (s *Store) EnqueueIngestJob(ctx context.Context, j ledger.IngestJob) (ledger.IngestJob, bool, error) {
	if j.FileHash == "" {
		return j, false, fmt.Errorf("enqueue ingest job %s: no content hash: %w", j.FileName, ledger.ErrInvalid)
	}
	now := s.now()
	in := j
	created := false
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		j, err = scanJob(tx.QueryRow(ctx, `INSERT INTO ingest_jobs (id, file_hash, file_name, path, size, status, next_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'queued', $6, $6, $6) ON CONFLICT (file_hash) DO NOTHING RETURNING `+jobColumns,
			s.ids.New(now), in.FileHash, in.FileName, in.Path, in.Size, now))
		if errors.Is(err, pgx.ErrNoRows) {
			j, err = scanJob(tx.QueryRow(ctx, `SELECT `+jobColumns+` FROM ingest_jobs WHERE file_hash = $1`, in.FileHash))
			return translate(err, "enqueue ingest job "+in.FileName)
		}
		created = err == nil
		return translate(err, "enqueue ingest job "+in.FileName)
	})
	return j, created, err
}

// ClaimIngestJobs leases due jobs with FOR UPDATE SKIP LOCKED.
func (s *Store) ClaimIngestJobs(ctx context.Context, c ledger.Claim) ([]ledger.IngestJob, error) {
	if c.Limit <= 0 || c.Lease <= 0 {
		return nil, fmt.Errorf("claim ingest jobs: limit and lease must be positive: %w", ledger.ErrInvalid)
	}
	now := s.at(c.Now)
	token := s.ids.New(now)
	var out []ledger.IngestJob
	err := s.write(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH due AS (
				SELECT id FROM ingest_jobs
				WHERE (status = 'queued' AND next_at <= $4) OR (status = 'running' AND lease_until <= $4)
				ORDER BY next_at, id LIMIT $5
				FOR UPDATE SKIP LOCKED)
			UPDATE ingest_jobs j SET status = 'running', attempts = attempts + 1, lease_token = $1, lease_worker = $2,
				lease_until = $3, updated_at = $6
			FROM due WHERE j.id = due.id
			RETURNING `+prefixed("j", jobColumns),
			token, c.Worker, now.Add(c.Lease), now, c.Limit, s.now())
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
	err := s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE ingest_jobs SET status = 'queued', next_at = $1, lease_token = NULL, lease_worker = NULL,
				lease_until = NULL, updated_at = $2
			WHERE status = 'running' AND lease_worker = $3`, at, s.now(), worker)
		if err != nil {
			return translate(err, "release ingest jobs")
		}
		n = tag.RowsAffected()
		return nil
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
	return s.finishJob(ctx, id, token, `status = 'done', outcome = $4, detail = $5, finished_at = $1`, []any{outcome, detail}, now)
}

// FailIngestJob records an error: queued again from retryAt, or failed.
func (s *Store) FailIngestJob(ctx context.Context, id, token, errMsg string, retryAt time.Time) (ledger.IngestJob, error) {
	now := s.now()
	if retryAt.IsZero() {
		return s.finishJob(ctx, id, token, `status = 'failed', last_error = $4, finished_at = $1`, []any{errMsg}, now)
	}
	return s.finishJob(ctx, id, token, `status = 'queued', last_error = $4, next_at = $5`, []any{errMsg, retryAt.UTC()}, now)
}

// finishJob applies set (whose parameters start at $4; $1 is now) to a
// running job whose lease token matches.
func (s *Store) finishJob(ctx context.Context, id, token, set string, args []any, now time.Time) (ledger.IngestJob, error) {
	var j ledger.IngestJob
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		j, err = scanJob(tx.QueryRow(ctx, `UPDATE ingest_jobs SET `+set+`, lease_token = NULL, lease_worker = NULL, lease_until = NULL, updated_at = $1
			WHERE id = $2 AND status = 'running' AND lease_token = $3 RETURNING `+jobColumns, append([]any{now, id, token}, args...)...))
		if errors.Is(err, pgx.ErrNoRows) {
			return leaseError(ctx, tx, "ingest_jobs", "ingest job", id)
		}
		return translate(err, "finish ingest job "+id)
	})
	return j, err
}

// GetIngestJob returns a job.
func (s *Store) GetIngestJob(ctx context.Context, id string) (ledger.IngestJob, error) {
	j, err := scanJob(s.pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM ingest_jobs WHERE id = $1`, id))
	return j, translate(err, "ingest job "+id)
}

// FindIngestJob returns the job of a file hash.
func (s *Store) FindIngestJob(ctx context.Context, fileHash string) (ledger.IngestJob, error) {
	j, err := scanJob(s.pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM ingest_jobs WHERE file_hash = $1`, fileHash))
	return j, translate(err, "ingest job of file "+fileHash)
}

// ListIngestJobs lists jobs in id order.
func (s *Store) ListIngestJobs(ctx context.Context, f ledger.IngestJobFilter) ([]ledger.IngestJob, error) {
	var w filter
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+jobColumns+` FROM ingest_jobs`+w.where()+" ORDER BY id"+limitClause(f.Limit), w.args...)
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

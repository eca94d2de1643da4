package ingest

import (
	"context"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Store is what ingestion needs of the storage contract (ledger.Store
// satisfies it): statements, ingestion jobs and outbox events. The
// contract's rules apply: each call is one transaction, safe for concurrent
// use by several replicas.
type Store interface {
	// SaveStatementFile stores a file's statements once per content hash
	// and its transactions once per account and dedup key, with the
	// statement.ingested events in the same transaction.
	SaveStatementFile(ctx context.Context, f ledger.StatementFile, w ledger.Write[ledger.StatementFileResult]) (ledger.StatementFileResult, error)
	// ListStatements reads earlier statements of an account (sequence
	// numbers) and of a file (format of a duplicate's original).
	ListStatements(ctx context.Context, f ledger.StatementFilter) ([]ledger.StoredStatement, error)

	EnqueueIngestJob(ctx context.Context, j ledger.IngestJob) (ledger.IngestJob, bool, error)
	ClaimIngestJobs(ctx context.Context, c ledger.Claim) ([]ledger.IngestJob, error)
	// ReleaseIngestJobs hands back, at start, the jobs this replica's
	// previous incarnation held when it died.
	ReleaseIngestJobs(ctx context.Context, worker string, now time.Time) (int, error)
	CompleteIngestJob(ctx context.Context, id, token, outcome, detail string) (ledger.IngestJob, error)
	FailIngestJob(ctx context.Context, id, token, errMsg string, retryAt time.Time) (ledger.IngestJob, error)
	FindIngestJob(ctx context.Context, fileHash string) (ledger.IngestJob, error)

	// AppendEvents records statement.rejected events (a rejected file has
	// no statement to travel with); ListEvents checks that one was not
	// recorded already by an attempt that crashed.
	AppendEvents(ctx context.Context, evs []ledger.EventDraft) ([]ledger.OutboxEvent, error)
	ListEvents(ctx context.Context, f ledger.EventFilter) ([]ledger.OutboxEvent, error)
}

// Job outcomes recorded with CompleteIngestJob.
const (
	OutcomeArchived = "archived" // statements stored, file in archive/; Detail is its path
	OutcomeRejected = "rejected" // file in rejected/; Detail is its path, a newline, the reason
)

// Outcomes counted by the files metric (besides the job outcomes).
const (
	outcomeDuplicate = "duplicate" // same content as an earlier file: archived (or rejected) without side effects
)

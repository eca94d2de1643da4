package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
)

// processLoop claims due ingestion jobs one at a time, in the store's order
// (oldest first), and processes them, until ctx ends.
func (w *Watcher) processLoop(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		jobs, err := w.cfg.Store.ClaimIngestJobs(ctx, ledger.Claim{Worker: w.cfg.Replica, Limit: 1, Lease: w.cfg.Lease, Now: w.cfg.Now()})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			pause := min(w.cfg.ClaimInterval<<min(failures, 5), 30*time.Second)
			w.log.Error().Err(err).Dur("retry_in", pause).Msg("cannot claim ingestion jobs")
			w.m.failed("claim")
			if !w.sleep(ctx, pause) {
				return
			}
			continue
		}
		failures = 0
		if len(jobs) == 0 {
			if !w.sleep(ctx, w.cfg.ClaimInterval) {
				return
			}
			continue
		}
		w.process(ctx, jobs[0])
	}
}

// sleep waits for d, a Notify, or the end of ctx (false).
func (w *Watcher) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-w.wake:
		return true
	case <-t.C:
		return true
	}
}

// isBusy reports whether the processing goroutine has the file in hand.
func (w *Watcher) isBusy(rel string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.busy[rel]
}

func (w *Watcher) setBusy(rel string, b bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if b {
		w.busy[rel] = true
	} else {
		delete(w.busy, rel)
	}
}

// attemptPrefix starts the error a transient failure records, so that the
// next claim can tell a reported failure from an attempt that never came
// back (a crash, or a lease that expired).
func attemptPrefix(n int) string { return "attempt " + strconv.Itoa(n) + ": " }

// process runs one claimed job to its end: the file is parsed (hashing it
// again as it is read), its statements stored with their events, the job
// completed with its outcome, then the file moved to archive/ or
// rejected/. Each step is idempotent, so a job interrupted anywhere and
// claimed again ends the same way. A transient failure gives the job back
// for a retry with a backoff; the end of ctx gives it back due at once.
func (w *Watcher) process(ctx context.Context, job ledger.IngestJob) {
	rel := path.Clean(job.Path)
	w.setBusy(rel, true)
	defer w.setBusy(rel, false)
	intake, name, _ := splitProcessingName(path.Base(rel))
	if job.FileName != "" {
		name = job.FileName
	}
	log := w.log.With().Str("file", name).Str("job_id", job.ID).Str("sha256", job.FileHash).Int("attempt", job.Attempts).Logger()

	if dir := path.Dir(rel); !strings.HasPrefix(dir+"/", dirProcessing+"/") || dir == dirProcessing || !fs.ValidPath(rel) {
		w.fail(log, job, fmt.Sprintf("path %q is not in a processing/ directory of the data directory", job.Path))
		return
	}
	info, err := w.root.Lstat(rel)
	if errors.Is(err, fs.ErrNotExist) {
		w.fail(log, job, "the file vanished from "+rel+" before it was processed")
		return
	}
	if err != nil {
		w.retry(ctx, log, job, "stat", err)
		return
	}
	if job.Attempts > w.cfg.MaxAttempts && !strings.HasPrefix(job.LastError, attemptPrefix(job.Attempts-1)) {
		w.rejectJob(ctx, log, job, rel, intake, name, Report{Parser: "ingest", Reason: ReasonGaveUp,
			Error: fmt.Sprintf("gave up after %d attempts that did not finish (crash or lease of %s expired); last error: %s", job.Attempts-1, w.cfg.Lease, job.LastError)})
		return
	}
	if !info.Mode().IsRegular() {
		w.rejectJob(ctx, log, job, rel, intake, name, Report{Parser: "ingest", Reason: ReasonNotAFile, Error: describeMode(info.Mode()) + " is not a statement file"})
		return
	}
	f, err := openRegular(w.root, rel, info)
	if err != nil {
		w.retry(ctx, log, job, "open", err)
		return
	}
	start := time.Now()
	p, err := parseFile(ctx, f)
	f.Close()
	if err != nil {
		var pathErr *fs.PathError
		if ctx.Err() != nil || errors.As(err, &pathErr) {
			w.retry(ctx, log, job, "read", err)
			return
		}
		r := reportFor(err)
		if errors.Is(err, errParserPanic) {
			log.Error().Err(err).Msg("parser panic")
			r.Error, _, _ = strings.Cut(err.Error(), "\n") // without the stack
		}
		w.m.parsed(r.Format, time.Since(start))
		w.rejectJob(ctx, log, job, rel, intake, name, r)
		return
	}
	format := string(p.format())
	w.m.parsed(format, time.Since(start))
	log = log.With().Str("format", format).Logger()
	if p.sha != job.FileHash {
		w.rejectJob(ctx, log, job, rel, intake, name, Report{Parser: "ingest", Format: format, Reason: ReasonChanged,
			Error: "the file changed after it was taken (its content hash is no longer " + job.FileHash + ")"})
		return
	}
	if err := checkStatements(p.statements, w.cfg.RejectUnbalanced); err != nil {
		r := reportFor(err)
		r.Reason = ReasonInvalidStatement
		w.rejectJob(ctx, log, job, rel, intake, name, r)
		return
	}
	file := ledger.StatementFile{Hash: job.FileHash, Name: name, Size: p.size, Format: p.format(), Statements: p.statements}
	res, err := w.cfg.Store.SaveStatementFile(ctx, file, ledger.Write[ledger.StatementFileResult]{
		Actor: "ingest", Reason: "statement file " + name, Events: ingestedEvents(name)})
	if errors.Is(err, ledger.ErrInvalid) {
		r := reportFor(err)
		r.Parser, r.Format = "store", format
		w.rejectJob(ctx, log, job, rel, intake, name, r)
		return
	}
	if err != nil {
		w.retry(ctx, log, job, "store", err)
		return
	}
	w.hook("saved")
	if !res.Duplicate {
		w.m.stored(res.Inserted(), res.Duplicates())
		w.eventsRecorded()
		gaps, err := w.seq.check(ctx, res)
		if err != nil {
			log.Warn().Err(err).Msg("cannot check sequence numbers")
		}
		for _, g := range gaps {
			w.m.gap()
			log.Warn().Str("account", maskAccount(g.account)).Str("statement_id", g.statementID).
				Int64("previous_seq", g.previous).Int64("seq", g.found).Int64("missing", g.found-g.previous-1).
				Msg("gap in electronic sequence numbers: statements are missing")
		}
	}
	dest := path.Join(archiveDir(job.CreatedAt), archiveName(job.FileHash, name))
	if _, err := w.cfg.Store.CompleteIngestJob(ctx, job.ID, job.Lease.Token, OutcomeArchived, dest); err != nil {
		if errors.Is(err, ledger.ErrConflict) {
			log.Warn().Err(err).Msg("lease lost while processing; the replica holding the job finishes it")
			return
		}
		w.retry(ctx, log, job, "complete", err)
		return
	}
	w.hook("completed")
	got, err := moveNoClobber(w.root, rel, path.Dir(dest), path.Base(dest))
	if err != nil {
		// The job is done: the next rescan of processing/ finishes the move.
		log.Error().Err(err).Msg("cannot archive processed file; will try again")
		w.m.failed("move")
		return
	}
	ev := log.Info().Str("archived_to", got).Int("statements", len(res.Statements)).
		Int("transactions_inserted", res.Inserted()).Int("transactions_duplicate", res.Duplicates())
	for _, st := range res.Statements {
		ev = ev.Str("statement_id", st.ID).Str("account", maskAccount(st.AccountID))
		break
	}
	if res.Duplicate {
		ev.Msg("file archived; its statements were stored by an earlier, interrupted attempt")
	} else {
		ev.Msg("file archived")
	}
	w.m.file(OutcomeArchived, format)
	if w.cfg.OnStored != nil {
		w.cfg.OnStored(ctx, res)
	}
}

// rejectJob rejects a claimed job's file: report written, statement.rejected
// recorded (once per content), job completed as rejected, then the file
// moved beside its report.
func (w *Watcher) rejectJob(ctx context.Context, log zerolog.Logger, job ledger.IngestJob, rel, intake, name string, r Report) {
	r.File, r.SHA256, r.Size, r.JobID, r.IntakeID = name, job.FileHash, job.Size, job.ID, intake
	r.RejectedAt = w.cfg.Now().UTC()
	completed := false
	got, err := w.rejectFile(rel, r, func(dest string) error {
		if err := w.recordRejected(ctx, r, dest); err != nil {
			return fmt.Errorf("record statement.rejected: %w", err)
		}
		if _, err := w.cfg.Store.CompleteIngestJob(ctx, job.ID, job.Lease.Token, OutcomeRejected, dest+"\n"+r.Error); err != nil {
			return fmt.Errorf("complete job: %w", err)
		}
		completed = true
		w.hook("rejected")
		return nil
	})
	if err != nil {
		switch {
		case completed:
			log.Error().Err(err).Msg("cannot move rejected file; will try again")
			w.m.failed("move")
		case errors.Is(err, ledger.ErrConflict):
			log.Warn().Err(err).Msg("lease lost while rejecting; the replica holding the job finishes it")
		default:
			w.retry(ctx, log, job, "reject", err)
		}
		return
	}
	log.Warn().Str("rejected_to", got).Str("parser", r.Parser).Str("position", r.Position).Str("reason", r.Error).Msg("file rejected")
	w.m.file(OutcomeRejected, r.Format)
	w.m.rejected(reasonOf(r))
	w.eventsRecorded()
}

// retry gives a job back after a transient failure: due again after a
// backoff, or at once when ctx ended (shutdown: release the file in hand).
func (w *Watcher) retry(ctx context.Context, log zerolog.Logger, job ledger.IngestJob, stage string, cause error) {
	at := w.cfg.Now().Add(w.backoff(job.Attempts))
	if ctx.Err() != nil {
		at = w.cfg.Now()
		log.Info().Msg("interrupted: job released for a later run")
	} else {
		log.Error().Err(cause).Str("stage", stage).Time("retry_at", at).Msg("ingestion failed; will retry")
		w.m.failed(stage)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := w.cfg.Store.FailIngestJob(rctx, job.ID, job.Lease.Token, attemptPrefix(job.Attempts)+cause.Error(), at); err != nil {
		log.Error().Err(err).Msg("cannot release job; it is claimed again once its lease expires")
	}
}

// fail gives up a job whose file cannot be processed at all (it vanished,
// or its path is refused): nothing can be moved, so there is no rejection.
func (w *Watcher) fail(log zerolog.Logger, job ledger.IngestJob, reason string) {
	log.Error().Str("path", job.Path).Str("reason", reason).Msg("ingestion job failed for good")
	rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := w.cfg.Store.FailIngestJob(rctx, job.ID, job.Lease.Token, reason, time.Time{}); err != nil {
		log.Error().Err(err).Msg("cannot record failed job")
	}
	w.m.failed("vanished")
}

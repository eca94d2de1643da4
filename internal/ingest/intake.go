package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"time"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
)

// adopt decides what becomes of an entry of this replica's processing/
// directory (just taken, or left by an earlier run): an entry that is not
// a regular file, or too large, is rejected unread; a regular file is
// hashed and recorded as an ingestion job, whose state then says what to
// do (see decide). Errors leave the file where it is, for the next rescan.
func (w *Watcher) adopt(ctx context.Context, rel string) {
	base := path.Base(rel)
	intake, name, ok := splitProcessingName(base)
	if !ok {
		// Not a name this package made (put there by hand): give it one.
		intake = w.ids.New(w.cfg.Now())
		renamed := path.Join(w.procDir, processingName(intake, base))
		if err := w.root.Rename(rel, renamed); err != nil {
			w.log.Error().Err(err).Str("path", rel).Msg("cannot rename a foreign file in processing/")
			return
		}
		rel = renamed
	}
	log := w.log.With().Str("file", name).Str("intake_id", intake).Logger()
	info, err := w.root.Lstat(rel)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			log.Error().Err(err).Msg("cannot look at taken file")
		}
		delete(w.known, rel)
		return
	}
	if !info.Mode().IsRegular() {
		w.rejectUnread(ctx, log, rel, name, intake, info, ReasonNotAFile, fmt.Sprintf("%s is not a statement file: only regular files are taken (symbolic links are never followed)", describeMode(info.Mode())))
		return
	}
	if info.Size() > w.cfg.MaxFileBytes {
		w.rejectUnread(ctx, log, rel, name, intake, info, ReasonTooLarge, fmt.Sprintf("file of %d bytes is larger than the %d bytes allowed (ingest max_file_bytes)", info.Size(), w.cfg.MaxFileBytes))
		return
	}
	sha, ok := w.known[rel]
	if !ok {
		f, err := openRegular(w.root, rel, info)
		if err != nil {
			log.Error().Err(err).Msg("cannot open taken file")
			w.m.failed("hash")
			return
		}
		var n int64
		sha, n, err = hashFile(ctx, f)
		f.Close()
		if err != nil {
			if ctx.Err() == nil {
				log.Error().Err(err).Msg("cannot read taken file")
				w.m.failed("hash")
			}
			return
		}
		after, err := w.root.Lstat(rel)
		if err != nil || n != info.Size() || !sameState(info, after) {
			w.returnToInbox(log, rel, name)
			return
		}
		w.known[rel] = sha
	}
	var job ledger.IngestJob
	var created bool
	if ok {
		// Looked at before: its job exists unless recording it failed.
		job, err = w.cfg.Store.FindIngestJob(ctx, sha)
	}
	if !ok || errors.Is(err, ledger.ErrNotFound) {
		job, created, err = w.cfg.Store.EnqueueIngestJob(ctx, ledger.IngestJob{FileHash: sha, FileName: name, Path: rel, Size: info.Size()})
	}
	if err != nil {
		if ctx.Err() == nil {
			log.Error().Err(err).Msg("cannot record taken file; will try again")
			w.m.failed("enqueue")
		}
		return
	}
	w.decide(ctx, log, rel, name, intake, sha, info.Size(), job, created)
}

// decide acts on the job of a taken file's content:
//
//   - a new job, or this file's own job still queued or running: the
//     processing goroutine will (or does) process it;
//   - this file's own job done: a run stopped between recording the
//     outcome and moving the file; finish the move;
//   - another file's job done: this file is a duplicate (archived without
//     side effects, or rejected like its original);
//   - another file's job queued or running: wait for it (next rescan).
func (w *Watcher) decide(ctx context.Context, log zerolog.Logger, rel, name, intake, sha string, size int64, job ledger.IngestJob, created bool) {
	switch {
	case created:
		log.Info().Str("job_id", job.ID).Str("sha256", sha).Msg("file queued")
		w.Notify()
	case job.Path == rel && (job.Status == ledger.JobQueued || job.Status == ledger.JobRunning):
		w.Notify()
	case job.Path == rel && job.Status == ledger.JobDone:
		w.finishMove(ctx, log, rel, sha, job)
	case job.Status == ledger.JobDone || job.Status == ledger.JobFailed:
		w.duplicate(ctx, log, rel, name, intake, sha, size, job)
	default:
		log.Debug().Str("job_id", job.ID).Str("original", job.FileName).Msg("same content is being processed; waiting")
	}
}

// finishMove moves a file whose job is done to where the job says.
func (w *Watcher) finishMove(ctx context.Context, log zerolog.Logger, rel, sha string, job ledger.IngestJob) {
	dest, reason := splitDetail(job.Detail)
	log = log.With().Str("job_id", job.ID).Logger()
	switch job.Outcome {
	case OutcomeArchived:
		if dest == "" {
			dest = path.Join(archiveDir(job.CreatedAt), archiveName(sha, job.FileName))
		}
		got, err := moveNoClobber(w.root, rel, path.Dir(dest), path.Base(dest))
		if err != nil {
			log.Error().Err(err).Msg("cannot archive processed file; will try again")
			w.m.failed("move")
			return
		}
		delete(w.known, rel)
		log.Info().Str("archived_to", got).Msg("file archived (recovered after an interrupted run)")
		w.m.file(OutcomeArchived, w.formatOf(ctx, sha))
	case OutcomeRejected:
		if dest == "" {
			dest = path.Join(dirRejected, safeName(job.FileName))
		}
		if _, err := w.root.Lstat(reportPath(dest)); errors.Is(err, fs.ErrNotExist) {
			intake, _, _ := splitProcessingName(path.Base(rel))
			r := Report{File: job.FileName, SHA256: sha, Size: job.Size, Parser: "ingest", Error: reason, Reason: ReasonOther, RejectedAt: job.FinishedAt, JobID: job.ID, IntakeID: intake}
			if err := writeFileAtomic(w.root, reportPath(dest), r.marshal()); err != nil {
				log.Error().Err(err).Msg("cannot write rejection report; will try again")
				return
			}
		}
		got, err := w.moveRejected(rel, dest)
		if err != nil {
			log.Error().Err(err).Msg("cannot move rejected file; will try again")
			w.m.failed("move")
			return
		}
		delete(w.known, rel)
		log.Warn().Str("rejected_to", got).Str("reason", reason).Msg("file rejected (recovered after an interrupted run)")
		w.m.file(OutcomeRejected, "")
		w.m.rejected(ReasonOther)
	default:
		// A failed job (its file vanished or its path was refused) with
		// the file back: treat it as a duplicate of a failed original.
		w.duplicate(ctx, log, rel, job.FileName, "", sha, job.Size, job)
	}
}

// duplicate handles a file whose content an earlier file brought: archived
// under its own name when the original was archived, rejected with a
// report naming the original otherwise. Nothing is stored, no event.
func (w *Watcher) duplicate(ctx context.Context, log zerolog.Logger, rel, name, intake, sha string, size int64, orig ledger.IngestJob) {
	log = log.With().Str("sha256", sha).Str("original", orig.FileName).Str("job_id", orig.ID).Logger()
	if orig.Status == ledger.JobDone && orig.Outcome == OutcomeArchived {
		got, err := moveNoClobber(w.root, rel, archiveDir(w.cfg.Now()), archiveName(sha, name))
		if err != nil {
			log.Error().Err(err).Msg("cannot archive duplicate file; will try again")
			w.m.failed("move")
			return
		}
		delete(w.known, rel)
		log.Info().Str("archived_to", got).Msg("duplicate file archived: same content as an earlier file, nothing stored")
		w.m.file(outcomeDuplicate, w.formatOf(ctx, sha))
		return
	}
	_, why := splitDetail(orig.Detail)
	if orig.Status == ledger.JobFailed {
		why = orig.LastError
	}
	if intake == "" {
		intake, _, _ = splitProcessingName(path.Base(rel))
	}
	r := Report{File: name, SHA256: sha, Size: size, Parser: "ingest", Reason: ReasonDuplicateRejected, DuplicateOf: orig.FileName, JobID: orig.ID, IntakeID: intake,
		RejectedAt: w.cfg.Now().UTC(), Error: fmt.Sprintf("same content as %q, which was %s: %s", orig.FileName, outcomeWord(orig), why)}
	got, err := w.rejectFile(rel, r, nil)
	if err != nil {
		log.Error().Err(err).Msg("cannot reject duplicate file; will try again")
		w.m.failed("move")
		return
	}
	delete(w.known, rel)
	log.Warn().Str("rejected_to", got).Msg("duplicate of a rejected file rejected")
	w.m.file(outcomeDuplicate, "")
	w.m.rejected(ReasonDuplicateRejected)
}

func outcomeWord(j ledger.IngestJob) string {
	if j.Status == ledger.JobFailed {
		return "not processed"
	}
	return j.Outcome
}

// formatOf returns the format of the statements stored from a content
// hash, for metrics ("" when unknown).
func (w *Watcher) formatOf(ctx context.Context, sha string) string {
	sts, err := w.cfg.Store.ListStatements(ctx, ledger.StatementFilter{FileHash: sha, Limit: 1})
	if err != nil || len(sts) == 0 {
		return ""
	}
	return string(sts[0].Header.Format)
}

// rejectUnread rejects an entry without reading it (not a regular file,
// too large), with a statement.rejected event.
func (w *Watcher) rejectUnread(ctx context.Context, log zerolog.Logger, rel, name, intake string, info fs.FileInfo, kind, reason string) {
	r := Report{File: name, Parser: "ingest", Error: reason, Reason: kind, RejectedAt: w.cfg.Now().UTC(), IntakeID: intake}
	if info.Mode().IsRegular() {
		r.Size = info.Size()
	}
	got, err := w.rejectFile(rel, r, func(dest string) error { return w.recordRejected(ctx, r, dest) })
	if err != nil {
		if ctx.Err() == nil {
			log.Error().Err(err).Msg("cannot reject file; will try again")
			w.m.failed("reject")
		}
		return
	}
	delete(w.known, rel)
	log.Warn().Str("rejected_to", got).Str("reason", reason).Msg("file rejected")
	w.m.file(OutcomeRejected, "")
	w.m.rejected(kind)
	w.eventsRecorded()
}

// recordRejected records the statement.rejected event of a report, unless
// an earlier attempt did.
func (w *Watcher) recordRejected(ctx context.Context, r Report, dest string) error {
	agg := rejectedAggregate(r)
	prev, err := w.cfg.Store.ListEvents(ctx, ledger.EventFilter{AggregateType: aggregateFile, AggregateID: agg, Type: ledger.EventStatementRejected, Limit: 1})
	if err != nil {
		return err
	}
	if len(prev) > 0 {
		return nil
	}
	ev, err := rejectedEvent(r, dest)
	if err != nil {
		return err
	}
	_, err = w.cfg.Store.AppendEvents(ctx, []ledger.EventDraft{ev})
	return err
}

// eventsRecorded tells whoever delivers events that there are new ones.
func (w *Watcher) eventsRecorded() {
	if w.cfg.OnEvents != nil {
		w.cfg.OnEvents()
	}
}

// rejectFile moves a file to rejected/ beside its report: it picks a free
// name (or the one an interrupted attempt of the same drop picked), writes
// the report, calls beforeMove (which records what must be recorded before
// the file leaves processing/), then moves the file, and returns where it
// went.
func (w *Watcher) rejectFile(rel string, r Report, beforeMove func(dest string) error) (string, error) {
	dest, err := w.rejectedDest(r.File, r.IntakeID)
	if err != nil {
		return "", err
	}
	if err := writeFileAtomic(w.root, reportPath(dest), r.marshal()); err != nil {
		return "", err
	}
	if beforeMove != nil {
		if err := beforeMove(dest); err != nil {
			return "", err
		}
	}
	return w.moveRejected(rel, dest)
}

// moveRejected moves a file to its chosen place in rejected/; when that
// name was taken meanwhile it goes to the next free one and its report
// follows it.
func (w *Watcher) moveRejected(rel, dest string) (string, error) {
	got, err := moveNoClobber(w.root, rel, dirRejected, path.Base(dest))
	if err != nil {
		return "", err
	}
	if got != dest {
		if b, err := w.root.ReadFile(reportPath(dest)); err == nil {
			if err := writeFileAtomic(w.root, reportPath(got), b); err != nil {
				return got, err
			}
			_ = w.root.Remove(reportPath(dest))
		}
	}
	return got, nil
}

// rejectedDest picks the name of a rejected file in rejected/: its own
// name, else the first free variant (see variant). A name whose report
// belongs to the same drop (an attempt interrupted before the move) is
// reused.
func (w *Watcher) rejectedDest(name, intake string) (string, error) {
	base := safeName(name)
	for n := 1; n < 10000; n++ {
		dest := path.Join(dirRejected, variant(base, n))
		_, err := w.root.Lstat(dest)
		if err == nil {
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		b, err := w.root.ReadFile(reportPath(dest))
		if errors.Is(err, fs.ErrNotExist) {
			return dest, nil
		}
		var prev Report
		if err == nil && json.Unmarshal(b, &prev) == nil && prev.IntakeID == intake && intake != "" {
			return dest, nil
		}
	}
	return "", fmt.Errorf("no free name for %s in %s", name, dirRejected)
}

// returnToInbox puts back a file that changed while it was being read
// (its producer was still writing): it will settle again.
func (w *Watcher) returnToInbox(log zerolog.Logger, rel, name string) {
	dest := path.Join(dirInbox, name)
	if _, err := w.root.Lstat(dest); err == nil {
		log.Warn().Msg("file changed while being read and its name is taken again in inbox/; keeping it in processing/ for now")
		return
	}
	if err := w.root.Rename(rel, dest); err != nil {
		log.Error().Err(err).Msg("file changed while being read; cannot put it back in inbox/")
		return
	}
	delete(w.known, rel)
	log.Warn().Msg("file changed while being read: put back in inbox/ to settle")
}

// scanOwn looks at every entry of this replica's processing/ directory:
// recovery at start, and the files whose job state needs a look again
// (duplicates waiting for their original, moves that failed).
func (w *Watcher) scanOwn(ctx context.Context) {
	entries, err := w.readDir(w.procDir)
	if err != nil {
		w.log.Error().Err(err).Str("path", w.procDir).Msg("cannot list processing directory")
		return
	}
	present := map[string]bool{}
	for _, e := range entries {
		if ctx.Err() != nil {
			return
		}
		rel := path.Join(w.procDir, e.Name())
		present[rel] = true
		if w.isBusy(rel) {
			continue
		}
		w.adopt(ctx, rel)
	}
	for rel := range w.known {
		if !present[rel] {
			delete(w.known, rel)
		}
	}
}

// scanOrphans looks at other replicas' processing/ directories and adopts
// the files that stayed there longer than OrphanAfter: a replica that died
// after taking a file and before recording its job (or before moving it
// once done) leaves it behind; when it does not come back, another one
// finishes its work. A file whose job is queued or running is left to the
// job's lease.
func (w *Watcher) scanOrphans(ctx context.Context) {
	dirs, err := w.readDir(dirProcessing)
	if err != nil {
		w.log.Error().Err(err).Msg("cannot list processing/")
		return
	}
	now := w.cfg.Now()
	seen := map[string]bool{}
	for _, d := range dirs {
		if !d.IsDir() || d.Name() == path.Base(w.procDir) {
			continue
		}
		entries, err := w.readDir(path.Join(dirProcessing, d.Name()))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if ctx.Err() != nil {
				return
			}
			rel := path.Join(dirProcessing, d.Name(), e.Name())
			seen[rel] = true
			o, ok := w.orphans[rel]
			if !ok {
				w.orphans[rel] = &orphan{firstSeen: now}
				continue
			}
			if now.Sub(o.firstSeen) >= w.cfg.OrphanAfter {
				w.adoptOrphan(ctx, rel, d.Name(), o)
			}
		}
	}
	for rel := range w.orphans {
		if !seen[rel] {
			delete(w.orphans, rel)
		}
	}
}

// adoptOrphan takes over a file another replica left in its processing/
// directory.
func (w *Watcher) adoptOrphan(ctx context.Context, rel, replica string, o *orphan) {
	log := w.log.With().Str("path", rel).Str("replica", replica).Logger()
	info, err := w.root.Lstat(rel)
	if err != nil {
		return
	}
	if info.Mode().IsRegular() && info.Size() <= w.cfg.MaxFileBytes && o.sha == "" {
		f, err := openRegular(w.root, rel, info)
		if err != nil {
			return
		}
		o.sha, _, err = hashFile(ctx, f)
		f.Close()
		if err != nil {
			o.sha = ""
			return
		}
	}
	if o.sha != "" {
		job, err := w.cfg.Store.FindIngestJob(ctx, o.sha)
		switch {
		case err == nil && job.Path == rel && job.Status == ledger.JobDone:
			w.finishMove(ctx, log, rel, o.sha, job)
			return
		case err == nil && job.Path == rel:
			return // the job's lease decides who processes it
		case err != nil && !errors.Is(err, ledger.ErrNotFound):
			log.Error().Err(err).Msg("cannot look up orphan file's job")
			return
		}
	}
	own := path.Join(w.procDir, path.Base(rel))
	if err := w.root.Rename(rel, own); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			log.Error().Err(err).Msg("cannot adopt orphan file")
		}
		return
	}
	delete(w.orphans, rel)
	log.Warn().Str("adopted_as", own).Dur("orphan_after", w.cfg.OrphanAfter).Msg("adopted a file another replica left in processing/")
	w.adopt(ctx, own)
}

// backoff is the wait before retrying a job after its n-th attempt failed.
func (w *Watcher) backoff(attempts int) time.Duration {
	d := w.cfg.ClaimInterval << min(max(attempts, 1), 10)
	return min(d, 5*time.Minute)
}

// Package ingest is the watched folder of `lettrage serve`: it takes the
// statement files dropped in the data directory's inbox/, parses them,
// stores their statements and transactions, and moves each file to
// archive/ or rejected/. A Watcher does it all in Run(ctx).
//
// # Data directory
//
//	inbox/                       dropped files; watched
//	processing/<replica>/        files a replica has taken, "<intake id>-<name>"
//	archive/YYYY/MM/<sha256>-<name>   processed files, content-addressed, never overwritten
//	rejected/<name>              refused files, beside <name>.error.json (see Report)
//
// Every file operation goes through an os.Root on the data directory, so
// no name or symbolic link reaches outside it; inbox/, processing/,
// archive/ and rejected/ must be real directories. Nothing that enters
// inbox/ is ever deleted: it ends in archive/ or rejected/ (a second copy
// of an already archived content is archived too, under its own name).
//
// # When a file is taken
//
// inbox/ is watched with fsnotify and listed in full every RescanInterval
// (notifications are lost on overflow and do not exist for changes made by
// other hosts on network file systems). Names starting with a dot or "~$"
// and names ending in .tmp, .temp, .part, .partial, .crdownload,
// .download, .filepart, .swp or "~" are never taken: producers write under
// such a name and rename when done. A file is taken once complete:
//
//   - renamed in: it appeared by a rename from a temporary file of inbox/
//     (the same inode as a temporary file seen, or notified right after a
//     temporary file was renamed away: inotify reports a rename as those
//     two events in a row), or it appeared non-empty with a modification
//     time at least SettleTime old (moved in from elsewhere once written;
//     a file being written has a fresh modification time) — taken at once;
//   - otherwise once its type, size, modification time and inode have not
//     changed for SettleTime, measured on this process's clock from the
//     first look that saw them so. On a network file system, set
//     SettleTime above the mount's attribute cache time.
//
// Directories, symbolic links (never followed), pipes and devices settle
// the same way and are then rejected with a reason, as are files larger
// than MaxFileBytes (not read). A file that changes while it is being
// hashed is put back in inbox/ to settle again.
//
// # Exactly once
//
// Taking is an atomic rename from inbox/ into processing/<replica>/ under a
// unique name: of several replicas sharing the inbox, one wins, the others
// get ENOENT and forget the file. The taker hashes the file (SHA-256, in a
// stream) and records an ingestion job keyed by the hash
// (EnqueueIngestJob, idempotent on the hash). The job's state then decides:
//
//   - a new job (or the file's own job, still queued or running) is
//     processed by a processing goroutine, which claims due jobs with a
//     lease (ClaimIngestJobs: FOR UPDATE SKIP LOCKED on PostgreSQL), so each
//     job is processed by one replica at a time, and a job whose replica
//     died is claimed again once its lease expires;
//   - another file's job, done: this file is a duplicate (the same content
//     under any name). It is archived under its own name without any side
//     effect (nothing stored, no event), or, when the original was
//     rejected, rejected with a report naming it;
//   - another file's job, queued or running: the duplicate waits for it.
//
// Processing a job: parse the file again, hashing it as it is read (the
// bytes parsed are the bytes hashed, or the file is rejected); store the
// file's statements and transactions in one transaction
// (SaveStatementFile: once per hash, and once per account and dedup key
// for each transaction, so the same payment in two overlapping statements
// is stored once), with the statement.ingested events in that same
// transaction; complete the job with its outcome and destination; move the
// file last. A rejection writes the report, records statement.rejected
// (unless an earlier attempt did), completes the job as rejected, then
// moves the file.
//
// A crash at any point gives the same end state as no crash: before the
// statements are stored, the job is claimed again after its lease and
// starts over; after they are stored, SaveStatementFile reports them as
// already stored (no second insertion, no second event) and processing goes
// on to completing the job; after the job is completed, the file still in
// processing/ is found at the next start (or rescan) with its job done, and
// moved where the job says. A move is a hard link then an unlink, so an
// interrupted move is finished, never doubled, and nothing is overwritten.
// A replica that never comes back leaves its files to the others: a job's
// lease expires; a file it took but never recorded, or recorded as done
// but never moved, is adopted after OrphanAfter. Replicas must share the
// data directory (one file system), since a job's path is relative to it.
//
// An attempt that fails for a transient reason (the store, an I/O error)
// is retried with a backoff, for as long as it takes; attempts that never
// report back (a crash while parsing, a lease too short for the file) stop
// after MaxAttempts and the file is rejected, so a file that crashes the
// process cannot keep it in a restart loop. A parser panic rejects the
// file; the daemon keeps running.
//
// # Order and sequence numbers
//
// Files that are complete at the same look are taken oldest modification
// first (then by name); jobs are claimed oldest first, one at a time per
// replica; the statements of a file are stored in file order. A statement whose electronic
// sequence number (CAMT ElctrncSeqNb) is more than one above the highest
// stored for its account is stored, counted in
// lettrage_ingest_sequence_gaps_total and logged: statements are missing.
// The lettering, which is where order matters, sorts the statements it
// processes by date and sequence number.
//
// # Memory
//
// Files are hashed and parsed as streams; the statements and entries of
// one file are held in memory until stored, because the store takes a file
// whole (one transaction), so MaxFileBytes bounds memory too.
package ingest

package ledger

import "time"

// JobStatus is where an ingestion job stands.
type JobStatus string

// Ingestion job statuses.
const (
	JobQueued  JobStatus = "queued"  // waiting for a worker (NextAt)
	JobRunning JobStatus = "running" // claimed under a lease
	JobDone    JobStatus = "done"    // finished; Outcome says how
	JobFailed  JobStatus = "failed"  // given up after errors; LastError says why
)

// IngestJob is one statement file to process, and once processed the
// record of what became of it. The file hash identifies it: the same
// content dropped twice is one job.
type IngestJob struct {
	ID       string
	FileHash string // hex SHA-256 of the content
	FileName string
	Path     string // where the file waits, relative to the data directory
	Size     int64
	Status   JobStatus
	// Outcome is how a done job ended: "archived", "rejected",
	// "duplicate"…; Detail says more (archive path, rejection reason).
	Outcome    string
	Detail     string
	Attempts   int // claims so far
	NextAt     time.Time
	Lease      Lease // set while running
	LastError  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt time.Time
}

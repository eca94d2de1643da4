package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Config configures a Watcher. Zero durations and sizes take the defaults
// listed on each field; Validate names the first field out of bounds.
type Config struct {
	// DataDir is the data directory: inbox/, processing/, archive/ and
	// rejected/ live in it (created when missing; none of them may be a
	// symbolic link).
	DataDir string
	// Store records files, statements and events.
	Store Store
	// Replica names this process among the replicas sharing the data
	// directory and the database; it names its processing/ directory and
	// its leases, so it must be unique among running replicas and stable
	// across restarts (default: the host name).
	Replica string

	// SettleTime is how long a file's size and modification time must stay
	// unchanged before it is taken (default 5 s). A file renamed into
	// inbox/ is taken at once (see the package documentation).
	SettleTime time.Duration
	// RescanInterval is how often inbox/ and processing/ are listed in
	// full, for the events file system notifications lose (default 30 s).
	RescanInterval time.Duration
	// PollInterval is how often files waiting to settle are looked at
	// again (default SettleTime/4, at most 1 s).
	PollInterval time.Duration
	// ClaimInterval is how often the store is asked for due jobs when no
	// notification came (default 2 s): jobs of other replicas, retries.
	ClaimInterval time.Duration
	// Lease is how long a claimed job is this replica's before another
	// may take it over; it must exceed the processing time of the largest
	// file (default 5 min).
	Lease time.Duration
	// OrphanAfter is how long a file must sit in another replica's
	// processing/ directory, without a job, before this replica adopts it
	// (default 15 min).
	OrphanAfter time.Duration
	// MaxFileBytes is the largest file taken; a larger one is rejected
	// without being read (default 256 MiB).
	MaxFileBytes int64
	// MaxAttempts is how many claims a job may take before the file is
	// rejected as one that cannot be processed (default 5).
	MaxAttempts int
	// RejectUnbalanced rejects a file with a statement whose balances do
	// not check (opening + credits − debits ≠ closing). Off by default:
	// pages of a paginated statement do not balance on their own, and the
	// statement.ingested event carries "balanced" either way.
	RejectUnbalanced bool

	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives the package's logs (default: disabled).
	Logger zerolog.Logger
	// Metrics, when not nil, are updated (see NewMetrics).
	Metrics *Metrics
	// OnStored, when not nil, is called after a file's statements are
	// stored and the file archived (e.g. to wake the lettering). It must
	// not block.
	OnStored func(ctx context.Context, res ledger.StatementFileResult)
	// OnEvents, when not nil, is called after outbox events were recorded
	// (e.g. to wake the webhook dispatcher). It must not block.
	OnEvents func()

	// testHook, when set (package tests only), is called at named points of
	// the processing so that tests can simulate a crash there.
	testHook func(point string)
}

// Defaults.
const (
	DefaultSettleTime     = 5 * time.Second
	DefaultRescanInterval = 30 * time.Second
	DefaultClaimInterval  = 2 * time.Second
	DefaultLease          = 5 * time.Minute
	DefaultOrphanAfter    = 15 * time.Minute
	DefaultMaxFileBytes   = 256 << 20
	DefaultMaxAttempts    = 5
)

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Replica == "" {
		c.Replica, _ = os.Hostname()
		if c.Replica == "" {
			c.Replica = "lettrage"
		}
	}
	c.Replica = safeReplica(c.Replica)
	if c.SettleTime == 0 {
		c.SettleTime = DefaultSettleTime
	}
	if c.RescanInterval == 0 {
		c.RescanInterval = DefaultRescanInterval
	}
	if c.PollInterval == 0 {
		c.PollInterval = min(c.SettleTime/4, time.Second)
	}
	if c.ClaimInterval == 0 {
		c.ClaimInterval = DefaultClaimInterval
	}
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	if c.OrphanAfter == 0 {
		c.OrphanAfter = DefaultOrphanAfter
	}
	if c.MaxFileBytes == 0 {
		c.MaxFileBytes = DefaultMaxFileBytes
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate checks the configuration (after defaults) and names the first
// field out of bounds.
func (c Config) Validate() error {
	c = c.withDefaults()
	pos := func(name string, d time.Duration) error {
		if d <= 0 {
			return fmt.Errorf("ingest config: %s must be positive, got %s", name, d)
		}
		return nil
	}
	switch {
	case c.DataDir == "":
		return errors.New("ingest config: data_dir is required")
	case c.Store == nil:
		return errors.New("ingest config: a store is required")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"settle_time", c.SettleTime}, {"rescan_interval", c.RescanInterval}, {"poll_interval", c.PollInterval},
		{"claim_interval", c.ClaimInterval}, {"lease", c.Lease}, {"orphan_after", c.OrphanAfter}} {
		if err := pos(d.name, d.v); err != nil {
			return err
		}
	}
	switch {
	case c.MaxFileBytes < 1:
		return fmt.Errorf("ingest config: max_file_bytes must be positive, got %d", c.MaxFileBytes)
	case c.MaxAttempts < 1:
		return fmt.Errorf("ingest config: max_attempts must be at least 1, got %d", c.MaxAttempts)
	case c.OrphanAfter < 2*c.SettleTime:
		return fmt.Errorf("ingest config: orphan_after %s must be at least twice settle_time %s", c.OrphanAfter, c.SettleTime)
	}
	return nil
}

// safeReplica turns a replica name into one path element of letters,
// digits, '-', '_' and '.', never "." or "..".
func safeReplica(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.Trim(b.String(), ".")
	if out == "" {
		out = "lettrage"
	}
	if len(out) > 64 {
		out = out[:64]
	}
	return out
}

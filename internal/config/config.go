// Package config is the daemon's configuration: its keys and defaults, how
// a YAML file, LETTRAGE_* environment variables and flags combine (flag >
// environment > file > default), and the checks that run before anything
// starts. Loading reads nothing global: the caller passes the file name,
// the environment and the flags.
package config

import (
	"time"

	"github.com/lettrage/lettrage/internal/webhook"

	// The dunning timezone is checked with time.LoadLocation; embedding the
	// zone database keeps that working in images without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Config is the whole configuration of `lettrage serve`. The yaml tag of a
// field is its key; nested keys are joined with "." in messages
// ("webhooks.timeout") and with "_" in environment variables
// (LETTRAGE_WEBHOOKS_TIMEOUT).
type Config struct {
	// DataDir holds inbox/, archive/, rejected/ and the SQLite database.
	DataDir string `yaml:"data_dir"`
	// Listen is the HTTP address of the API and /metrics, host:port.
	Listen string `yaml:"listen"`
	// Database is "" for the embedded SQLite database in DataDir, or a
	// postgres:// URL.
	Database string `yaml:"database"`
	// LogLevel is trace, debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// LogFormat is json, console, or auto (console on a terminal, else json).
	LogFormat string `yaml:"log_format"`
	// ShutdownTimeout bounds the graceful drain after SIGTERM.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// MemoryLimit is the Go runtime's soft memory limit in bytes (what
	// GOMEMLIMIT sets): the garbage collector works harder near it instead
	// of letting the heap grow to twice what is live. 0 leaves GOMEMLIMIT
	// (or no limit). Set it to about 90 % of the container's memory.
	MemoryLimit int64 `yaml:"memory_limit"`
	// Replica names this process among the replicas sharing one database
	// and one data directory: its processing/<replica>/ directory and the
	// owner of its ingestion and webhook leases, which it takes back at
	// start after a crash. It must be unique among running replicas and
	// the same across restarts of one replica; "" means the host name.
	Replica string `yaml:"replica"`

	API      API      `yaml:"api"`
	Webhooks Webhooks `yaml:"webhooks"`
	Matching Matching `yaml:"matching"`
	Ingest   Ingest   `yaml:"ingest"`
	Dunning  Dunning  `yaml:"dunning"`

	// sources says where each key's value came from, by key path, for the
	// messages of Validate.
	sources map[string]string
}

// API configures the HTTP API.
type API struct {
	// Tokens are the accepted bearer tokens, stored as SHA-256 hashes.
	Tokens []Token `yaml:"tokens"`
	// MaxBodyBytes bounds a request body (an invoice CSV import included).
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// Token is one accepted bearer token.
type Token struct {
	// Name identifies the token in logs and audit fields ("decided by").
	Name string `yaml:"name"`
	// SHA256 is the lower-case hex SHA-256 of the token (see HashToken).
	SHA256 string `yaml:"sha256"`
	// Scopes are "read" (GET requests) and "write" (everything else).
	Scopes []string `yaml:"scopes"`
}

// Token scopes.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// Webhooks configures event delivery.
type Webhooks struct {
	// AllowPrivateTargets lets deliveries reach loopback, private (RFC
	// 1918), link-local, ULA, CGNAT and other non-public addresses, and
	// endpoints use plain http. Off by default (SSRF).
	AllowPrivateTargets bool `yaml:"allow_private_targets"`
	// Timeout bounds one delivery attempt.
	Timeout time.Duration `yaml:"timeout"`
	// RetryDelays is the nominal wait after the 1st, 2nd… failed attempt;
	// the last one repeats. Each is jittered down by up to half.
	RetryDelays []time.Duration `yaml:"retry_delays"`
	// MaxAge is the retry span: a delivery still failing once it has been
	// retried through all RetryDelays and this long after it was recorded
	// becomes a dead letter (listed by the API, replayable; a replayed one
	// that fails again is dead again at once).
	MaxAge time.Duration `yaml:"max_age"`
	// Workers is how many deliveries are attempted at once.
	Workers int `yaml:"workers"`
	// Lease is how long a claimed delivery belongs to the replica that
	// claimed it; a replica that died holding it (and does not come back
	// under its name) leaves it to the others after this. It must exceed
	// Timeout.
	Lease time.Duration `yaml:"lease"`
	// Endpoints are the receivers.
	Endpoints []Endpoint `yaml:"endpoints"`
}

// Endpoint is one webhook receiver.
type Endpoint struct {
	// Name is the endpoint's stable id (deliveries refer to it); it
	// defaults to the URL. Set it so that a new URL keeps the history.
	Name string `yaml:"name"`
	// URL is where events are POSTed, https (http only with
	// allow_private_targets).
	URL string `yaml:"url"`
	// Secrets sign each request ("whsec_<base64>"); the first is the
	// current one, the others are kept during a rotation.
	Secrets []string `yaml:"secrets"`
	// Events are the event types wanted: "*", exact types, or families
	// such as "lettrage.*".
	Events []string `yaml:"events"`
}

// Matching configures the lettrage engine.
type Matching struct {
	// AutoThreshold is the score from which a match is applied without a
	// human.
	AutoThreshold float64 `yaml:"auto_threshold"`
	// ReviewThreshold is the score from which a match is proposed for
	// review; below it the payment is unmatched.
	ReviewThreshold float64 `yaml:"review_threshold"`
	// FeeTolerance is the largest shortfall (a decimal amount in the
	// invoice's currency, e.g. "1.00") accepted as bank fees.
	FeeTolerance string `yaml:"fee_tolerance"`
	// FeeToleranceRel also bounds that shortfall as a fraction of the
	// invoice's open amount (0.001 = 0.1 %); 0 means no relative bound. A
	// shortfall must be within both.
	FeeToleranceRel float64 `yaml:"fee_tolerance_rel"`
	// MaxSubsetInvoices bounds how many invoices one payment may be split
	// across when the engine searches combinations.
	MaxSubsetInvoices int `yaml:"max_subset_invoices"`
}

// Ingest configures the watched folder.
type Ingest struct {
	// SettleTime is how long a file's size and mtime must stay unchanged
	// before it is taken (files renamed into inbox/ are taken at once).
	SettleTime time.Duration `yaml:"settle_time"`
	// RescanInterval is how often inbox/ is listed in full, for the events
	// that file system notifications lose.
	RescanInterval time.Duration `yaml:"rescan_interval"`
	// MaxFileBytes is the largest statement file taken; a larger one is
	// rejected.
	MaxFileBytes int64 `yaml:"max_file_bytes"`
	// Lease is how long a claimed file belongs to the replica processing
	// it; another replica takes over a job whose replica died (and did not
	// come back under its name) after this. It must exceed the processing
	// time of the largest file.
	Lease time.Duration `yaml:"lease"`
	// OrphanAfter is how long a file may sit in a dead replica's
	// processing/ directory without a job before another replica adopts
	// it.
	OrphanAfter time.Duration `yaml:"orphan_after"`
}

// Dunning configures the dunning scheduler.
type Dunning struct {
	// Schedule is when dunning runs, a five-field cron spec (robfig/cron
	// standard syntax, descriptors such as @daily allowed) read in
	// Timezone; "" disables scheduled runs.
	Schedule string `yaml:"schedule"`
	// Timezone is the IANA zone of Schedule and of "today" for due dates.
	Timezone string `yaml:"timezone"`
	// PolicyFile is the dunning policy; "" means the built-in default.
	PolicyFile string `yaml:"policy_file"`
}

// Default returns the configuration with every default, before any file,
// environment variable or flag.
func Default() Config {
	return Config{
		DataDir:         "./data",
		Listen:          "127.0.0.1:8080",
		Database:        "",
		LogLevel:        "info",
		LogFormat:       "auto",
		ShutdownTimeout: 30 * time.Second,
		API: API{
			MaxBodyBytes: 32 << 20,
		},
		Webhooks: Webhooks{
			AllowPrivateTargets: false,
			Timeout:             webhook.DefaultTimeout,
			RetryDelays:         append([]time.Duration(nil), webhook.DefaultDelays...),
			MaxAge:              webhook.DefaultMaxAge,
			Workers:             4,
			Lease:               webhook.DefaultTimeout + time.Minute,
		},
		Matching: Matching{
			AutoThreshold:     0.95,
			ReviewThreshold:   0.60,
			FeeTolerance:      "1.00",
			FeeToleranceRel:   0,
			MaxSubsetInvoices: 5,
		},
		Ingest: Ingest{
			SettleTime:     5 * time.Second,
			RescanInterval: 30 * time.Second,
			MaxFileBytes:   256 << 20,
			Lease:          5 * time.Minute,
			OrphanAfter:    15 * time.Minute,
		},
		Dunning: Dunning{
			Schedule:   "0 8 * * 1-5",
			Timezone:   "Europe/Paris",
			PolicyFile: "",
		},
	}
}

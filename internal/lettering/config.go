package lettering

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/reconcile"
)

// Store is what the lettering needs of the storage contract (ledger.Store
// satisfies it). The contract's rules apply: each call is one transaction,
// safe for concurrent use by several replicas.
type Store interface {
	// ListStatements finds the statements to letter.
	ListStatements(ctx context.Context, f ledger.StatementFilter) ([]ledger.StoredStatement, error)
	// ListTransactions reads a statement's transactions, and an account's
	// credits when a reversal looks for the payment it undoes.
	ListTransactions(ctx context.Context, f ledger.TransactionFilter) ([]ledger.BankTransaction, error)
	// ListInvoices and ListCustomers load what the engine matches against.
	ListInvoices(ctx context.Context, f ledger.InvoiceFilter) ([]ledger.Invoice, error)
	ListCustomers(ctx context.Context, f ledger.CustomerFilter) ([]ledger.Customer, error)
	// SaveMatch records a decision with its events, SaveMatches several
	// at once (all or nothing); ReverseMatch undoes a lettrage a reversal
	// took back.
	SaveMatch(ctx context.Context, m ledger.Match, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error)
	SaveMatches(ctx context.Context, ms []ledger.Match, w ledger.Write[ledger.MatchOutcome]) ([]ledger.MatchOutcome, error)
	ReverseMatch(ctx context.Context, id string, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error)
	// ListMatches reads a transaction's earlier decisions and the review
	// backlog.
	ListMatches(ctx context.Context, f ledger.MatchFilter) ([]ledger.Match, error)
	// ListAudit tells whether a reversal was already applied by an
	// interrupted run.
	ListAudit(ctx context.Context, f ledger.AuditFilter) ([]ledger.AuditRecord, error)
	// RunExclusive serialises lettering runs across replicas and records
	// each statement lettered (see the package documentation).
	RunExclusive(ctx context.Context, name, slot string, fn func(ctx context.Context) error) (bool, error)
}

// Config configures a Runner. Zero fields take the defaults listed.
type Config struct {
	// Store reads transactions and invoices and records decisions.
	Store Store
	// Engine configures the matching engine (default
	// reconcile.DefaultConfig()). Its RuleVersion signs the decisions.
	Engine reconcile.Config
	// Interval is how often pending statements are looked for when no
	// Notify came (default 30 s).
	Interval time.Duration
	// FullScanInterval is how often the statements of the last
	// FullScanHorizon are looked at again rather than only the newest ones
	// (default 1 h). At start every statement is looked at.
	FullScanInterval time.Duration
	// FullScanHorizon is how far back those periodic looks go (default 7
	// days).
	FullScanHorizon time.Duration
	// ScanOverlap is how far before the newest statement seen an
	// incremental look starts again, so that a statement committed late
	// by another replica (or with a clock behind) is not missed (default
	// 10 min).
	ScanOverlap time.Duration
	// BatchStatements bounds the statements lettered with one engine
	// (invoices and customers loaded once per batch; default 200).
	BatchStatements int
	// DecisionsPerCommit bounds how many of a statement's decisions share
	// one store transaction (SaveMatches; default 100). Each commit costs
	// an fsync or a round trip; 1 records every decision on its own.
	DecisionsPerCommit int
	// SkipPaidInvoices leaves paid invoices out of the engine. By default
	// they are loaded (never offered): a remittance naming an invoice
	// already paid is then recognised as such, a safeguard against
	// lettering a double payment elsewhere; skipping them saves memory on
	// very large ledgers.
	SkipPaidInvoices bool

	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives the package's logs (default: disabled).
	Logger zerolog.Logger
	// Metrics, when not nil, are updated (see NewMetrics).
	Metrics *Metrics
	// OnEvents, when not nil, is called after outbox events were recorded
	// (e.g. to wake the webhook dispatcher). It must not block.
	OnEvents func()

	// testHook, when set (package tests only), is called at named points
	// so that tests can simulate a crash there.
	testHook func(point string)
}

// Defaults.
const (
	DefaultInterval         = 30 * time.Second
	DefaultFullScanInterval = time.Hour
	DefaultFullScanHorizon  = 7 * 24 * time.Hour
	DefaultScanOverlap      = 10 * time.Minute
	DefaultBatchStatements  = 200
	// DefaultDecisionsPerCommit keeps each lettering transaction to a few
	// tens of milliseconds, short enough for the API's writes behind it.
	DefaultDecisionsPerCommit = 100
)

func (c Config) withDefaults() Config {
	if c.Engine == (reconcile.Config{}) {
		c.Engine = reconcile.DefaultConfig()
	}
	if c.Engine.RuleVersion == "" {
		c.Engine.RuleVersion = reconcile.DefaultConfig().RuleVersion
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.FullScanInterval == 0 {
		c.FullScanInterval = DefaultFullScanInterval
	}
	if c.FullScanHorizon == 0 {
		c.FullScanHorizon = DefaultFullScanHorizon
	}
	if c.ScanOverlap == 0 {
		c.ScanOverlap = DefaultScanOverlap
	}
	if c.BatchStatements == 0 {
		c.BatchStatements = DefaultBatchStatements
	}
	if c.DecisionsPerCommit == 0 {
		c.DecisionsPerCommit = DefaultDecisionsPerCommit
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
	switch {
	case c.Store == nil:
		return errors.New("lettering config: a store is required")
	case c.Interval <= 0:
		return fmt.Errorf("lettering config: interval must be positive, got %s", c.Interval)
	case c.FullScanInterval <= 0:
		return fmt.Errorf("lettering config: full_scan_interval must be positive, got %s", c.FullScanInterval)
	case c.FullScanHorizon <= 0:
		return fmt.Errorf("lettering config: full_scan_horizon must be positive, got %s", c.FullScanHorizon)
	case c.ScanOverlap < 0:
		return fmt.Errorf("lettering config: scan_overlap must not be negative, got %s", c.ScanOverlap)
	case c.BatchStatements < 1:
		return fmt.Errorf("lettering config: batch_statements must be at least 1, got %d", c.BatchStatements)
	case c.DecisionsPerCommit < 1:
		return fmt.Errorf("lettering config: decisions_per_commit must be at least 1, got %d", c.DecisionsPerCommit)
	}
	return c.Engine.Validate()
}

package ledger

import (
	"context"
	"errors"
	"time"
)

// This file states the storage contract. Two engines implement it
// (internal/sqlite, the embedded default, and internal/postgres) and one
// conformance suite (internal/storetest) holds both to it.
//
// Rules common to every method unless its comment says otherwise:
//
//   - Transactions: each method is one database transaction. It commits
//     whole or not at all; an error means nothing of the call is stored.
//   - Concurrency: every method is safe for concurrent use by many
//     goroutines, and on PostgreSQL by many processes sharing one database.
//     Conflicting writes are serialised by the database; the loser gets
//     ErrConflict, never a half-applied or doubled change.
//   - Errors: ErrNotFound when the thing named does not exist, ErrConflict
//     when the change contradicts the stored state (a duplicate, a stale
//     version, a guard that would break, a lost lease), ErrInvalid when the
//     input breaks a rule of the domain, ErrSchemaTooNew when the database
//     was migrated by a newer Lettrage. Test with errors.Is. Engine errors
//     never escape untranslated in type: other failures (I/O, a closed
//     store, a cancelled context) are wrapped with context.
//   - Side effects of a change travel with it: the audit journal rows and
//     the outbox events a write produces commit in the same transaction
//     (transactional outbox).
//   - Listing methods return results in a stable order, at most Limit
//     items when Limit > 0, and page with an After cursor (the last id or
//     sequence seen).

// ErrSchemaTooNew reports a database whose schema was migrated by a newer
// Lettrage than this one; this binary refuses to use it.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// Write says who makes a change and why, for the journal, and which outbox
// events it emits. Events is called inside the database transaction once
// the change's outcome R is known, so an event can describe the result
// (an invoice that became paid); it must be quick, do no I/O and not call
// the store (on SQLite the one writer connection is busy with the change).
// An error from Events rolls the whole change back and is returned.
type Write[R any] struct {
	Actor  string // who: "engine/<version>", "ingest", "dunning", a user
	Reason string // why, free text kept in the journal
	Events func(R) ([]EventDraft, error)
}

// Store is everything Lettrage keeps. Consumers should depend on the
// smallest interface they need.
type Store interface {
	StatementStore
	CustomerStore
	InvoiceStore
	MatchStore
	DunningStore
	OutboxStore
	IngestStore
	AuditStore
	Locker
	Migrator
	// Engine names the engine: "sqlite" or "postgres".
	Engine() string
	// Close releases the database (and on SQLite the data directory's
	// lock). It waits for nothing: callers stop their work first.
	Close() error
}

// Migrator applies and reports the schema, for `lettrage migrate` and
// `lettrage serve`.
type Migrator interface {
	// Migrate applies every migration embedded in the binary that the
	// database lacks. It is safe to run from several processes at once
	// (PostgreSQL serialises them with an advisory lock) and does nothing
	// on an up-to-date database. ErrSchemaTooNew when the database is ahead
	// of the binary; an error naming the version when a previous migration
	// failed half-way (dirty).
	Migrate(ctx context.Context) error
	// SchemaVersion reports the database's schema version and the newest
	// this binary knows, without changing anything.
	SchemaVersion(ctx context.Context) (SchemaVersion, error)
}

// SchemaVersion is the state of a database's schema.
type SchemaVersion struct {
	Current uint // 0 for an empty database
	Latest  uint // the newest migration embedded in this binary
	Dirty   bool // a migration to Current failed half-way
}

// StatementStore keeps statements and their bank transactions.
type StatementStore interface {
	// SaveStatementFile stores every statement of a file with its
	// transactions, in one transaction.
	//
	// Idempotent twice over: a file whose Hash is already stored changes
	// nothing and returns the statements stored the first time with
	// Duplicate set (Events is not called); a transaction whose account
	// and DedupKey are already stored (the same payment in an overlapping
	// statement) is not inserted again and is counted in Duplicates. A file
	// without statements, without a hash, or with a statement without an
	// account is ErrInvalid. Two concurrent calls for the same file: one
	// stores it, the other returns it as Duplicate (or ErrConflict if it
	// lost the race mid-way; retrying returns Duplicate).
	SaveStatementFile(ctx context.Context, f StatementFile, w Write[StatementFileResult]) (StatementFileResult, error)
	// GetStatement returns a stored statement; ErrNotFound.
	GetStatement(ctx context.Context, id string) (StoredStatement, error)
	// ListStatements lists statements in storage order (id order).
	ListStatements(ctx context.Context, f StatementFilter) ([]StoredStatement, error)
	// AccountActivity returns, per account with stored statements, in
	// account order, how many there are, when the last one was stored and
	// the latest statement end date: what tells a bank that stopped
	// sending from one that has nothing to say.
	AccountActivity(ctx context.Context) ([]AccountActivity, error)
	// GetTransaction returns a stored bank transaction; ErrNotFound.
	GetTransaction(ctx context.Context, id string) (BankTransaction, error)
	// ListTransactions lists bank transactions in storage order (id order).
	ListTransactions(ctx context.Context, f TransactionFilter) ([]BankTransaction, error)
}

// StatementFilter selects statements. Zero fields do not filter.
type StatementFilter struct {
	AccountID string
	FileHash  string
	After     string // statement id cursor
	Limit     int
}

// TransactionFilter selects bank transactions. Zero fields do not filter.
type TransactionFilter struct {
	StatementID string
	AccountID   string
	Direction   Direction
	Status      EntryStatus
	BookedOn    Date // booking date equal to this
	// WithoutMatch keeps only transactions with no active match (proposed,
	// applied or confirmed): the ones the matching engine has yet to
	// decide on, or whose decisions were all rejected or reversed.
	WithoutMatch bool
	After        string // transaction id cursor
	Limit        int
}

// CustomerStore keeps customers and what identifies their payments.
type CustomerStore interface {
	// UpsertCustomers creates or updates customers by ID. Name and Segment
	// are replaced when non-empty; IBANs and Aliases are added to those
	// known (never removed), as imported. Idempotent.
	UpsertCustomers(ctx context.Context, cs []Customer) error
	// LearnPayer records an IBAN and/or a payer-name alias seen on a
	// confirmed payment of the customer, with a journal row. Adding what is
	// already known changes nothing. ErrNotFound for an unknown customer.
	LearnPayer(ctx context.Context, customerID, iban, alias string, w Write[Customer]) (Customer, error)
	// GetCustomer returns a customer with its IBANs and aliases (sorted);
	// ErrNotFound.
	GetCustomer(ctx context.Context, id string) (Customer, error)
	// ListCustomers lists customers in id order.
	ListCustomers(ctx context.Context, f CustomerFilter) ([]Customer, error)
	// FindCustomersByIBAN returns the customers that pay from iban (an IBAN
	// can be shared by a group's companies), in id order; empty when none.
	FindCustomersByIBAN(ctx context.Context, iban string) ([]Customer, error)
}

// CustomerFilter selects customers.
type CustomerFilter struct {
	After string // customer id cursor
	Limit int
}

// InvoiceStore keeps invoices.
type InvoiceStore interface {
	// UpsertInvoices imports a batch of invoices and their customers, all
	// or nothing, and records the import.
	//
	// A new invoice is created. A known one is updated when the batch
	// changes it (number, customer, amount, dates, RF reference, segment)
	// and keeps its lettrage: its open amount becomes the batch's Open
	// minus what Lettrage has lettered on it; one mentioned as it is stays
	// untouched. If an update would change the open amount's sign (more
	// lettered than due) or change the currency of a lettered invoice, the
	// whole batch is refused with an *ImportConflictError (ErrConflict).
	// Status InvoiceCancelled in the batch cancels (ErrConflict if
	// lettered); a cancelled invoice stays cancelled when mentioned again.
	//
	// An invoice absent from the batch is never deleted: after a Full
	// import it is marked absent (InvoiceFilter.Absent lists it; cancel it
	// with CancelInvoice if it is gone for good), and mentioning it again
	// clears the mark.
	//
	// The journal gets a row for the import, one per created invoice (its
	// values) and one per known invoice the batch changes (values before
	// and after). A batch naming an invoice twice, without currency, or
	// with a residual larger than the amount or of the other sign is
	// ErrInvalid. Re-importing the same batch changes nothing but the
	// import's id. It runs as one transaction over bulk loads (COPY on
	// PostgreSQL, multi-row inserts on SQLite) and set-based statements;
	// bench/RESULTS-store.md has the figures for a million invoices.
	UpsertInvoices(ctx context.Context, imp InvoiceImport, w Write[ImportResult]) (ImportResult, error)
	// OpenBalances sums what is still open on the open and partially paid
	// invoices, by customer, currency and due date, in that order (an
	// invoice without due date has a zero DueDate and comes first). It is
	// the aged balance's input without reading every invoice: the caller
	// buckets the rows by due date.
	OpenBalances(ctx context.Context, f OpenBalanceFilter) ([]OpenBalance, error)
	// GetInvoice returns an invoice; ErrNotFound.
	GetInvoice(ctx context.Context, id string) (Invoice, error)
	// ListInvoices lists invoices in id order.
	ListInvoices(ctx context.Context, f InvoiceFilter) ([]Invoice, error)
	// CancelInvoice marks an invoice cancelled (it leaves matching and
	// dunning), with a journal row. ErrNotFound; ErrConflict when it has
	// lettrage (reverse it first). Cancelling a cancelled invoice is a
	// no-op.
	CancelInvoice(ctx context.Context, id string, w Write[Invoice]) (Invoice, error)
	// LatestImport returns the most recent import; ErrNotFound when none.
	LatestImport(ctx context.Context) (ImportRecord, error)
}

// InvoiceFilter selects invoices. Zero fields do not filter.
type InvoiceFilter struct {
	CustomerID string
	Statuses   []InvoiceStatus
	Currency   Currency
	DueBefore  Date // due strictly before this date
	// Absent keeps invoices that the latest full import they could be in
	// did not mention and that are not cancelled: the ones that
	// disappeared from the accounting system's export.
	Absent bool
	After  string // invoice id cursor
	Limit  int
}

// OpenBalanceFilter selects the invoices OpenBalances sums. Zero fields
// do not filter.
type OpenBalanceFilter struct {
	CustomerID string
	Currency   Currency
}

// OpenBalance is the open amount of a customer's invoices in one currency
// due on one date.
type OpenBalance struct {
	CustomerID string
	DueDate    Date
	Open       Money // sum of the invoices' open amounts
	Invoices   int   // how many invoices
}

// MatchStore keeps the matching engine's and people's decisions and applies
// them to invoices. Applying moves invoices' open amounts toward zero and
// never past it; a transaction has at most one active match (proposed,
// applied or confirmed) at a time.
type MatchStore interface {
	// SaveMatch records a new decision about a bank transaction, with its
	// allocations, journal rows and events, in one transaction.
	//
	// Status must be proposed (a review proposal, or an unmatched credit
	// waiting for a person), applied (automatic lettrage) or confirmed (a
	// person's own lettrage); applied and confirmed apply the allocations
	// at once: each invoice's open amount is reduced, its status derived.
	// The store sets ID and timestamps. ErrInvalid when the amounts do not
	// add up (Match.CheckAmounts) or the currencies differ from an
	// invoice's; ErrNotFound for an unknown transaction or invoice;
	// ErrConflict when the transaction already has an active match, when an
	// invoice is cancelled, or when an allocation exceeds an invoice's open
	// amount — which is how two concurrent lettrages of the same invoice
	// end: one applies, the other gets ErrConflict and nothing of it is
	// stored.
	SaveMatch(ctx context.Context, m Match, w Write[MatchOutcome]) (MatchOutcome, error)
	// SaveMatches records several new decisions in one transaction, each
	// exactly as SaveMatch would (w.Events is called once per outcome, in
	// order; a later decision sees the invoices as the earlier ones left
	// them), all or nothing: any error, e.g. ErrConflict on the third,
	// means none of them is stored. It lets the lettering commit a
	// statement's decisions in a few transactions instead of one each.
	SaveMatches(ctx context.Context, ms []Match, w Write[MatchOutcome]) ([]MatchOutcome, error)
	// ConfirmMatch confirms a proposal and applies its allocations (or
	// those of edit, when not nil), with the same guards as SaveMatch. An
	// applied (automatic) match becomes confirmed without being applied
	// again; edit must then be nil. DecidedBy becomes w.Actor. ErrNotFound;
	// ErrConflict from a status other than proposed or applied.
	ConfirmMatch(ctx context.Context, id string, edit *MatchEdit, w Write[MatchOutcome]) (MatchOutcome, error)
	// ConfirmMatchLearning is ConfirmMatch and, in the same transaction,
	// LearnPayer of what learn (when not nil) draws from the outcome: the
	// confirmation and what it teaches about the payer commit together or
	// not at all. The lesson must name a customer of the match's invoices
	// (ErrInvalid otherwise); what was new is journaled and reported in
	// MatchOutcome.Learned, which w.Events sees.
	ConfirmMatchLearning(ctx context.Context, id string, edit *MatchEdit, learn PayerLearner, w Write[MatchOutcome]) (MatchOutcome, error)
	// RejectMatch refuses a proposal; its transaction is free for a new
	// decision. ErrConflict from a status other than proposed (an applied
	// match is reversed, not rejected).
	RejectMatch(ctx context.Context, id string, w Write[MatchOutcome]) (MatchOutcome, error)
	// ReverseMatch undoes an applied or confirmed match: the invoices get
	// their open amounts back and statuses derived again; the transaction
	// is free for a new decision. ErrConflict from another status.
	ReverseMatch(ctx context.Context, id string, w Write[MatchOutcome]) (MatchOutcome, error)
	// GetMatch returns a match with its allocations; ErrNotFound.
	GetMatch(ctx context.Context, id string) (Match, error)
	// ListMatches lists matches in id (creation) order.
	ListMatches(ctx context.Context, f MatchFilter) ([]Match, error)
}

// MatchFilter selects matches. Zero fields do not filter.
type MatchFilter struct {
	Status        MatchStatus
	Decision      Decision
	TransactionID string
	InvoiceID     string // matches allocating to this invoice
	After         string // match id cursor
	Limit         int
}

// DunningStore keeps dunning cases and their history.
type DunningStore interface {
	// TransitionDunning stores a transition computed by the stage machine:
	// the case's new state, a history step, a journal row and the events,
	// together. The transition names the version it was computed from:
	// ErrConflict when the case has moved since (another replica or an
	// event got there first) or, with FromVersion 0, when the case already
	// exists. ErrNotFound for an unknown invoice (or, FromVersion > 0, an
	// unknown case).
	TransitionDunning(ctx context.Context, tr DunningTransition, w Write[DunningOutcome]) (DunningOutcome, error)
	// GetDunningCase returns the case of an invoice; ErrNotFound.
	GetDunningCase(ctx context.Context, invoiceID string) (DunningCase, error)
	// ListDunningCases lists cases in invoice id order.
	ListDunningCases(ctx context.Context, f DunningFilter) ([]DunningCase, error)
	// DunningHistory returns every step of an invoice's case, oldest first;
	// empty when it has none.
	DunningHistory(ctx context.Context, invoiceID string) ([]DunningStep, error)

	// PlaceDunningHold stores a customer-wide hold with its journal row
	// (action "dunning.customer_hold.placed"); the store sets ID, PlacedAt
	// and PlacedBy (w.Actor). ErrNotFound for an unknown customer;
	// ErrInvalid without a kind or a first day, or with Until not after
	// Since.
	PlaceDunningHold(ctx context.Context, h DunningHold, w Write[DunningHold]) (DunningHold, error)
	// LiftDunningHold ends a hold from day on (its first day no longer
	// held) with its journal row ("dunning.customer_hold.lifted"); LiftedBy
	// is w.Actor and LiftNote w.Reason (the journal row says "customer hold
	// lifted" when it is empty). ErrNotFound for an unknown hold;
	// ErrConflict when it was lifted already; ErrInvalid when on is zero or
	// before the hold's first day.
	LiftDunningHold(ctx context.Context, id string, on Date, w Write[DunningHold]) (DunningHold, error)
	// GetDunningHold returns a hold; ErrNotFound.
	GetDunningHold(ctx context.Context, id string) (DunningHold, error)
	// ListDunningHolds lists holds in id (placement) order.
	ListDunningHolds(ctx context.Context, f DunningHoldFilter) ([]DunningHold, error)

	// SetCustomerScenario sets (scenario not "") or clears (scenario "")
	// a customer's dunning scenario override, with its journal row
	// ("dunning.customer_scenario.set" or ".cleared"); the reason is
	// w.Reason. The store does not know the policy: the caller checks the
	// name. ErrNotFound for an unknown customer.
	SetCustomerScenario(ctx context.Context, customerID, scenario string, w Write[CustomerScenarioChange]) (CustomerScenarioChange, error)
	// ListCustomerScenarios lists the overrides in customer id order.
	ListCustomerScenarios(ctx context.Context, f CustomerScenarioFilter) ([]CustomerScenario, error)
}

// DunningFilter selects dunning cases. Zero fields do not filter.
type DunningFilter struct {
	Status     DunningStatus
	CustomerID string
	// Settled keeps only the cases whose invoice is paid in full or
	// cancelled (those a payment or a withdrawal should close).
	Settled bool
	After   string // invoice id cursor
	Limit   int
}

// OutboxStore is the webhook outbox: events recorded with the changes they
// report, fanned out into one delivery per subscribed endpoint, claimed by
// dispatchers with a lease, delivered at least once.
type OutboxStore interface {
	// SyncEndpoints makes the stored endpoints match the configuration:
	// listed ones are created or updated (URL, event types); an endpoint
	// disabled by DisableEndpoint stays disabled; stored endpoints not
	// listed are disabled with reason "removed from configuration".
	// Events recorded later get deliveries for the enabled endpoints that
	// want them. Idempotent.
	SyncEndpoints(ctx context.Context, eps []WebhookEndpoint) error
	// ListEndpoints lists every stored endpoint in id order.
	ListEndpoints(ctx context.Context) ([]WebhookEndpoint, error)
	// SetEndpointEnabled enables or disables an endpoint (e.g. on 410
	// Gone), with a journal row. A disabled endpoint's deliveries are not
	// claimed until it is enabled again. ErrNotFound.
	SetEndpointEnabled(ctx context.Context, id string, enabled bool, w Write[WebhookEndpoint]) error
	// AppendEvents records events that accompany no other change (e.g.
	// statement.rejected), with their deliveries.
	AppendEvents(ctx context.Context, evs []EventDraft) ([]OutboxEvent, error)
	// GetEvent returns an event; ErrNotFound.
	GetEvent(ctx context.Context, id string) (OutboxEvent, error)
	// ListEvents lists events in the order they were recorded (for one
	// aggregate: Sequence order).
	ListEvents(ctx context.Context, f EventFilter) ([]OutboxEvent, error)
	// ClaimDeliveries leases up to c.Limit deliveries that are due (pending
	// with NextAt ≤ c.Now, or in flight with an expired lease) to enabled
	// endpoints, oldest due first. A delivery is not handed out while an
	// earlier event of the same aggregate waits for the same endpoint
	// (pending or in flight), so one invoice's events arrive in order.
	// Concurrent claimers, in one process or several, never receive the
	// same delivery (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL).
	ClaimDeliveries(ctx context.Context, c Claim) ([]ClaimedDelivery, error)
	// ReleaseDeliveries makes pending again, without counting an attempt
	// and keeping their due time, every in-flight delivery leased by
	// worker. A dispatcher calls it when it starts, for the deliveries its
	// previous incarnation held when it died, so they (and the later events
	// of their aggregates) need not wait for their leases to expire; worker
	// names must therefore be unique among running dispatchers and stable
	// across restarts. It returns how many it released. Idempotent.
	ReleaseDeliveries(ctx context.Context, worker string, now time.Time) (int, error)
	// AckDelivery records a successful attempt: the delivery is delivered.
	// ErrConflict when token is not the delivery's current lease (it
	// expired and was claimed again); ErrNotFound.
	AckDelivery(ctx context.Context, id, token string, a DeliveryAttempt) error
	// AckDeliveries records several successful attempts in one
	// transaction, each as AckDelivery would. The result holds one error
	// per ack, in order: nil when recorded, ErrConflict (lease lost) or
	// ErrNotFound for those that were not, which do not stop the others.
	// A non-nil err means nothing was recorded.
	AckDeliveries(ctx context.Context, acks []DeliveryAck) ([]error, error)
	// FailDelivery records a failed attempt. With a non-zero retryAt the
	// delivery is pending again from then (the caller computes the
	// backoff); with a zero retryAt it is dead (dead letter). Same errors
	// as AckDelivery.
	FailDelivery(ctx context.Context, id, token string, a DeliveryAttempt, retryAt time.Time) error
	// ReplayDelivery makes a dead (or delivered) delivery pending again,
	// due at once, with a journal row. ErrNotFound; ErrConflict when it is
	// pending or in flight.
	ReplayDelivery(ctx context.Context, id string, w Write[Delivery]) (Delivery, error)
	// GetDelivery returns a delivery; ErrNotFound.
	GetDelivery(ctx context.Context, id string) (Delivery, error)
	// ListDeliveries lists deliveries in id order.
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	// ListDeliveryAttempts returns a delivery's attempts, oldest first.
	ListDeliveryAttempts(ctx context.Context, deliveryID string) ([]DeliveryAttempt, error)
	// OutboxStats counts deliveries by state, for metrics.
	OutboxStats(ctx context.Context) (OutboxStats, error)
}

// DeliveryAck is a successful attempt at a leased delivery, for
// AckDeliveries.
type DeliveryAck struct {
	ID      string
	Token   string // the lease the attempt was made under
	Attempt DeliveryAttempt
}

// EventFilter selects events. Zero fields do not filter.
type EventFilter struct {
	AggregateType string
	AggregateID   string
	Type          string
	After         string // event id cursor
	Limit         int
}

// DeliveryFilter selects deliveries. Zero fields do not filter.
type DeliveryFilter struct {
	Status     DeliveryStatus
	EndpointID string
	EventID    string
	After      string // delivery id cursor
	Limit      int
}

// IngestStore keeps ingestion jobs: the statement files to process and,
// once processed, what became of them.
type IngestStore interface {
	// EnqueueIngestJob records a file to process, due at once. Idempotent
	// on FileHash: when a job for the same content exists (whatever its
	// status) it is returned with created false and nothing changes.
	EnqueueIngestJob(ctx context.Context, j IngestJob) (job IngestJob, created bool, err error)
	// ClaimIngestJobs leases up to c.Limit due jobs (queued with NextAt ≤
	// c.Now, or running with an expired lease), oldest first, counting an
	// attempt on each. Concurrent claimers never receive the same job
	// (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL); a job whose worker
	// died is handed out again once its lease expires, so none is lost.
	ClaimIngestJobs(ctx context.Context, c Claim) ([]IngestJob, error)
	// ReleaseIngestJobs queues again, due at now and without counting an
	// attempt, every running job leased by worker. A worker calls it when
	// it starts, for the jobs its previous incarnation held when it died,
	// so they need not wait for their leases to expire; worker names must
	// therefore be unique among running workers. It returns how many jobs
	// it released. Idempotent.
	ReleaseIngestJobs(ctx context.Context, worker string, now time.Time) (int, error)
	// CompleteIngestJob marks a running job done with its outcome and
	// detail. ErrConflict when token is not the job's current lease;
	// ErrNotFound.
	CompleteIngestJob(ctx context.Context, id, token, outcome, detail string) (IngestJob, error)
	// FailIngestJob records an error: with a non-zero retryAt the job is
	// queued again from then; with a zero retryAt it is failed for good.
	// Same errors as CompleteIngestJob.
	FailIngestJob(ctx context.Context, id, token, errMsg string, retryAt time.Time) (IngestJob, error)
	// GetIngestJob returns a job; ErrNotFound.
	GetIngestJob(ctx context.Context, id string) (IngestJob, error)
	// FindIngestJob returns the job of a file hash; ErrNotFound.
	FindIngestJob(ctx context.Context, fileHash string) (IngestJob, error)
	// ListIngestJobs lists jobs in id (creation) order.
	ListIngestJobs(ctx context.Context, f IngestJobFilter) ([]IngestJob, error)
}

// IngestJobFilter selects ingestion jobs. Zero fields do not filter.
type IngestJobFilter struct {
	Status JobStatus
	After  string // job id cursor
	Limit  int
}

// AuditStore is the append-only journal. Rows are never updated or deleted
// (the database refuses it); the stores write the rows of their own
// changes, and AppendAudit records the others.
type AuditStore interface {
	// AppendAudit appends a row; the store sets Seq and At. ErrInvalid
	// without Actor or Action, or with Details that are not JSON.
	AppendAudit(ctx context.Context, r AuditRecord) (AuditRecord, error)
	// ListAudit lists rows in Seq order. With InvoiceID it is the
	// invoice's full history: its creation by an import, changes by later
	// imports (values before and after), lettrage, reversals,
	// cancellation, dunning.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditRecord, error)
}

// AuditFilter selects journal rows. Zero fields do not filter.
type AuditFilter struct {
	InvoiceID  string
	EntityType string
	EntityID   string
	AfterSeq   int64
	Limit      int
}

// Locker runs scheduled work on one replica at a time.
type Locker interface {
	// RunExclusive runs fn while holding the lock named name across every
	// process sharing the database (a PostgreSQL advisory lock; on SQLite,
	// which one process owns, a lock in the store). When another holder has
	// the lock it returns at once with ran false.
	//
	// With a non-empty slot (e.g. the scheduled time "2026-11-03T08:00"),
	// a successful run is recorded and a later call for the same name and
	// slot does not run fn (ran false), so several replicas waking for the
	// same schedule run the job once. A failed fn is not recorded and can
	// be retried. fn's error is returned as is.
	RunExclusive(ctx context.Context, name, slot string, fn func(ctx context.Context) error) (ran bool, err error)
	// LastRun returns when the last recorded slot of name finished (zero
	// when none did): what tells, from any replica, that a schedule stopped
	// running.
	LastRun(ctx context.Context, name string) (time.Time, error)
}

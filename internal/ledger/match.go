package ledger

import "time"

// Decision is the matching engine's verdict on one credit.
type Decision string

// Decisions, as the `lettrage match` contract names them.
const (
	DecisionAuto      Decision = "auto"      // lettered without a human
	DecisionReview    Decision = "review"    // a proposal a human must confirm
	DecisionUnmatched Decision = "unmatched" // no acceptable proposal
)

// MatchStatus is the life cycle of a stored match.
type MatchStatus string

// Match statuses.
const (
	MatchProposed  MatchStatus = "proposed"  // waiting for a human
	MatchApplied   MatchStatus = "applied"   // applied automatically
	MatchConfirmed MatchStatus = "confirmed" // confirmed or made by a human
	MatchRejected  MatchStatus = "rejected"  // refused by a human
	MatchReversed  MatchStatus = "reversed"  // undone after being applied or confirmed
)

// Allocation is the part of a credit applied to one invoice.
type Allocation struct {
	InvoiceID string
	Amount    Money
}

// Match is a decision about one bank transaction: the invoices it pays and
// why the engine (or a person) thinks so.
type Match struct {
	ID            string
	TransactionID string // the stored bank transaction's id
	Decision      Decision
	Status        MatchStatus
	Score         float64 // calibrated confidence in [0, 1]
	Reasons       []string
	Allocations   []Allocation
	// Unapplied is the part of the credit not allocated to any invoice
	// (overpayment kept as unapplied cash).
	Unapplied Money
	// WriteOff is a small shortfall accepted as bank fees within tolerance.
	WriteOff  Money
	DecidedBy string // "engine/<rule version>" or the user's name
	CreatedAt time.Time
	UpdatedAt time.Time
}

package reconcile

import "github.com/lettrage/lettrage/internal/ledger"

// Result is the engine's decision on one credit.
type Result struct {
	// Decision is auto, review or unmatched.
	Decision ledger.Decision
	// Allocations are the invoices the credit pays and how much goes to
	// each (empty when unmatched). They never exceed the credit nor an
	// invoice's open amount, and are in the credit's currency.
	Allocations []ledger.Allocation
	// Score is the probability that the proposal is right, given the
	// alternatives the engine found, in [0, 1]. For an unmatched credit it
	// is the best candidate's (below the thresholds), or 0 with none.
	Score float64
	// Reasons list the evidence and the rules that decided, one sentence
	// each; IBANs are masked.
	Reasons []string
	// Unapplied is the part of the credit not allocated to any invoice
	// (overpayment; the whole credit when unmatched).
	// Allocations + Unapplied = the credit.
	Unapplied ledger.Money
	// WriteOff is the shortfall accepted as bank fees: the invoices are
	// settled although the credit is that much less than their total.
	WriteOff ledger.Money
	// CustomerID is the customer whose invoices are allocated, when they
	// are all of one customer.
	CustomerID string
}

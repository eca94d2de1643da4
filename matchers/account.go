package matchers

import (
	"fmt"
	"math"
	"slices"
)

// AccountIndex maps payer IBANs to the customers known to pay from them
// (imported with the invoices or learned from confirmed matches). Lookups
// are safe for concurrent use; Add is not safe concurrently with anything.
type AccountIndex struct {
	byIBAN map[string][]int32
}

// NewAccountIndex returns an empty index.
func NewAccountIndex() *AccountIndex { return &AccountIndex{byIBAN: make(map[string][]int32)} }

// Add records that customer pays from iban. It returns false, and records
// nothing, when iban is not a valid IBAN; adding a known pair is a no-op
// that returns true.
func (x *AccountIndex) Add(iban string, customer int32) bool {
	n := NormalizeIBAN(iban)
	if !ValidIBAN(n) {
		return false
	}
	cs := x.byIBAN[n]
	if !slices.Contains(cs, customer) {
		x.byIBAN[n] = append(cs, customer)
	}
	return true
}

// Lookup returns the customers known to pay from iban, in the order they
// were added.
func (x *AccountIndex) Lookup(iban string) []int32 {
	if iban == "" {
		return nil
	}
	// Normalised into a stack buffer: the map lookup of string(b) does not
	// allocate, and Lookup runs several times per credit.
	var buf [64]byte
	b := appendNormalizedIBAN(buf[:0], iban)
	return x.byIBAN[string(b)]
}

// Len returns the number of IBANs known.
func (x *AccountIndex) Len() int { return len(x.byIBAN) }

// Weigh is AccountEvidence's weight and strength alone, without writing its
// reason; ok is false when the IBAN is unknown.
func (x *AccountIndex) Weigh(iban string, c int32) (weight float64, strong, ok bool) {
	known := x.Lookup(iban)
	switch {
	case len(known) == 0:
		return 0, false, false
	case !slices.Contains(known, c) && len(known) == 1:
		return bitsAccountOther, false, true
	case !slices.Contains(known, c):
		return bitsAccountOtherShared, false, true
	case len(known) == 1:
		return bitsAccount, true, true
	}
	return bitsAccount - bitsAccountShared*math.Log2(float64(len(known))), false, true
}

// AccountEvidence weighs what the payer's IBAN says about customer c:
// known for c only (strong), known for c and others (weaker with each
// doubling), known for others only (against), or unknown (nothing, ok
// false).
func (x *AccountIndex) AccountEvidence(iban string, c int32, customerID string) (Evidence, bool) {
	known := x.Lookup(iban)
	if len(known) == 0 {
		return Evidence{}, false
	}
	ev := Evidence{Kind: KindAccount, InvoiceRef: -1, CustomerRef: c, CustomerID: customerID}
	masked := MaskIBAN(NormalizeIBAN(iban))
	if !slices.Contains(known, c) {
		// Known for one other customer: that customer's account. Known for
		// several: a shared account (an accountant's, a group's) that pays
		// for others too, and says little against c.
		ev.Weight = bitsAccountOther
		if len(known) > 1 {
			ev.Weight = bitsAccountOtherShared
		}
		ev.Reason = fmt.Sprintf("payer IBAN %s is known for %d other customer(s), not %s", masked, len(known), customerID)
		return ev, true
	}
	if len(known) == 1 {
		ev.Weight, ev.Strong = bitsAccount, true
		ev.Reason = "payer IBAN " + masked + " known for customer " + customerID
		return ev, true
	}
	ev.Weight = bitsAccount - bitsAccountShared*math.Log2(float64(len(known)))
	ev.Reason = fmt.Sprintf("payer IBAN %s known for customer %s and %d other(s)", masked, customerID, len(known)-1)
	return ev, true
}

// PayerAccount is the strategy of known payer IBANs: evidence about each
// candidate's customer.
type PayerAccount struct{ Index *AccountIndex }

// Name returns "payer-account".
func (PayerAccount) Name() string { return "payer-account" }

// Evaluate returns one piece of evidence per distinct candidate customer
// when the payment has an IBAN the index knows.
func (s PayerAccount) Evaluate(p *Payment, cands []Invoice) []Evidence {
	if p.PayerIBAN == "" || s.Index == nil {
		return nil
	}
	var out []Evidence
	var done []int32
	for _, inv := range cands {
		if slices.Contains(done, inv.CustomerRef) {
			continue
		}
		done = append(done, inv.CustomerRef)
		if ev, ok := s.Index.AccountEvidence(p.PayerIBAN, inv.CustomerRef, inv.CustomerID); ok {
			out = append(out, ev)
		}
	}
	return out
}

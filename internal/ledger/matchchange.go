package ledger

import "fmt"

// MatchOutcome is the result of a change to a match: the match as stored
// after it, the transaction it is about, and the invoices whose open
// amounts the change moved, as stored after it (in invoice id order).
type MatchOutcome struct {
	Match       Match
	Previous    MatchStatus // the status before the change; "" for a new match
	Transaction BankTransaction
	Invoices    []Invoice
	// Learned is what ConfirmMatchLearning recorded about the payer in the
	// same transaction; zero when nothing new was learned.
	Learned PayerLesson
}

// PayerLesson is what a confirmed payment teaches about who pays a
// customer: an IBAN and/or a payer-name alias to add to those known.
type PayerLesson struct {
	CustomerID string
	IBAN       string
	Alias      string
}

// PayerLearner decides, inside the confirmation's transaction, what a
// confirmed outcome teaches, given the customers its invoices belong to
// (with their known IBANs and aliases): a zero lesson (or one without IBAN
// and alias) learns nothing. It must be quick, do no I/O and not call the
// store.
type PayerLearner func(o MatchOutcome, customers []Customer) PayerLesson

// MatchEdit replaces a proposal's allocations when a person confirms it
// with other amounts or invoices (or letters an unmatched credit by hand).
type MatchEdit struct {
	Allocations []Allocation
	Unapplied   Money
	WriteOff    Money
}

// CheckNew verifies a new decision before it is stored: a known decision;
// a status that is proposed, applied or confirmed; an unmatched decision
// only as a proposal allocating nothing (a person letters it later by
// confirming it with a MatchEdit); and amounts that add up (CheckAmounts).
// Errors wrap ErrInvalid.
func (m *Match) CheckNew(signed Money) error {
	switch {
	case m.Decision != DecisionAuto && m.Decision != DecisionReview && m.Decision != DecisionUnmatched:
		return fmt.Errorf("match of transaction %s: decision %q: %w", m.TransactionID, m.Decision, ErrInvalid)
	case !m.Status.Active():
		return fmt.Errorf("match of transaction %s: status %q: want proposed, applied or confirmed: %w", m.TransactionID, m.Status, ErrInvalid)
	case m.Decision == DecisionUnmatched && (len(m.Allocations) > 0 || m.Status != MatchProposed):
		return fmt.Errorf("match of transaction %s: an unmatched decision is a proposal without allocations: %w", m.TransactionID, ErrInvalid)
	}
	return m.CheckAmounts(signed)
}

// CheckAmounts verifies that the match's amounts account for the signed
// transaction amount (positive for a credit): every allocation names a
// distinct invoice with a non-zero amount in the transaction's currency;
// Unapplied and WriteOff are zero or carry the transaction's sign; and
// allocations + Unapplied − WriteOff equals the transaction amount. Errors
// wrap ErrInvalid.
func (m *Match) CheckAmounts(signed Money) error {
	sameSign := func(v int64) bool { return v == 0 || (v > 0) == (signed.Minor > 0) }
	for _, x := range []struct {
		name string
		v    Money
	}{{"unapplied", m.Unapplied}, {"write-off", m.WriteOff}} {
		if x.v.Minor != 0 && x.v.Currency != signed.Currency {
			return fmt.Errorf("match of transaction %s: %s in %s, transaction in %s: %w", m.TransactionID, x.name, x.v.Currency, signed.Currency, ErrInvalid)
		}
		if !sameSign(x.v.Minor) {
			return fmt.Errorf("match of transaction %s: %s %s has the wrong sign: %w", m.TransactionID, x.name, x.v, ErrInvalid)
		}
	}
	seen := make(map[string]bool, len(m.Allocations))
	sum := int64(0)
	for _, a := range m.Allocations {
		switch {
		case a.InvoiceID == "":
			return fmt.Errorf("match of transaction %s: allocation without invoice: %w", m.TransactionID, ErrInvalid)
		case seen[a.InvoiceID]:
			return fmt.Errorf("match of transaction %s: invoice %s allocated twice: %w", m.TransactionID, a.InvoiceID, ErrInvalid)
		case a.Amount.Minor == 0:
			return fmt.Errorf("match of transaction %s: zero allocation to invoice %s: %w", m.TransactionID, a.InvoiceID, ErrInvalid)
		case a.Amount.Currency != signed.Currency:
			return fmt.Errorf("match of transaction %s: allocation to invoice %s in %s, transaction in %s: %w", m.TransactionID, a.InvoiceID, a.Amount.Currency, signed.Currency, ErrInvalid)
		}
		seen[a.InvoiceID] = true
		var ok bool
		if sum, ok = AddMinor(sum, a.Amount.Minor); !ok {
			return fmt.Errorf("match of transaction %s: allocations: %w", m.TransactionID, ErrOverflow)
		}
	}
	total, ok := AddMinor(sum, m.Unapplied.Minor)
	if ok {
		total, ok = AddMinor(total, -m.WriteOff.Minor)
	}
	if !ok || total != signed.Minor {
		return fmt.Errorf("match of transaction %s: allocations %s + unapplied %s − write-off %s ≠ transaction amount %s: %w",
			m.TransactionID, FormatMinor(sum, signed.Currency.Exponent()), m.Unapplied, m.WriteOff, signed, ErrInvalid)
	}
	return nil
}

// Active reports whether the status is one a transaction may have only once
// at a time: proposed, applied or confirmed.
func (s MatchStatus) Active() bool {
	return s == MatchProposed || s == MatchApplied || s == MatchConfirmed
}

// Lettered reports whether a match in this status has its allocations
// applied to invoices: applied or confirmed.
func (s MatchStatus) Lettered() bool { return s == MatchApplied || s == MatchConfirmed }

// DeriveStatus returns the status an invoice with this open amount has:
// paid at zero, open when nothing of it has been settled, partially paid
// otherwise. A cancelled invoice stays cancelled.
func (inv *Invoice) DeriveStatus() InvoiceStatus {
	switch {
	case inv.Status == InvoiceCancelled:
		return InvoiceCancelled
	case inv.Open.Minor == 0:
		return InvoicePaid
	case inv.Open.Minor == inv.Amount.Minor:
		return InvoiceOpen
	}
	return InvoicePartiallyPaid
}

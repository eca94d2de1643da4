package ledger

import (
	"fmt"
	"strings"
	"time"
)

// InvoiceImport is a batch of invoices from the accounting system, with
// what the batch says about their customers.
type InvoiceImport struct {
	// Source names where the batch came from ("csv:invoices.csv", "api").
	Source string
	// Invoices to create or update, each ID at most once. Open is the
	// residual the accounting system gives (CSV open_amount, which defaults
	// to amount): what remains before the lettrage Lettrage made itself.
	// An Open with an empty Currency is not given and means the full
	// Amount. The store keeps Lettrage's own lettrage: the stored open
	// amount is Open minus what Lettrage has lettered on the invoice (so an
	// export should give the residual before those payments, or no
	// open_amount at all). Status InvoiceCancelled cancels the invoice;
	// any other status is ignored and derived.
	Invoices []Invoice
	// Full says the batch is the accounting system's complete list of the
	// invoices it still tracks: the known invoices it does not mention are
	// then marked absent (InvoiceFilter.Absent lists them), never deleted
	// nor cancelled. A partial batch (a few invoices posted to the API)
	// marks nothing.
	Full bool
	// Customers adds payer IBANs and aliases and sets names and segments.
	// A customer named by an invoice but absent here is created from the
	// invoice's CustomerID, CustomerName and Segment.
	Customers []Customer
}

// ImportResult is what an import did.
type ImportResult struct {
	ImportID int64 // increasing
	Created  int   // invoices new to the store
	// Updated counts the batch's invoices that were already known;
	// Changed those of them whose values the batch changed, Unchanged the
	// others (Updated = Changed + Unchanged), which are left as they are:
	// not rewritten, and without a journal row.
	Updated   int
	Changed   int
	Unchanged int
	// Cancelled counts invoices the batch cancelled; KeptCancelled those
	// already cancelled that the batch mentioned without reviving them.
	Cancelled     int
	KeptCancelled int
	// Absent counts, after a full import, the invoices it did not mention
	// (not cancelled): the ones the accounting system no longer lists.
	Absent    int
	Customers int // customers created or updated
	At        time.Time
}

// ImportRecord is a past import as the store remembers it.
type ImportRecord struct {
	ID       int64
	Source   string
	At       time.Time
	Invoices int // invoices in the batch
}

// ImportConflict is one invoice an import could not update without
// breaking its lettrage.
type ImportConflict struct {
	InvoiceID string
	Reason    string // e.g. "open amount would be -120.00 after 500.00 lettered"
}

// ImportConflictError refuses an import that would break lettrage already
// made (an open amount changing sign, a currency change under lettrage).
// Nothing of the import is stored. errors.Is(err, ErrConflict) holds.
type ImportConflictError struct {
	Conflicts []ImportConflict // at most a few dozen, in invoice id order
}

// Error names the first conflicts.
func (e *ImportConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import conflicts with lettrage on %d invoice(s)", len(e.Conflicts))
	for i, c := range e.Conflicts {
		if i == 5 {
			b.WriteString("; …")
			break
		}
		fmt.Fprintf(&b, "; %s: %s", c.InvoiceID, c.Reason)
	}
	return b.String()
}

// Unwrap returns ErrConflict.
func (e *ImportConflictError) Unwrap() error { return ErrConflict }

// CheckImport validates a batch before it is stored: every invoice has an
// id, a customer and a valid currency, appears once, and has a residual
// (Open, or Amount when Open's currency is empty) of the amount's sign and
// no larger than it. It returns the residual of each invoice in batch order.
// Errors wrap ErrInvalid and name the invoice.
func CheckImport(imp InvoiceImport) ([]int64, error) {
	seen := make(map[string]struct{}, len(imp.Invoices))
	opens := make([]int64, len(imp.Invoices))
	for i := range imp.Invoices {
		inv := &imp.Invoices[i]
		switch {
		case inv.ID == "":
			return nil, fmt.Errorf("invoice %d of the batch: no id: %w", i+1, ErrInvalid)
		case inv.CustomerID == "":
			return nil, fmt.Errorf("invoice %s: no customer id: %w", inv.ID, ErrInvalid)
		case !inv.Amount.Currency.Valid():
			return nil, fmt.Errorf("invoice %s: currency %q: %w", inv.ID, inv.Amount.Currency, ErrInvalid)
		}
		if _, dup := seen[inv.ID]; dup {
			return nil, fmt.Errorf("invoice %s: twice in the batch: %w", inv.ID, ErrInvalid)
		}
		seen[inv.ID] = struct{}{}
		open := inv.Amount.Minor
		if inv.Open.Currency != "" {
			if inv.Open.Currency != inv.Amount.Currency {
				return nil, fmt.Errorf("invoice %s: open amount in %s, amount in %s: %w", inv.ID, inv.Open.Currency, inv.Amount.Currency, ErrInvalid)
			}
			open = inv.Open.Minor
		}
		a := inv.Amount.Minor
		if (a >= 0 && (open < 0 || open > a)) || (a < 0 && (open > 0 || open < a)) {
			return nil, fmt.Errorf("invoice %s: open amount %s outside 0…%s: %w", inv.ID,
				FormatMinor(open, inv.Amount.Currency.Exponent()), inv.Amount, ErrInvalid)
		}
		opens[i] = open
	}
	for _, c := range imp.Customers {
		if c.ID == "" {
			return nil, fmt.Errorf("customer without id in the batch: %w", ErrInvalid)
		}
	}
	return opens, nil
}

// ImportConflictReason explains why an import cannot update a lettered
// invoice: its currency would change, it would be cancelled, or its new
// residual (open, minor units) is less than what Lettrage lettered.
func ImportConflictReason(oldCur, newCur Currency, lettered, open int64, cancel bool) string {
	switch {
	case oldCur != newCur:
		return fmt.Sprintf("currency would change from %s to %s under lettrage", oldCur, newCur)
	case cancel:
		return fmt.Sprintf("cancelled while %s %s is lettered; reverse the lettrage first", FormatMinor(lettered, oldCur.Exponent()), oldCur)
	}
	return fmt.Sprintf("open amount would be %s %s after %s lettered",
		FormatMinor(open-lettered, oldCur.Exponent()), oldCur, FormatMinor(lettered, oldCur.Exponent()))
}

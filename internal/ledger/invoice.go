package ledger

// InvoiceStatus is where an invoice stands in its life.
type InvoiceStatus string

// Invoice statuses.
const (
	InvoiceOpen          InvoiceStatus = "open"           // nothing lettered yet
	InvoicePartiallyPaid InvoiceStatus = "partially_paid" // some payment lettered, residual open
	InvoicePaid          InvoiceStatus = "paid"           // open amount is zero
	InvoiceCancelled     InvoiceStatus = "cancelled"      // withdrawn by the accounting system
)

// Invoice is a receivable as the accounting system exports it. Amount is
// the total due including tax; Open is what remains to be paid.
type Invoice struct {
	ID           string // the accounting system's unique id
	Number       string // the number printed on the invoice
	CustomerID   string
	CustomerName string
	Amount       Money
	Open         Money
	IssueDate    Date
	DueDate      Date
	RFReference  string // ISO 11649 creditor reference printed on the invoice
	Segment      string // customer segment for dunning, when known
	Status       InvoiceStatus
}

// Customer is a payer Lettrage knows, with what identifies its payments.
type Customer struct {
	ID      string
	Name    string
	Segment string
	// IBANs are the payer accounts known for this customer, imported or
	// learned from confirmed matches.
	IBANs []string
	// Aliases are payer names seen on confirmed payments of this customer
	// that differ from its legal name.
	Aliases []string
}

package httpapi

import (
	"encoding/json"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// The JSON forms of the API. Amounts are decimal strings with the
// currency's decimals, dates "YYYY-MM-DD", instants RFC 3339 in UTC.

type invoiceJSON struct {
	ID           string               `json:"id"`
	Number       string               `json:"number"`
	CustomerID   string               `json:"customer_id"`
	CustomerName string               `json:"customer_name"`
	Amount       string               `json:"amount"`
	OpenAmount   string               `json:"open_amount"`
	Currency     ledger.Currency      `json:"currency"`
	IssueDate    ledger.Date          `json:"issue_date"`
	DueDate      ledger.Date          `json:"due_date"`
	RFReference  string               `json:"rf_reference,omitempty"`
	Segment      string               `json:"segment,omitempty"`
	Status       ledger.InvoiceStatus `json:"status"`
	// Matches are the decisions that allocate to the invoice, oldest
	// first (GET /v1/invoices/{id} only).
	Matches []matchJSON `json:"matches,omitempty"`
}

func invoiceOf(inv *ledger.Invoice) invoiceJSON {
	return invoiceJSON{
		ID: inv.ID, Number: inv.Number, CustomerID: inv.CustomerID, CustomerName: inv.CustomerName,
		Amount: inv.Amount.String(), OpenAmount: inv.Open.String(), Currency: inv.Amount.Currency,
		IssueDate: inv.IssueDate, DueDate: inv.DueDate, RFReference: inv.RFReference, Segment: inv.Segment, Status: inv.Status,
	}
}

func invoicesOf(invs []ledger.Invoice) []invoiceJSON {
	out := make([]invoiceJSON, len(invs))
	for i := range invs {
		out[i] = invoiceOf(&invs[i])
	}
	return out
}

type allocationJSON struct {
	InvoiceID string `json:"invoice_id"`
	Amount    string `json:"amount"`
}

type matchJSON struct {
	ID            string             `json:"id"`
	TransactionID string             `json:"transaction_id"`
	Decision      ledger.Decision    `json:"decision"`
	Status        ledger.MatchStatus `json:"status"`
	Score         float64            `json:"score"`
	Reasons       []string           `json:"reasons"`
	Currency      ledger.Currency    `json:"currency"`
	Allocations   []allocationJSON   `json:"allocations"`
	Unapplied     string             `json:"unapplied"`
	WriteOff      string             `json:"write_off"`
	DecidedBy     string             `json:"decided_by"`
	CreatedAt     time.Time          `json:"created_at"`
	UpdatedAt     time.Time          `json:"updated_at"`
	// Transaction is the bank transaction decided on (listings and
	// GET /v1/matches/{id}).
	Transaction *transactionJSON `json:"transaction,omitempty"`
	// Invoices are the allocated invoices as they stand (GET
	// /v1/matches/{id}).
	Invoices []invoiceJSON `json:"invoices,omitempty"`
}

func matchOf(m *ledger.Match) matchJSON {
	out := matchJSON{
		ID: m.ID, TransactionID: m.TransactionID, Decision: m.Decision, Status: m.Status, Score: m.Score,
		Reasons: m.Reasons, Currency: m.Unapplied.Currency, Allocations: make([]allocationJSON, len(m.Allocations)),
		Unapplied: m.Unapplied.String(), WriteOff: m.WriteOff.String(), DecidedBy: m.DecidedBy,
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
	if out.Reasons == nil {
		out.Reasons = []string{}
	}
	for i, a := range m.Allocations {
		out.Allocations[i] = allocationJSON{InvoiceID: a.InvoiceID, Amount: a.Amount.String()}
		if out.Currency == "" {
			out.Currency = a.Amount.Currency
		}
	}
	return out
}

type partyJSON struct {
	Name string `json:"name,omitempty"`
	IBAN string `json:"iban,omitempty"`
}

func partyOf(p ledger.Party) *partyJSON {
	if p.Name == "" && p.IBAN == "" {
		return nil
	}
	return &partyJSON{Name: p.Name, IBAN: p.IBAN}
}

type creditorRefJSON struct {
	Type string `json:"type,omitempty"`
	Ref  string `json:"ref"`
}

type transactionJSON struct {
	ID          string             `json:"id"`
	StatementID string             `json:"statement_id"`
	AccountID   string             `json:"account_id"`
	BankRef     string             `json:"bank_ref"`
	BookingDate ledger.Date        `json:"booking_date"`
	ValueDate   ledger.Date        `json:"value_date"`
	Status      ledger.EntryStatus `json:"status"`
	Direction   string             `json:"direction"` // credit or debit
	// Amount is signed: positive for a credit, negative for a debit.
	Amount         string            `json:"amount"`
	Currency       ledger.Currency   `json:"currency"`
	Reversal       bool              `json:"reversal,omitempty"`
	Debtor         *partyJSON        `json:"debtor,omitempty"`
	UltimateDebtor *partyJSON        `json:"ultimate_debtor,omitempty"`
	Creditor       *partyJSON        `json:"creditor,omitempty"`
	Remittance     []string          `json:"remittance"`
	CreditorRefs   []creditorRefJSON `json:"creditor_references,omitempty"`
	EndToEndID     string            `json:"end_to_end_id,omitempty"`
	EntryInfo      string            `json:"entry_info,omitempty"`
	// Matches are the decisions about the transaction, oldest first (GET
	// /v1/transactions/{id} only).
	Matches []matchJSON `json:"matches,omitempty"`
}

// directionName is the API's name of a booking direction.
func directionName(d ledger.Direction) string {
	if d == ledger.Debit {
		return "debit"
	}
	return "credit"
}

func transactionOf(b *ledger.BankTransaction) transactionJSON {
	t := &b.Transaction
	out := transactionJSON{
		ID: b.ID, StatementID: b.StatementID, AccountID: b.AccountID, BankRef: b.BankRef,
		BookingDate: b.BookingDate, ValueDate: b.ValueDate, Status: b.Status, Direction: directionName(t.Direction),
		Amount: b.Signed().String(), Currency: t.Amount.Currency, Reversal: b.Reversal,
		Debtor: partyOf(t.Debtor), UltimateDebtor: partyOf(t.UltimateDebtor), Creditor: partyOf(t.Creditor),
		Remittance: t.Remittance, EndToEndID: t.EndToEndID, EntryInfo: b.EntryInfo,
	}
	if out.Remittance == nil {
		out.Remittance = []string{}
	}
	for _, c := range t.CreditorRefs {
		out.CreditorRefs = append(out.CreditorRefs, creditorRefJSON{Type: c.Type, Ref: c.Ref})
	}
	return out
}

type auditJSON struct {
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	EntityType string          `json:"entity_type"`
	EntityID   string          `json:"entity_id"`
	InvoiceID  string          `json:"invoice_id,omitempty"`
	Reason     string          `json:"reason,omitempty"`
	Details    json.RawMessage `json:"details,omitempty"`
}

func auditOf(r *ledger.AuditRecord) auditJSON {
	out := auditJSON{Seq: r.Seq, At: r.At.UTC(), Actor: r.Actor, Action: r.Action, EntityType: r.EntityType,
		EntityID: r.EntityID, InvoiceID: r.InvoiceID, Reason: r.Reason}
	if json.Valid(r.Details) {
		out.Details = r.Details
	}
	return out
}

type eventJSON struct {
	ID            string    `json:"id"`
	Type          string    `json:"type"`
	AggregateType string    `json:"aggregate_type,omitempty"`
	AggregateID   string    `json:"aggregate_id,omitempty"`
	Sequence      int64     `json:"sequence"`
	OccurredAt    time.Time `json:"occurred_at"`
}

type deliveryJSON struct {
	ID             string                `json:"id"`
	EventID        string                `json:"event_id"`
	EndpointID     string                `json:"endpoint_id"`
	Status         ledger.DeliveryStatus `json:"status"`
	Attempts       int                   `json:"attempts"`
	NextAt         *time.Time            `json:"next_at,omitempty"`
	LastAttemptAt  *time.Time            `json:"last_attempt_at,omitempty"`
	LastHTTPStatus int                   `json:"last_http_status,omitempty"`
	LastError      string                `json:"last_error,omitempty"`
	DeliveredAt    *time.Time            `json:"delivered_at,omitempty"`
	CreatedAt      time.Time             `json:"created_at"`
	Event          *eventJSON            `json:"event,omitempty"`
}

// instant returns a pointer to t in UTC, nil for the zero time.
func instant(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func deliveryOf(d *ledger.Delivery) deliveryJSON {
	return deliveryJSON{
		ID: d.ID, EventID: d.EventID, EndpointID: d.EndpointID, Status: d.Status, Attempts: d.Attempts,
		NextAt: instant(d.NextAt), LastAttemptAt: instant(d.LastAttemptAt), LastHTTPStatus: d.LastHTTPStatus,
		LastError: d.LastError, DeliveredAt: instant(d.DeliveredAt), CreatedAt: d.CreatedAt.UTC(),
	}
}

func eventOf(e *ledger.OutboxEvent) *eventJSON {
	return &eventJSON{ID: e.ID, Type: e.Type, AggregateType: e.AggregateType, AggregateID: e.AggregateID,
		Sequence: e.Sequence, OccurredAt: e.OccurredAt.UTC()}
}

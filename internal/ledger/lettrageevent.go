package ledger

import (
	"encoding/json"
	"fmt"
)

// LettrageEventData is the "data" of a lettrage.* or payment.unmatched
// event: what was decided about one bank transaction, which invoices it
// pays, and why. Amounts are decimal strings in the transaction's currency.
type LettrageEventData struct {
	MatchID string `json:"match_id"`
	// InvoiceID is the invoice this event is about (its aggregate); empty
	// for a decision that allocates nothing.
	InvoiceID string `json:"invoice_id,omitempty"`
	// InvoiceAmount is the part of the transaction allocated to InvoiceID.
	InvoiceAmount  string           `json:"invoice_amount,omitempty"`
	TransactionID  string           `json:"transaction_id"`
	BankRef        string           `json:"bank_ref"`
	BookingDate    Date             `json:"booking_date"`
	Amount         string           `json:"amount"` // the transaction, signed (credit positive)
	Currency       Currency         `json:"currency"`
	PayerName      string           `json:"payer_name,omitempty"`
	PayerIBAN      string           `json:"payer_iban,omitempty"`
	Remittance     []string         `json:"remittance"`
	Decision       Decision         `json:"decision"`
	Status         MatchStatus      `json:"status"`
	PreviousStatus MatchStatus      `json:"previous_status,omitempty"`
	Score          float64          `json:"score"`
	Reasons        []string         `json:"reasons"` // the engine's explanation
	Allocations    []AllocationData `json:"allocations"`
	Unapplied      string           `json:"unapplied"`
	WriteOff       string           `json:"write_off"`
	DecidedBy      string           `json:"decided_by"`
	Actor          string           `json:"actor"`            // who made this change
	Reason         string           `json:"reason,omitempty"` // why, as the actor gave it
	// Invoices are the invoices whose open amounts this change moved, as
	// they stand after it.
	Invoices []InvoiceState `json:"invoices"`
}

// AllocationData is one allocation in an event payload.
type AllocationData struct {
	InvoiceID string `json:"invoice_id"`
	Amount    string `json:"amount"`
}

// InvoiceState is an invoice's standing in an event payload.
type InvoiceState struct {
	InvoiceID  string        `json:"invoice_id"`
	Number     string        `json:"number"`
	CustomerID string        `json:"customer_id"`
	Amount     string        `json:"amount"`
	OpenAmount string        `json:"open_amount"`
	Currency   Currency      `json:"currency"`
	DueDate    Date          `json:"due_date"`
	Status     InvoiceStatus `json:"status"`
}

// InvoicePaidData is the "data" of an invoice.paid event.
type InvoicePaidData struct {
	InvoiceState
	MatchID       string `json:"match_id"`
	TransactionID string `json:"transaction_id"`
	BankRef       string `json:"bank_ref"`
	PaidOn        Date   `json:"paid_on"` // the booking date of the payment that completed it
}

// LettrageEventType returns the event type that reports a match reaching
// its status: lettrage.<status>, except that a proposal of an unmatched
// decision is payment.unmatched.
func LettrageEventType(m *Match) string {
	if m.Status == MatchProposed && m.Decision == DecisionUnmatched {
		return EventPaymentUnmatched
	}
	return "lettrage." + string(m.Status)
}

// LettrageEvents returns the events that report a change to a match, for
// a Write's Events: one lettrage event per invoice the match allocates to
// (aggregate "invoice", so that each invoice's events are delivered in
// order), or one about the transaction (aggregate "transaction") when it
// allocates nothing; then, when the change lettered (applied or
// confirmed), one invoice.paid per invoice it brought to zero.
func LettrageEvents(o MatchOutcome, actor, reason string) ([]EventDraft, error) {
	m, bt := &o.Match, &o.Transaction
	signed := bt.Signed()
	cur := signed.Currency
	d := LettrageEventData{
		MatchID: m.ID, TransactionID: m.TransactionID, BankRef: bt.BankRef,
		BookingDate: bt.BookingDate, Amount: signed.String(), Currency: cur,
		PayerName: bt.Transaction.Debtor.Name, PayerIBAN: bt.Transaction.Debtor.IBAN,
		Remittance: nonNilStrings(bt.Transaction.Remittance),
		Decision:   m.Decision, Status: m.Status, PreviousStatus: o.Previous, Score: m.Score,
		Reasons:     nonNilStrings(m.Reasons),
		Allocations: make([]AllocationData, len(m.Allocations)),
		Unapplied:   Money{Minor: m.Unapplied.Minor, Currency: cur}.String(),
		WriteOff:    Money{Minor: m.WriteOff.Minor, Currency: cur}.String(),
		DecidedBy:   m.DecidedBy, Actor: actor, Reason: reason,
		Invoices: make([]InvoiceState, len(o.Invoices)),
	}
	if bt.BookingDate.IsZero() {
		d.BookingDate = bt.ValueDate
	}
	for i, a := range m.Allocations {
		d.Allocations[i] = AllocationData{InvoiceID: a.InvoiceID, Amount: a.Amount.String()}
	}
	for i := range o.Invoices {
		d.Invoices[i] = StateOf(&o.Invoices[i])
	}
	typ := LettrageEventType(m)
	var out []EventDraft
	add := func(typ, aggType, aggID string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s event of match %s: %w", typ, m.ID, err)
		}
		out = append(out, EventDraft{Type: typ, AggregateType: aggType, AggregateID: aggID, Data: b})
		return nil
	}
	if len(m.Allocations) == 0 {
		if err := add(typ, "transaction", m.TransactionID, d); err != nil {
			return nil, err
		}
	}
	for _, a := range m.Allocations {
		d.InvoiceID, d.InvoiceAmount = a.InvoiceID, a.Amount.String()
		if err := add(typ, "invoice", a.InvoiceID, d); err != nil {
			return nil, err
		}
	}
	if !m.Status.Lettered() || o.Previous.Lettered() {
		return out, nil
	}
	for i := range o.Invoices {
		inv := &o.Invoices[i]
		if inv.Status != InvoicePaid {
			continue
		}
		p := InvoicePaidData{InvoiceState: StateOf(inv), MatchID: m.ID, TransactionID: m.TransactionID, BankRef: bt.BankRef, PaidOn: d.BookingDate}
		if err := add(EventInvoicePaid, "invoice", inv.ID, p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// StateOf returns an invoice's standing for an event payload.
func StateOf(inv *Invoice) InvoiceState {
	return InvoiceState{
		InvoiceID: inv.ID, Number: inv.Number, CustomerID: inv.CustomerID,
		Amount: inv.Amount.String(), OpenAmount: inv.Open.String(), Currency: inv.Amount.Currency,
		DueDate: inv.DueDate, Status: inv.Status,
	}
}

func nonNilStrings(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

package lettering

import (
	"encoding/json"
	"fmt"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Aggregates of the events the lettering records. Events about an invoice
// have the invoice as aggregate, so that one invoice's events (lettered,
// paid, reversed, dunning) are numbered and delivered in order; an
// unmatched payment concerns no invoice and has its transaction.
const (
	aggregateInvoice     = "invoice"
	aggregateTransaction = "transaction"
)

// txData describes the bank transaction of a decision.
type txData struct {
	ID          string   `json:"id"`
	StatementID string   `json:"statement_id"`
	Account     string   `json:"account"`
	BankRef     string   `json:"bank_ref"`
	EndToEndID  string   `json:"end_to_end_id,omitempty"`
	Date        string   `json:"date,omitempty"`
	ValueDate   string   `json:"value_date,omitempty"`
	Amount      string   `json:"amount"`
	Currency    string   `json:"currency"`
	Direction   string   `json:"direction"`
	Payer       string   `json:"payer,omitempty"`
	Remittance  []string `json:"remittance,omitempty"`
	Return      string   `json:"return_reason,omitempty"`
}

// maxRemittance bounds the remittance text carried in an event.
const maxRemittance = 4

func txOf(bt *ledger.BankTransaction) txData {
	t := &bt.Transaction
	d := txData{ID: bt.ID, StatementID: bt.StatementID, Account: bt.AccountID, BankRef: bt.BankRef, EndToEndID: t.EndToEndID,
		Amount: t.Amount.String(), Currency: string(t.Amount.Currency), Direction: string(t.Direction), Return: t.ReturnReason}
	if !bt.BookingDate.IsZero() {
		d.Date = bt.BookingDate.String()
	}
	if !bt.ValueDate.IsZero() {
		d.ValueDate = bt.ValueDate.String()
	}
	d.Payer = t.Debtor.Name
	if d.Payer == "" {
		d.Payer = t.UltimateDebtor.Name
	}
	for i, r := range t.Remittance {
		if i == maxRemittance {
			break
		}
		if len(r) > 280 {
			r = r[:280]
		}
		d.Remittance = append(d.Remittance, r)
	}
	return d
}

// allocationData is one invoice a decision allocates to.
type allocationData struct {
	InvoiceID string `json:"invoice_id"`
	Amount    string `json:"amount"`
}

// invoiceData is an invoice as a lettrage left it.
type invoiceData struct {
	InvoiceID  string `json:"invoice_id"`
	Number     string `json:"number"`
	CustomerID string `json:"customer_id"`
	Amount     string `json:"amount"`
	Open       string `json:"open_amount"`
	Currency   string `json:"currency"`
	Status     string `json:"status"`
}

// matchData is the payload of lettrage.applied, lettrage.proposed,
// lettrage.reversed and payment.unmatched.
type matchData struct {
	MatchID     string           `json:"match_id"`
	Decision    string           `json:"decision"`
	Status      string           `json:"status"`
	Score       float64          `json:"score"`
	Reasons     []string         `json:"reasons"`
	DecidedBy   string           `json:"decided_by"`
	Transaction txData           `json:"transaction"`
	Allocations []allocationData `json:"allocations"`
	Unapplied   string           `json:"unapplied"`
	WriteOff    string           `json:"write_off"`
	Currency    string           `json:"currency"`
	// InvoiceID and Amount are the invoice this event is about (its
	// aggregate) and the part of the payment allocated to it; Invoice is
	// its state after a lettrage or a reversal.
	InvoiceID string       `json:"invoice_id,omitempty"`
	Amount    string       `json:"amount,omitempty"`
	Invoice   *invoiceData `json:"invoice,omitempty"`
	// Reversal is the debit that undid the payment (lettrage.reversed).
	Reversal *txData `json:"reversal,omitempty"`
}

func invoiceOf(inv *ledger.Invoice) *invoiceData {
	return &invoiceData{InvoiceID: inv.ID, Number: inv.Number, CustomerID: inv.CustomerID, Amount: inv.Amount.String(),
		Open: inv.Open.String(), Currency: string(inv.Open.Currency), Status: string(inv.Status)}
}

// paidData is the payload of invoice.paid.
type paidData struct {
	invoiceData
	MatchID       string `json:"match_id"`
	TransactionID string `json:"transaction_id"`
	BankRef       string `json:"bank_ref"`
	PaidOn        string `json:"paid_on,omitempty"`
}

// matchEvents builds the events of a recorded decision: per allocated
// invoice, lettrage.applied (then invoice.paid when its open amount
// reached zero) or lettrage.proposed; payment.unmatched for a credit that
// found nothing; per invoice given back, lettrage.reversed.
func matchEvents(reversal *ledger.BankTransaction) func(ledger.MatchOutcome) ([]ledger.EventDraft, error) {
	return func(o ledger.MatchOutcome) ([]ledger.EventDraft, error) {
		m := &o.Match
		cur := o.Transaction.Transaction.Amount.Currency
		base := matchData{MatchID: m.ID, Decision: string(m.Decision), Status: string(m.Status), Score: m.Score, Reasons: m.Reasons,
			DecidedBy: m.DecidedBy, Transaction: txOf(&o.Transaction), Unapplied: ledger.FormatMinor(m.Unapplied.Minor, cur.Exponent()),
			WriteOff: ledger.FormatMinor(m.WriteOff.Minor, cur.Exponent()), Currency: string(cur), Allocations: []allocationData{}}
		if base.Reasons == nil {
			base.Reasons = []string{}
		}
		for _, a := range m.Allocations {
			base.Allocations = append(base.Allocations, allocationData{InvoiceID: a.InvoiceID, Amount: a.Amount.String()})
		}
		if reversal != nil {
			r := txOf(reversal)
			base.Reversal = &r
		}
		invoices := map[string]*ledger.Invoice{}
		for i := range o.Invoices {
			invoices[o.Invoices[i].ID] = &o.Invoices[i]
		}
		var typ string
		switch {
		case m.Status == ledger.MatchReversed:
			typ = ledger.EventLettrageReversed
		case m.Status == ledger.MatchApplied:
			typ = ledger.EventLettrageApplied
		case m.Decision == ledger.DecisionUnmatched:
			data, err := json.Marshal(base)
			if err != nil {
				return nil, fmt.Errorf("payment.unmatched of %s: %w", o.Transaction.ID, err)
			}
			return []ledger.EventDraft{{Type: ledger.EventPaymentUnmatched, AggregateType: aggregateTransaction, AggregateID: o.Transaction.ID, Data: data}}, nil
		default:
			typ = ledger.EventLettrageProposed
		}
		var out []ledger.EventDraft
		for _, a := range m.Allocations {
			d := base
			d.InvoiceID, d.Amount = a.InvoiceID, a.Amount.String()
			inv := invoices[a.InvoiceID]
			if inv != nil {
				d.Invoice = invoiceOf(inv)
			}
			data, err := json.Marshal(d)
			if err != nil {
				return nil, fmt.Errorf("%s of invoice %s: %w", typ, a.InvoiceID, err)
			}
			out = append(out, ledger.EventDraft{Type: typ, AggregateType: aggregateInvoice, AggregateID: a.InvoiceID, Data: data})
			if typ == ledger.EventLettrageApplied && inv != nil && inv.Status == ledger.InvoicePaid {
				p := paidData{invoiceData: *invoiceOf(inv), MatchID: m.ID, TransactionID: o.Transaction.ID, BankRef: o.Transaction.BankRef}
				if !o.Transaction.BookingDate.IsZero() {
					p.PaidOn = o.Transaction.BookingDate.String()
				}
				data, err := json.Marshal(p)
				if err != nil {
					return nil, fmt.Errorf("invoice.paid of %s: %w", inv.ID, err)
				}
				out = append(out, ledger.EventDraft{Type: ledger.EventInvoicePaid, AggregateType: aggregateInvoice, AggregateID: inv.ID, Data: data})
			}
		}
		return out, nil
	}
}

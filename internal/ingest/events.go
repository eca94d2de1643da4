package ingest

import (
	"encoding/json"
	"fmt"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Aggregate types of the events ingestion records.
const (
	aggregateStatement = "statement"      // a stored statement, by id
	aggregateFile      = "statement_file" // a rejected file, by content hash (or intake id)
)

// ingestedData is the payload of statement.ingested.
type ingestedData struct {
	StatementID     string  `json:"statement_id"`
	File            string  `json:"file"`
	SHA256          string  `json:"sha256"`
	Position        int     `json:"position"` // of the statement in the file, from 1
	Format          string  `json:"format"`
	Account         string  `json:"account"`
	BankStatementID string  `json:"bank_statement_id"`
	ElectronicSeq   string  `json:"electronic_seq,omitempty"`
	From            string  `json:"from,omitempty"`
	To              string  `json:"to,omitempty"`
	Currency        string  `json:"currency"`
	OpeningBalance  *string `json:"opening_balance"`
	ClosingBalance  *string `json:"closing_balance"`
	Balanced        *bool   `json:"balanced"`
	Entries         int     `json:"entries"`
	Credits         string  `json:"credits"`
	Debits          string  `json:"debits"`
	Inserted        int     `json:"transactions_inserted"`
	Duplicates      int     `json:"transactions_duplicate"`
	Warnings        int     `json:"warnings"`
}

// ingestedEvents builds one statement.ingested per statement stored.
func ingestedEvents(name string) func(ledger.StatementFileResult) ([]ledger.EventDraft, error) {
	return func(res ledger.StatementFileResult) ([]ledger.EventDraft, error) {
		out := make([]ledger.EventDraft, 0, len(res.Statements))
		for _, st := range res.Statements {
			h := &st.Header
			c := h.Check()
			cur := c.Credits.Currency
			d := ingestedData{
				StatementID: st.ID, File: name, SHA256: res.FileHash, Position: st.Position, Format: string(h.Format),
				Account: st.AccountID, BankStatementID: h.StatementID, ElectronicSeq: h.ElectronicSeq,
				Currency: string(cur), Entries: h.Totals.Entries,
				Credits: ledger.FormatMinor(h.Totals.Credits, cur.Exponent()), Debits: ledger.FormatMinor(h.Totals.Debits, cur.Exponent()),
				Inserted: st.Inserted, Duplicates: st.Duplicates, Warnings: len(h.Warnings),
			}
			if !h.From.IsZero() {
				d.From = h.From.String()
			}
			if !h.To.IsZero() {
				d.To = h.To.String()
			}
			if c.Opening != nil {
				s := c.Opening.Amount.String()
				d.OpeningBalance = &s
			}
			if c.Closing != nil {
				s := c.Closing.Amount.String()
				d.ClosingBalance = &s
			}
			if c.Checked {
				b := c.Balanced
				d.Balanced = &b
			}
			data, err := json.Marshal(d)
			if err != nil {
				return nil, fmt.Errorf("statement.ingested of %s: %w", st.ID, err)
			}
			out = append(out, ledger.EventDraft{Type: ledger.EventStatementIngested, AggregateType: aggregateStatement, AggregateID: st.ID, Data: data})
		}
		return out, nil
	}
}

// rejectedData is the payload of statement.rejected: the report and where
// the file went.
type rejectedData struct {
	Report
	RejectedTo string `json:"rejected_to"`
}

// rejectedEvent builds the statement.rejected event of a report.
func rejectedEvent(r Report, dest string) (ledger.EventDraft, error) {
	data, err := json.Marshal(rejectedData{Report: r, RejectedTo: dest})
	if err != nil {
		return ledger.EventDraft{}, fmt.Errorf("statement.rejected of %s: %w", r.File, err)
	}
	return ledger.EventDraft{Type: ledger.EventStatementRejected, AggregateType: aggregateFile, AggregateID: rejectedAggregate(r), Data: data}, nil
}

// rejectedAggregate names what a rejection is about: the content when it
// was read, else the drop.
func rejectedAggregate(r Report) string {
	if r.SHA256 != "" {
		return r.SHA256
	}
	return "intake:" + r.IntakeID
}

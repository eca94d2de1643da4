package bench

import (
	"bytes"
	"context"
	"testing"

	"github.com/lettrage/lettrage/internal/invoicecsv"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/reconcile"
	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/detect"
)

// TestPayCorpus holds the generator to its promise: every file parses back
// balanced in its format, the invoices import, and the engine letters
// every credit automatically to the invoice it was generated for, for the
// full amount.
func TestPayCorpus(t *testing.T) {
	t.Parallel()
	spec := PayCorpusSpec{Seed: 11, Statements: 7, CreditsPerStatement: 5, DebitsPerStatement: 2, FirstInvoice: 501,
		Formats: []string{"camt.053.001.08", "camt.053.001.02", "cfonb120", "camt.053.001.13"}}
	c, err := NewPayCorpus(spec)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := NewPayCorpus(spec)
	for i := range c.Statements {
		if !bytes.Equal(c.Statements[i].Data, again.Statements[i].Data) {
			t.Fatalf("statement %d differs between two generations of one spec", i)
		}
	}
	if len(c.Invoices) != 35 || c.Transactions() != 7*(5+2) {
		t.Fatalf("%d invoices and %d transactions, want 35 and 49", len(c.Invoices), c.Transactions())
	}
	if c.Invoices[0].ID != "INV-0000501" {
		t.Errorf("first invoice %s, want INV-0000501", c.Invoices[0].ID)
	}
	invoices, customers, err := invoicecsv.Parse(bytes.NewReader(InvoicesCSV(c.Invoices)))
	if err != nil {
		t.Fatalf("generated invoices do not import: %v", err)
	}
	engine, err := reconcile.NewEngine(reconcile.DefaultConfig(), invoices, customers)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]PayInvoice{}
	for _, inv := range c.Invoices {
		byID[inv.ID] = inv
	}
	names := map[string]bool{}
	ctx := context.Background()
	for i, st := range c.Statements {
		if names[st.Name] {
			t.Errorf("file name %s used twice", st.Name)
		}
		names[st.Name] = true
		var col statement.Collector
		if err := detect.Parse(ctx, bytes.NewReader(st.Data), &col); err != nil {
			t.Fatalf("statement %d (%s) does not parse: %v", i, st.Format, err)
		}
		if len(col.Statements) != 1 {
			t.Fatalf("statement %d parsed into %d statements", i, len(col.Statements))
		}
		got := col.Statements[0]
		if string(got.Statement.Format) != st.Format {
			t.Errorf("statement %d: format %s, want %s", i, got.Statement.Format, st.Format)
		}
		if chk := got.Statement.Check(); !chk.Checked || !chk.Balanced {
			t.Errorf("statement %d does not balance: %+v", i, chk)
		}
		paid := 0
		for _, e := range got.Entries {
			for k := range e.Transactions {
				cr := reconcile.Credit{Statement: got.Statement, Entry: e, Tx: &e.Transactions[k]}
				if reconcile.Matchable(cr) != nil {
					continue
				}
				r, err := engine.Match(ctx, cr)
				if err != nil {
					t.Fatal(err)
				}
				want := byID[st.Invoices[paid]]
				paid++
				if r.Decision != ledger.DecisionAuto || len(r.Allocations) != 1 || r.Allocations[0].InvoiceID != want.ID ||
					r.Allocations[0].Amount.Minor != want.Amount || cr.BankRef() != want.BankRef {
					t.Errorf("statement %d (%s), credit %s: %s %+v, want auto to %s for %d", i, st.Format, cr.BankRef(), r.Decision, r.Allocations, want.ID, want.Amount)
				}
			}
		}
		if paid != len(st.Invoices) {
			t.Errorf("statement %d: %d credits, want %d", i, paid, len(st.Invoices))
		}
		engine.Commit()
	}
}

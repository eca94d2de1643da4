package bench

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/lettrage/lettrage/fixtures/corpus"
	"github.com/lettrage/lettrage/fixtures/render"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/reconcile"
	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/camt053"
	"github.com/lettrage/lettrage/internal/statement/cfonb120"
)

// Quality run modes: the engine fed the generated domain transactions
// directly, or the statement rendered in a format and parsed back (with the
// invoices written to the contract CSV and read back).
const (
	ModeDirect = "direct"
	ModeCAMT08 = "camt.053.001.08"
	ModeCAMT02 = "camt.053.001.02"
	ModeCFONB  = "cfonb120"
)

// QualityModes lists every mode in report order.
var QualityModes = []string{ModeDirect, ModeCAMT08, ModeCAMT02, ModeCFONB}

// RunQuality runs the engine over a corpus in one mode and tallies the
// decisions against the labels.
func RunQuality(ctx context.Context, c *corpus.Corpus, mode string, cfg reconcile.Config) (*Report, error) {
	switch mode {
	case ModeDirect:
		return runDirect(ctx, c, cfg)
	case ModeCAMT08, ModeCAMT02, ModeCFONB:
		return runRendered(ctx, c, mode, cfg)
	}
	return nil, fmt.Errorf("quality: unknown mode %q (want one of %s)", mode, strings.Join(QualityModes, ", "))
}

// runDirect matches the generated transactions as they are.
func runDirect(ctx context.Context, c *corpus.Corpus, cfg reconcile.Config) (*Report, error) {
	eng, err := reconcile.NewEngine(cfg, c.Invoices(), c.Customers())
	if err != nil {
		return nil, fmt.Errorf("quality: new engine: %w", err)
	}
	credits := c.Credits()
	lines := make([]Line, 0, len(credits))
	for _, cr := range credits {
		res, err := eng.Match(ctx, reconcile.Credit{Statement: c.Statement, Entry: cr.Entry, Tx: cr.Tx})
		if err != nil {
			return nil, fmt.Errorf("quality: match credit %d (%s): %w", cr.Label.Ordinal, cr.Label.BankRef, err)
		}
		lines = append(lines, Line{Label: cr.Label, Credit: viewOf(cr.Entry, cr.Tx), Out: outcomeOf(res)})
	}
	r := NewReport(ModeDirect, c.Config.Seed, lines)
	r.Invoices = indexRows(c.Rows)
	return r, nil
}

// runRendered writes the invoices as CSV and the statement in the mode's
// format, reads both back with Lettrage's readers, and matches the parsed
// credits in statement order.
func runRendered(ctx context.Context, c *corpus.Corpus, mode string, cfg reconcile.Config) (*Report, error) {
	var csvBuf, stBuf bytes.Buffer
	if err := corpus.WriteInvoicesCSV(&csvBuf, c.Rows, c.Columns); err != nil {
		return nil, err
	}
	rows, err := corpus.ReadInvoicesCSV(&csvBuf)
	if err != nil {
		return nil, fmt.Errorf("quality: read back invoices: %w", err)
	}
	invoices := make([]ledger.Invoice, len(rows))
	for i := range rows {
		invoices[i] = rows[i].Invoice
	}
	eng, err := reconcile.NewEngine(cfg, invoices, corpus.CustomersFromRows(rows))
	if err != nil {
		return nil, fmt.Errorf("quality: new engine: %w", err)
	}
	var parse func(context.Context, *bytes.Buffer, statement.Visitor) error
	switch mode {
	case ModeCAMT08, ModeCAMT02:
		if err := render.WriteCAMT053(&stBuf, strings.TrimPrefix(mode, "camt.053."), c.Statement, c.Entries); err != nil {
			return nil, fmt.Errorf("quality: render %s: %w", mode, err)
		}
		parse = func(ctx context.Context, b *bytes.Buffer, v statement.Visitor) error { return camt053.Parse(ctx, b, v) }
	case ModeCFONB:
		if err := render.WriteCFONB120(&stBuf, c.Statement, c.Entries); err != nil {
			return nil, fmt.Errorf("quality: render %s: %w", mode, err)
		}
		parse = func(ctx context.Context, b *bytes.Buffer, v statement.Visitor) error {
			return cfonb120.Parse(ctx, b, v)
		}
	}
	v := &matchVisitor{eng: eng, labels: c.Labels, byRef: map[string]int{}}
	for i := range c.Labels {
		v.byRef[c.Labels[i].BankRef] = i
	}
	if err := parse(ctx, &stBuf, v); err != nil {
		return nil, fmt.Errorf("quality: parse %s: %w", mode, err)
	}
	if len(v.lines) != len(c.Labels) {
		return nil, fmt.Errorf("quality: %s gave %d credits back, the corpus has %d", mode, len(v.lines), len(c.Labels))
	}
	r := NewReport(mode, c.Config.Seed, v.lines)
	r.Unpaired = v.unpaired
	r.Invoices = indexRows(rows)
	return r, nil
}

// matchVisitor matches each parsed credit as it streams in and pairs it
// with its label by bank reference (by position when the format lost it).
type matchVisitor struct {
	eng      *reconcile.Engine
	labels   []corpus.Label
	byRef    map[string]int
	ordinal  int
	unpaired int
	lines    []Line
}

// BeginStatement does nothing: credits are matched as entries arrive.
func (v *matchVisitor) BeginStatement(context.Context, *ledger.Statement) error { return nil }

// EndStatement does nothing.
func (v *matchVisitor) EndStatement(context.Context, *ledger.Statement) error { return nil }

// Entry matches each booked credit transaction of e and pairs it with its label.
func (v *matchVisitor) Entry(ctx context.Context, s *ledger.Statement, e *ledger.Entry) error {
	if e.Status != ledger.StatusBooked {
		return nil
	}
	for i := range e.Transactions {
		tx := &e.Transactions[i]
		c := reconcile.Credit{Statement: s, Entry: e, Tx: tx}
		if c.Direction() != ledger.Credit || e.Reversal {
			continue
		}
		v.ordinal++
		li, ok := v.byRef[tx.BankRef(e)]
		if !ok || li != v.ordinal-1 {
			v.unpaired++
			li = v.ordinal - 1
		}
		if li >= len(v.labels) {
			return fmt.Errorf("credit %d has no label", v.ordinal)
		}
		res, err := v.eng.Match(ctx, c)
		if err != nil {
			return fmt.Errorf("match credit %d (%s): %w", v.ordinal, tx.BankRef(e), err)
		}
		v.lines = append(v.lines, Line{Label: &v.labels[li], Credit: viewOf(e, tx), Out: outcomeOf(res)})
	}
	return nil
}

func outcomeOf(r reconcile.Result) Outcome {
	return Outcome{Decision: r.Decision, Allocations: r.Allocations, Score: r.Score, Reasons: r.Reasons,
		WriteOff: r.WriteOff, Unapplied: r.Unapplied, CustomerID: r.CustomerID}
}

func viewOf(e *ledger.Entry, tx *ledger.Transaction) CreditView {
	v := CreditView{BankRef: tx.BankRef(e), Amount: tx.Amount, Payer: tx.Debtor.Name, PayerIBAN: tx.Debtor.IBAN,
		Ultimate: tx.UltimateDebtor.Name, EndToEnd: tx.EndToEndID, Remittance: tx.Remittance}
	if v.Amount.Minor == 0 {
		v.Amount = e.Amount
	}
	for _, r := range tx.CreditorRefs {
		v.Structured = append(v.Structured, r.Ref)
	}
	return v
}

func indexRows(rows []corpus.InvoiceRow) map[string]*corpus.InvoiceRow {
	m := make(map[string]*corpus.InvoiceRow, len(rows))
	for i := range rows {
		m[rows[i].ID] = &rows[i]
	}
	return m
}

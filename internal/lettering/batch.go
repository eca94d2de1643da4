package lettering

import (
	"context"
	"fmt"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/reconcile"
)

// batch is the state of lettering a batch of statements: the engine, built
// once from the store's invoices and customers and fed the batch's credits
// in order, so that its memory of what it lettered or proposed carries from
// one credit to the next; rebuilt only when the store moved under it (a
// reversal, a conflicting write).
type batch struct {
	r       *Runner
	eng     *reconcile.Engine
	dirty   bool
	credits map[string][]ledger.BankTransaction // account → booked credits, for reversals
	events  bool                                // events were recorded
}

// pageSize is how many rows a listing asks for at a time.
const pageSize = 5000

// engine returns the batch's engine, building it (again) when needed.
func (b *batch) engine(ctx context.Context) (*reconcile.Engine, error) {
	if b.eng != nil && !b.dirty {
		return b.eng, nil
	}
	invoices, err := b.r.invoices(ctx)
	if err != nil {
		return nil, err
	}
	customers, err := b.r.customers(ctx)
	if err != nil {
		return nil, err
	}
	eng, err := reconcile.NewEngine(b.r.cfg.Engine, invoices, customers)
	if err != nil {
		return nil, fmt.Errorf("build matching engine: %w", err)
	}
	b.r.log.Debug().Int("invoices", len(invoices)).Int("customers", len(customers)).Msg("matching engine built")
	b.eng, b.dirty = eng, false
	return eng, nil
}

// invoices loads the invoices the engine needs: open and partially paid
// (offered), and paid ones unless SkipPaidInvoices (recognised, never
// offered).
func (r *Runner) invoices(ctx context.Context) ([]ledger.Invoice, error) {
	statuses := []ledger.InvoiceStatus{ledger.InvoiceOpen, ledger.InvoicePartiallyPaid}
	if !r.cfg.SkipPaidInvoices {
		statuses = append(statuses, ledger.InvoicePaid)
	}
	var out []ledger.Invoice
	after := ""
	for {
		page, err := r.cfg.Store.ListInvoices(ctx, ledger.InvoiceFilter{Statuses: statuses, After: after, Limit: pageSize})
		if err != nil {
			return nil, fmt.Errorf("load invoices: %w", err)
		}
		out = append(out, page...)
		if len(page) < pageSize {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// customers loads every customer with its IBANs and aliases.
func (r *Runner) customers(ctx context.Context) ([]ledger.Customer, error) {
	var out []ledger.Customer
	after := ""
	for {
		page, err := r.cfg.Store.ListCustomers(ctx, ledger.CustomerFilter{After: after, Limit: pageSize})
		if err != nil {
			return nil, fmt.Errorf("load customers: %w", err)
		}
		out = append(out, page...)
		if len(page) < pageSize {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// transactions lists every transaction a filter selects.
func (r *Runner) transactions(ctx context.Context, f ledger.TransactionFilter) ([]ledger.BankTransaction, error) {
	var out []ledger.BankTransaction
	f.Limit = pageSize
	for {
		page, err := r.cfg.Store.ListTransactions(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("list transactions: %w", err)
		}
		out = append(out, page...)
		if len(page) < pageSize {
			return out, nil
		}
		f.After = page[len(page)-1].ID
	}
}

// accountCredits returns the booked credits of an account, loaded once per
// batch (reversals are rare; the store has no lookup by reference).
func (b *batch) accountCredits(ctx context.Context, account string) ([]ledger.BankTransaction, error) {
	if txs, ok := b.credits[account]; ok {
		return txs, nil
	}
	txs, err := b.r.transactions(ctx, ledger.TransactionFilter{AccountID: account, Direction: ledger.Credit, Status: ledger.StatusBooked})
	if err != nil {
		return nil, err
	}
	if b.credits == nil {
		b.credits = map[string][]ledger.BankTransaction{}
	}
	b.credits[account] = txs
	return txs, nil
}

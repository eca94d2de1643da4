package dunningrun

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/matchers"
)

// runData is what a run reads once for every invoice: the unmatched
// credits, the customer holds and scenario overrides, and the customers
// seen so far.
type runData struct {
	credits   []credit
	holds     map[string][]dunning.CustomerHold
	scenarios map[string]string
	customers map[string]payerKeys
}

// credit is an unmatched credit: who paid, and when it was booked.
type credit struct {
	ref   string
	seen  ledger.Date
	ibans []string
	names []string // NormalizeName keys
}

// payerKeys identify a customer's payments: its IBANs and name keys.
type payerKeys struct {
	ibans map[string]bool
	names map[string]bool
}

// loadRunData reads the unmatched credits, the customer holds and the
// customers' scenario overrides.
func (r *Runner) loadRunData(ctx context.Context) (*runData, error) {
	d := &runData{customers: map[string]payerKeys{}}
	var err error
	if d.holds, err = loadCustomerHolds(ctx, r.cfg.Store, ""); err != nil {
		return nil, err
	}
	if d.scenarios, err = loadCustomerScenarios(ctx, r.cfg.Store); err != nil {
		return nil, err
	}
	after := ""
	for {
		ms, err := r.cfg.Store.ListMatches(ctx, ledger.MatchFilter{Status: ledger.MatchProposed, Decision: ledger.DecisionUnmatched, After: after, Limit: pageSize})
		if err != nil {
			return nil, fmt.Errorf("dunning run: unmatched credits: %w", err)
		}
		for _, m := range ms {
			bt, err := r.cfg.Store.GetTransaction(ctx, m.TransactionID)
			if err != nil {
				return nil, fmt.Errorf("dunning run: transaction of match %s: %w", m.ID, err)
			}
			if bt.Transaction.Direction != ledger.Credit {
				continue
			}
			c := credit{ref: m.ID, seen: knownOn(bt)}
			for _, p := range []ledger.Party{bt.Transaction.Debtor, bt.Transaction.UltimateDebtor} {
				if iban := matchers.NormalizeIBAN(p.IBAN); iban != "" {
					c.ibans = append(c.ibans, iban)
				}
				if k := nameKey(p.Name); k != "" {
					c.names = append(c.names, k)
				}
			}
			d.credits = append(d.credits, c)
		}
		if len(ms) < pageSize {
			return d, nil
		}
		after = ms[len(ms)-1].ID
	}
}

// nameKey is the comparison key of a payer or customer name: its
// identity-bearing words, sorted, without the legal form (a payer writes
// "ACME" for "ACME SAS"); "" when it has none.
func nameKey(s string) string {
	f := matchers.NormalizeName(s)
	if len(f.Tokens) == 0 {
		return ""
	}
	f.LegalForm = ""
	return f.Key()
}

// knownOn is the day a bank transaction became known: its booking date,
// else its value date.
func knownOn(bt ledger.BankTransaction) ledger.Date {
	if !bt.BookingDate.IsZero() {
		return bt.BookingDate
	}
	return bt.ValueDate
}

// paidOn is the day money was received, for interest: the value date,
// else the booking date.
func paidOn(bt ledger.BankTransaction) ledger.Date {
	if !bt.ValueDate.IsZero() {
		return bt.ValueDate
	}
	return bt.BookingDate
}

// payer returns the keys of a customer's payments (cached for the run).
func (r *Runner) payer(ctx context.Context, d *runData, customerID string) (payerKeys, error) {
	if k, ok := d.customers[customerID]; ok {
		return k, nil
	}
	k := payerKeys{ibans: map[string]bool{}, names: map[string]bool{}}
	cu, err := r.cfg.Store.GetCustomer(ctx, customerID)
	switch {
	case err == nil:
		for _, iban := range cu.IBANs {
			k.ibans[matchers.NormalizeIBAN(iban)] = true
		}
		for _, n := range append([]string{cu.Name}, cu.Aliases...) {
			if key := nameKey(n); key != "" {
				k.names[key] = true
			}
		}
	case !isNotFound(err):
		return k, fmt.Errorf("customer %s: %w", customerID, err)
	}
	d.customers[customerID] = k
	return k, nil
}

// buildCase assembles the machine's view of an invoice as of asOf: the
// invoice with the payments known by then, the stored state, the holds
// and the signals that it may be paid already.
func (r *Runner) buildCase(ctx context.Context, d *runData, inv ledger.Invoice, stored *ledger.DunningCase, asOf ledger.Date) (dunning.Case, dunning.State, error) {
	var st dunning.State
	if stored != nil && len(stored.State) > 0 {
		if err := json.Unmarshal(stored.State, &st); err != nil {
			return dunning.Case{}, st, fmt.Errorf("case state of %s: %w", inv.ID, err)
		}
	}
	c := dunning.Case{Invoice: inv}.WithState(st)
	c.CustomerHolds = d.holds[inv.CustomerID]
	c.CustomerScenario = d.scenarios[inv.CustomerID]
	ms, err := r.cfg.Store.ListMatches(ctx, ledger.MatchFilter{InvoiceID: inv.ID})
	if err != nil {
		return c, st, fmt.Errorf("matches of %s: %w", inv.ID, err)
	}
	for _, m := range ms {
		if m.Status != ledger.MatchApplied && m.Status != ledger.MatchConfirmed && m.Status != ledger.MatchProposed {
			continue
		}
		bt, err := r.cfg.Store.GetTransaction(ctx, m.TransactionID)
		if err != nil {
			return c, st, fmt.Errorf("transaction of match %s: %w", m.ID, err)
		}
		if m.Status == ledger.MatchProposed {
			if m.Decision == ledger.DecisionReview && !knownOn(bt).After(asOf) {
				c.PendingProposals = append(c.PendingProposals, dunning.Signal{Ref: m.ID, Seen: knownOn(bt)})
			}
			continue
		}
		for _, al := range m.Allocations {
			if al.InvoiceID != inv.ID {
				continue
			}
			if knownOn(bt).After(asOf) {
				// Not known yet on asOf: still open then.
				if c.Invoice.Open, err = c.Invoice.Open.Add(al.Amount); err != nil {
					return c, st, fmt.Errorf("open amount of %s as of %s: %w", inv.ID, asOf, err)
				}
				continue
			}
			c.Payments = append(c.Payments, dunning.Payment{Date: paidOn(bt), Amount: al.Amount, Ref: m.ID})
		}
	}
	if c.Invoice.Status == ledger.InvoicePaid && c.Invoice.Open.Minor > 0 {
		c.Invoice.Status = ledger.InvoicePartiallyPaid
	}
	if len(d.credits) > 0 {
		keys, err := r.payer(ctx, d, inv.CustomerID)
		if err != nil {
			return c, st, err
		}
		for _, cr := range d.credits {
			if cr.seen.After(asOf) || !keys.pays(cr) {
				continue
			}
			c.UnmatchedCredits = append(c.UnmatchedCredits, dunning.Signal{Ref: cr.ref, Seen: cr.seen})
		}
	}
	return c, st, nil
}

// pays reports whether the credit comes from the customer: a known IBAN,
// or the same name once normalised.
func (k payerKeys) pays(c credit) bool {
	for _, iban := range c.ibans {
		if k.ibans[iban] {
			return true
		}
	}
	for _, n := range c.names {
		if k.names[n] {
			return true
		}
	}
	return false
}

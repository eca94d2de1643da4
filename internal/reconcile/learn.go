package reconcile

import (
	"fmt"
	"slices"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/matchers"
)

// Learn takes a match a person confirmed (the credit and the allocations
// confirmed) and learns what identifies the payer: its IBAN and, when it
// differs from the customer's legal name, its name as an alias. It returns
// the customers whose IBANs or aliases grew, for the caller to persist,
// and uses them itself for the rest of the run.
//
// Nothing is learned when the allocations span several customers (a group
// or factoring company paying for others: its IBAN identifies none of
// them), nor from an invalid IBAN. It fails with ledger.ErrNotFound when an
// allocation names an unknown invoice.
func (e *Engine) Learn(c Credit, confirmed []ledger.Allocation) ([]ledger.Customer, error) {
	if c.Tx == nil {
		return nil, fmt.Errorf("learn: no transaction: %w", ledger.ErrInvalid)
	}
	ci := int32(-1)
	for _, a := range confirmed {
		i, ok := e.invoiceIndex(a.InvoiceID)
		if !ok {
			return nil, fmt.Errorf("learn: invoice %q: %w", a.InvoiceID, ledger.ErrNotFound)
		}
		switch {
		case ci < 0:
			ci = e.inv[i].cust
		case ci != e.inv[i].cust:
			return nil, nil
		}
	}
	if ci < 0 {
		return nil, nil
	}
	cu := &e.customers[ci].c
	changed := false
	if iban := matchers.NormalizeIBAN(c.Tx.Debtor.IBAN); matchers.ValidIBAN(iban) {
		known := slices.ContainsFunc(cu.IBANs, func(s string) bool { return matchers.NormalizeIBAN(s) == iban })
		if !known {
			cu.IBANs = append(cu.IBANs, iban)
			e.accounts.Add(iban, ci)
			changed = true
		}
	}
	legal := matchers.NormalizeName(cu.Name).Key()
	for _, name := range [2]string{c.Tx.Debtor.Name, c.Tx.UltimateDebtor.Name} {
		k := matchers.NormalizeName(name).Key()
		if k == "" || k == legal {
			continue
		}
		known := slices.ContainsFunc(cu.Aliases, func(a string) bool { return matchers.NormalizeName(a).Key() == k })
		if !known {
			cu.Aliases = append(cu.Aliases, name)
			e.addAlias(name, ci)
			changed = true
		}
		break // the debtor's name when given, else the ultimate debtor's
	}
	if !changed {
		return nil, nil
	}
	out := *cu
	out.IBANs, out.Aliases = slices.Clone(cu.IBANs), slices.Clone(cu.Aliases)
	return []ledger.Customer{out}, nil
}

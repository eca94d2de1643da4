package reconcile

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// TestBuilderBuildsNewEnginesEngine: invoices streamed into a Builder,
// their customers (IBANs, aliases) added after them, give the engine
// NewEngine builds from the slices — the same decision on every credit of
// a generated corpus, through Match and through Prepare + MatchPrepared.
func TestBuilderBuildsNewEnginesEngine(t *testing.T) {
	c, ecfg := generated(t, 11, 1200)
	want, err := NewEngine(ecfg, c.Invoices(), c.Customers())
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBuilder(ecfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	invs := c.Invoices()
	for i := range invs {
		if err := b.AddInvoice(&invs[i]); err != nil {
			t.Fatal(err)
		}
		invs[i] = ledger.Invoice{} // the builder keeps nothing of it
	}
	for _, cu := range c.Customers() {
		if err := b.AddCustomer(cu); err != nil {
			t.Fatal(err)
		}
	}
	got, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if got.Stats() != want.Stats() {
		t.Fatalf("stats: builder %+v, NewEngine %+v", got.Stats(), want.Stats())
	}
	ctx := context.Background()
	auto := 0
	for k, cr := range c.Credits() {
		credit := Credit{Statement: c.Statement, Entry: cr.Entry, Tx: cr.Tx}
		w, werr := want.Match(ctx, credit)
		g, gerr := got.MatchPrepared(ctx, got.Prepare(credit, nil))
		if !errors.Is(gerr, werr) || !reflect.DeepEqual(g, w) {
			t.Fatalf("credit %d: builder %+v (%v), NewEngine %+v (%v)", k, g, gerr, w, werr)
		}
		if w.Decision == ledger.DecisionAuto {
			auto++
		}
	}
	if auto == 0 {
		t.Fatal("no automatic decision: the comparison proves nothing")
	}
}

// TestBuilderRefuses: what NewEngine refuses, the builder refuses too,
// where it can tell (an invoice at once, duplicate ids at Build).
func TestBuilderRefuses(t *testing.T) {
	good := func(id string) ledger.Invoice {
		return inv(id, "FA-"+id, "C1", "ACME SARL", "100.00", "2026-01-10")
	}
	for _, tc := range []struct {
		name      string
		customers []ledger.Customer
		invoices  []ledger.Invoice
		want      string
	}{
		{"duplicate invoice id", nil, []ledger.Invoice{good("1"), good("2"), good("1")}, `invoice "1" listed twice`},
		{"customer twice", []ledger.Customer{{ID: "C1"}, {ID: "C1"}}, nil, `customer "C1" listed twice`},
		{"customer without id", []ledger.Customer{{Name: "X"}}, nil, "customer without id"},
		{"invoice without id", nil, []ledger.Invoice{good("1"), good("")}, "invoice 1 has no id"},
		{"open above amount", nil, []ledger.Invoice{func() ledger.Invoice {
			v := good("1")
			v.Open.Minor = v.Amount.Minor + 1
			return v
		}()}, "open amount 100.01 above amount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, slicesErr := NewEngine(DefaultConfig(), tc.invoices, tc.customers)
			b, err := NewBuilder(DefaultConfig(), 0)
			if err != nil {
				t.Fatal(err)
			}
			// Invoices first, customers after: the order a streamed file gives.
			for i := range tc.invoices {
				if err = b.AddInvoice(&tc.invoices[i]); err != nil {
					break
				}
			}
			for _, c := range tc.customers {
				if err != nil {
					break
				}
				err = b.AddCustomer(c)
			}
			if err == nil {
				_, err = b.Build()
			}
			for _, e := range []error{slicesErr, err} {
				if e == nil || !strings.Contains(e.Error(), tc.want) || !errors.Is(e, ledger.ErrInvalid) {
					t.Errorf("error %v, want one saying %q wrapping ErrInvalid", e, tc.want)
				}
			}
			if i := good("9"); err != nil && b.AddInvoice(&i) == nil {
				t.Error("the builder accepts invoices after refusing one")
			}
		})
	}
}

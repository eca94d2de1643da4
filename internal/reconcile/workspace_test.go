package reconcile

import (
	"context"
	"reflect"
	"testing"

	"github.com/lettrage/lettrage/fixtures/corpus"
	"github.com/lettrage/lettrage/internal/ledger"
)

// TestWorkspaceReuse runs a generated corpus (every category: references,
// typos, several invoices, name-only payers, large customers) through two
// engines, one reusing its per-credit workspace as Match does, one given a
// fresh workspace for every credit: every result must be the same, so that
// nothing of an earlier credit leaks into a later one's decision.
func TestWorkspaceReuse(t *testing.T) {
	cfg := corpus.DefaultConfig()
	cfg.Seed, cfg.Credits = 7, 1500
	if testing.Short() {
		cfg.Credits = 400
	}
	c, err := corpus.Generate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ecfg := DefaultConfig()
	ecfg.MaxCustomerInvoices = 12 // large-customer paths too
	reused, err := NewEngine(ecfg, c.Invoices(), c.Customers())
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := NewEngine(ecfg, c.Invoices(), c.Customers())
	if err != nil {
		t.Fatal(err)
	}
	auto := 0
	for k, cr := range c.Credits() {
		credit := Credit{Statement: c.Statement, Entry: cr.Entry, Tx: cr.Tx}
		a, err := reused.Match(context.Background(), credit)
		if err != nil {
			t.Fatal(err)
		}
		fresh.run = nil
		b, err := fresh.Match(context.Background(), credit)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("credit %d (%s): with the reused workspace\n%+v\nwith a fresh one\n%+v", k, cr.Label.BankRef, a, b)
		}
		if a.Decision == ledger.DecisionAuto {
			auto++
		}
	}
	if auto < len(c.Credits())/3 {
		t.Errorf("%d of %d credits lettered automatically: the corpus looks wrong", auto, len(c.Credits()))
	}
}

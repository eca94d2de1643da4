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
	c, ecfg := generated(t, 7, 1500)
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

// generated returns a generated corpus of every category (credits of it,
// fewer with -short) and an engine config that takes the large-customer
// paths too.
func generated(t *testing.T, seed uint64, credits int) (*corpus.Corpus, Config) {
	t.Helper()
	cfg := corpus.DefaultConfig()
	cfg.Seed, cfg.Credits = seed, credits
	if testing.Short() {
		cfg.Credits = credits / 4
	}
	c, err := corpus.Generate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ecfg := DefaultConfig()
	ecfg.MaxCustomerInvoices = 12
	return c, ecfg
}

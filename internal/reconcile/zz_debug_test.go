package reconcile

// SCRATCH (to delete): traces the engine's proposals for chosen credits.

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/fixtures/corpus"
)

func TestZZDebug(t *testing.T) {
	refs := os.Getenv("ZZREF")
	if refs == "" {
		t.Skip()
	}
	cfg := corpus.DefaultConfig()
	seed, _ := strconv.Atoi(os.Getenv("ZZSEED"))
	cfg.Seed = uint64(seed)
	c, err := corpus.Generate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(DefaultConfig(), c.Invoices(), c.Customers())
	if err != nil {
		t.Fatal(err)
	}
	for _, cr := range c.Credits() {
		e.trace = nil
		if strings.Contains(refs, cr.Label.BankRef) {
			e.trace = t.Logf
			t.Logf("=== %s %s %q", cr.Label.BankRef, cr.Tx.Amount, cr.Tx.Remittance)
		}
		r, err := e.Match(context.Background(), Credit{Statement: c.Statement, Entry: cr.Entry, Tx: cr.Tx})
		if err != nil {
			t.Fatal(err)
		}
		if e.trace != nil {
			t.Logf("-> %s %.4f %v", r.Decision, r.Score, r.Reasons)
		}
	}
}

package reconcile

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/lettrage/lettrage/fixtures/corpus"
)

func TestZZPerf(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ZZPERF"))
	if n == 0 {
		t.Skip()
	}
	cfg := corpus.DefaultConfig()
	cfg.Credits = n
	cfg.InvoicesPerCredit = 3
	c, err := corpus.Generate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	invs, custs := c.Invoices(), c.Customers()
	credits := c.Credits()
	maxInv := 0
	e, err := NewEngine(DefaultConfig(), invs, custs)
	if err != nil {
		t.Fatal(err)
	}
	for _, cu := range e.customers {
		maxInv = max(maxInv, len(cu.invoices))
	}
	t.Logf("%d invoices %d customers, largest customer %d invoices", len(invs), len(e.customers), maxInv)
	t2 := time.Now()
	for _, cr := range credits {
		if _, err := e.Match(context.Background(), Credit{Statement: c.Statement, Entry: cr.Entry, Tx: cr.Tx}); err != nil {
			t.Fatal(err)
		}
	}
	d := time.Since(t2)
	t.Logf("match %v = %v/credit", d, d/time.Duration(len(credits)))
}

package reconcile

import (
	"context"
	"os"
	"runtime"
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
	t0 := time.Now()
	c, err := corpus.Generate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	invs, custs := c.Invoices(), c.Customers()
	credits := c.Credits()
	t.Logf("generate %v: %d invoices %d credits", time.Since(t0), len(invs), len(credits))
	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t1 := time.Now()
	e, err := NewEngine(DefaultConfig(), invs, custs)
	if err != nil {
		t.Fatal(err)
	}
	build := time.Since(t1)
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	t.Logf("build %v, heap +%d MB, stats %+v", build, (int64(m1.HeapAlloc)-int64(m0.HeapAlloc))>>20, e.Stats())
	t2 := time.Now()
	for _, cr := range credits {
		if _, err := e.Match(context.Background(), Credit{Statement: c.Statement, Entry: cr.Entry, Tx: cr.Tx}); err != nil {
			t.Fatal(err)
		}
	}
	d := time.Since(t2)
	t.Logf("match %v = %v/credit", d, d/time.Duration(len(credits)))
}

package reconcile

import (
	"os"
	"runtime"
	"testing"
	"time"
)

func TestZZMem(t *testing.T) {
	if os.Getenv("ZZMEM") == "" {
		t.Skip()
	}
	invs, custs := synthBooks(300_000, 1)
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	e, err := NewEngine(DefaultConfig(), invs, custs)
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(t0)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	t.Logf("build %v; engine heap %d MB (%d B/invoice); invoices slice ~%d MB; stats %+v", d, (m1.HeapAlloc-m0.HeapAlloc)>>20, (m1.HeapAlloc-m0.HeapAlloc)/300000, m0.HeapAlloc>>20, e.Stats())
	runtime.KeepAlive(e)
}

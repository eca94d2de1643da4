package camt053

import (
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/lettrage/lettrage/fixtures/render"
	"github.com/lettrage/lettrage/internal/ledger"
)

// dropVisitor keeps nothing and samples the live heap as entries stream by.
type dropVisitor struct {
	every   int
	samples []uint64
}

func (v *dropVisitor) BeginStatement(context.Context, *ledger.Statement) error { return nil }
func (v *dropVisitor) EndStatement(context.Context, *ledger.Statement) error   { return nil }
func (v *dropVisitor) Entry(_ context.Context, _ *ledger.Statement, e *ledger.Entry) error {
	if e.Index%v.every == 0 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		v.samples = append(v.samples, m.HeapAlloc)
	}
	return nil
}

// TestMemoryStaysFlat streams a statement of many entries through Parse
// straight from the renderer (never a whole document in memory) and checks
// that the live heap does not grow with the number of entries read.
func TestMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("streams ~50 MB of XML")
	}
	const n = 30000
	s, sample := sampleStatement(t, 7)
	pr, pw := io.Pipe()
	go func() {
		w, err := render.NewCAMT053Writer(pw, "001.08")
		if err == nil {
			err = w.Statement(s)
		}
		for i := 1; i <= n && err == nil; i++ {
			e := *sample[i%len(sample)]
			e.Index = i
			err = w.Entry(&e)
		}
		if err == nil {
			err = w.Close()
		}
		pw.CloseWithError(err)
	}()
	v := &dropVisitor{every: n / 6}
	if err := Parse(context.Background(), pr, v); err != nil {
		t.Fatal(err)
	}
	t.Logf("live heap samples: %v", v.samples)
	first, last := v.samples[0], v.samples[len(v.samples)-1]
	const limit = 8 << 20
	for _, h := range v.samples {
		if h > limit {
			t.Errorf("live heap %d MB while parsing, want < %d MB (samples %v)", h>>20, limit>>20, v.samples)
		}
	}
	if last > first+2<<20 {
		t.Errorf("live heap grew from %d to %d bytes over %d entries", first, last, n)
	}
}

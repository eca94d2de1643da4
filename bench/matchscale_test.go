package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/reconcile"
)

// scaleSizes returns the credit counts to benchmark: 10,000 by default;
// LETTRAGE_BENCH_CREDITS=10000,100000,1000000 opts into the large ones
// (each with three times as many invoices).
func scaleSizes(tb testing.TB) []int {
	s := os.Getenv("LETTRAGE_BENCH_CREDITS")
	if s == "" {
		return []int{10_000}
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			tb.Fatalf("LETTRAGE_BENCH_CREDITS: %q is not a credit count", f)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkMatchScale measures `lettrage match` end to end (read the invoice
// CSV, build the engine, parse a camt.053.001.08 statement, decide on each
// credit) against the baseline that only reads both files and looks each
// remittance token up in a hash map, at 10k credits × 30k invoices (and,
// opt-in, 100k × 300k and 1M × 3M). Bytes are both files' sizes; the
// engine/baseline ratio is what the issue bounds (≤ 3 at 100k × 300k). Peak
// memory per size is measured in separate processes by cmd/matchscale.
func BenchmarkMatchScale(b *testing.B) {
	for _, n := range scaleSizes(b) {
		dir := b.TempDir()
		in, err := WriteScaleInput(context.Background(), dir, 1, n, 3, ModeCAMT08)
		if err != nil {
			b.Fatal(err)
		}
		size := fmt.Sprintf("credits=%d/invoices=%d", in.Credits, in.Invoices)
		b.Run(size+"/baseline", func(b *testing.B) {
			b.SetBytes(in.CSVBytes + in.StatementBytes)
			b.ReportAllocs()
			var r ScaleResult
			for b.Loop() {
				if r, err = RunScaleBaseline(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
			if r.Credits != in.Credits {
				b.Fatalf("read %d credits, want %d", r.Credits, in.Credits)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(in.Credits), "ns/credit")
		})
		b.Run(size+"/engine", func(b *testing.B) {
			b.SetBytes(in.CSVBytes + in.StatementBytes)
			b.ReportAllocs()
			var r ScaleResult
			for b.Loop() {
				if r, err = RunScaleEngine(context.Background(), in, reconcile.DefaultConfig()); err != nil {
					b.Fatal(err)
				}
			}
			if r.Credits != in.Credits {
				b.Fatalf("matched %d credits, want %d", r.Credits, in.Credits)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(in.Credits), "ns/credit")
			b.ReportMetric(float64(r.HeapInUse)/(1<<20), "MiB-live-heap")
		})
	}
}

// TestScaleRuns checks on a small corpus that both throughput runs read
// every credit and invoice, that the baseline finds references and that
// the engine decides.
func TestScaleRuns(t *testing.T) {
	t.Parallel()
	in, err := WriteScaleInput(context.Background(), t.TempDir(), 3, 500, 3, ModeCAMT08)
	if err != nil {
		t.Fatal(err)
	}
	base, err := RunScaleBaseline(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := RunScaleEngine(context.Background(), in, reconcile.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []ScaleResult{base, eng} {
		if r.Credits != 500 || r.Invoices != 1500 {
			t.Errorf("%s read %d credits and %d invoices, want 500 and 1500", r.Run, r.Credits, r.Invoices)
		}
	}
	if base.Hits < 200 || eng.Auto < 200 {
		t.Errorf("baseline found %d references, engine lettered %d automatically: the inputs look wrong", base.Hits, eng.Auto)
	}
}

package camt053

import (
	"bytes"
	"context"
	"testing"

	"github.com/lettrage/lettrage/fixtures/render"
	"github.com/lettrage/lettrage/internal/ledger"
)

// countVisitor keeps nothing but a count.
type countVisitor struct{ entries int }

func (v *countVisitor) BeginStatement(context.Context, *ledger.Statement) error { return nil }
func (v *countVisitor) EndStatement(context.Context, *ledger.Statement) error   { return nil }
func (v *countVisitor) Entry(context.Context, *ledger.Statement, *ledger.Entry) error {
	v.entries++
	return nil
}

// BenchmarkParse is the decoder's micro-benchmark on a 20k-entry statement
// using every extracted field; bench/ holds the end-to-end comparison with
// the baselines.
func BenchmarkParse(b *testing.B) {
	for _, version := range []string{"001.02", "001.08"} {
		b.Run(version, func(b *testing.B) {
			s, entries := sampleStatement(b, 20000)
			var buf bytes.Buffer
			if err := render.WriteCAMT053(&buf, version, s, entries); err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var v countVisitor
				if err := Parse(context.Background(), bytes.NewReader(data), &v); err != nil || v.entries != len(entries) {
					b.Fatalf("%d entries, %v", v.entries, err)
				}
			}
			b.ReportMetric(float64(len(entries))*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

package invoicecsv

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParse reads 100,000 invoice rows (about 11 MB) per operation.
func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(header)
	for i := 0; i < 100_000; i++ {
		fmt.Fprintf(&sb, "ID%07d,FA-2025-%06d,CLI%05d,Société Cliente %d SARL,%d.%02d,EUR,2025-03-01,2025-04-01,,FR7630006000011234567890189,\n",
			i, i, i%20000, i%20000, 100+i%90000, i%100)
	}
	data := sb.String()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		invs, _, err := Parse(strings.NewReader(data))
		if err != nil || len(invs) != 100_000 {
			b.Fatal(len(invs), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/row")
}

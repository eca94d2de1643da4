package matchers

import (
	"fmt"
	"testing"
)

// benchIndex indexes n sequential numbers "FA-2025-000000"… — the densest
// case for fuzzy search: every number has neighbours one edit away.
func benchIndex(n int) *ReferenceIndex {
	b := NewReferenceIndexBuilder(n)
	for i := 0; i < n; i++ {
		b.Add(int32(i), fmt.Sprintf("FA-2025-%06d", i), "")
	}
	return b.Build()
}

func BenchmarkReferenceIndexBuild(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		nums := make([]string, n)
		for i := range nums {
			nums[i] = fmt.Sprintf("FA-2025-%06d", i)
		}
		b.Run(fmt.Sprintf("invoices=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bl := NewReferenceIndexBuilder(n)
				for i, s := range nums {
					bl.Add(int32(i), s, "")
				}
				bl.Build()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/invoice")
		})
	}
}

func BenchmarkFind(b *testing.B) {
	x := benchIndex(100_000)
	cases := []struct{ name, text string }{
		{"exact", "VIR SEPA REGLEMENT FACTURE FA-2025-012345 DU 12/03/2025"},
		{"typo", "VIR SEPA REGLEMENT FACTURE FA-2025-012354 DU 12/03/2025"},
		{"none", "PAIEMENT FOURNISSEUR MARS 2025 COMMANDE 4500012345"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				p := &Payment{Amount: 123456, Exponent: 2, Currency: "EUR", Texts: []string{c.text}}
				x.Find(p, FindOptions{MaxDistance: 2}, nil)
			}
		})
	}
}

func BenchmarkNameSearch(b *testing.B) {
	bl := NewNameIndexBuilder()
	words := []string{"BOULANGERIE", "TRANSPORTS", "GARAGE", "CABINET", "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "PETIT"}
	for i := 0; i < 50_000; i++ {
		bl.Add(int32(i), fmt.Sprintf("%s %s %s%d SARL", words[i%4], words[4+i%6], words[4+(i/6)%6][:3], i))
	}
	x := bl.Build()
	q := NormalizeName("STE BOULANGERIE MARTIN MAR1234")
	b.ReportAllocs()
	for b.Loop() {
		x.SearchForm(q, 3, 0.55)
	}
}

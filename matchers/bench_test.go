package matchers

import (
	"fmt"
	"math/rand/v2"
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

// BenchmarkFindScale searches mistyped numbers in books of 300 000 and
// 3 million invoices numbered in two dense sequential schemes, the numbers
// given to handles in shuffled order (as a book exported in another order
// would): the cost of the fuzzy search's lookups and candidate checks as
// the book outgrows the processor's caches. (The typo is often another
// invoice's number: FuzzyEverywhere searches the text's neighbourhood all
// the same, as the engine does when the number it names does not fit.)
func BenchmarkFindScale(b *testing.B) {
	for _, n := range []int{300_000, 3_000_000} {
		rng := rand.New(rand.NewPCG(uint64(n), 9))
		perm := rng.Perm(n)
		number := func(k int) string {
			if k%2 == 0 {
				return fmt.Sprintf("FA25/%07d", k/2)
			}
			return fmt.Sprintf("2025%07d", k/2)
		}
		bl := NewReferenceIndexBuilder(n)
		for k, h := range perm {
			bl.Add(int32(h), number(k), "")
		}
		x := bl.Build()
		texts := make([]string, 4096)
		for t := range texts {
			c := []byte(number(rng.IntN(n)))
			p := len(c) - 1 - rng.IntN(5)
			c[p] = '0' + (c[p]-'0'+1+byte(rng.IntN(8)))%10 // one digit mistyped
			texts[t] = fmt.Sprintf("VIR SEPA FACTURE %s CLIENT %d", c, rng.IntN(100000))
		}
		b.Run(fmt.Sprintf("invoices=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			t := 0
			for b.Loop() {
				p := &Payment{Amount: 123456, Exponent: 2, Currency: "EUR", Texts: []string{texts[t%len(texts)]}}
				x.Find(p, FindOptions{MaxDistance: 1, FuzzyEverywhere: true}, nil)
				t++
			}
		})
	}
}

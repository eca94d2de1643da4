package matchers

import (
	"math"
	"testing"
)

// FuzzFind tokenises arbitrary texts (any bytes, any Unicode) and checks
// that reference lookups never panic and return sane hits: known invoices,
// finite weights, distances within bounds.
func FuzzFind(f *testing.F) {
	x := testRefIndex(f)
	names := testNames()
	f.Add("REGLEMENT FACT FA-2026-0012 ET 13", "RF18 5390 0754 7034", "STE DUPONT SARL", int64(120000))
	f.Add("IBAN FR14 2004 1010 0505 0001 3M02 606 TEL 01 23 45 67 89 LE 12/11/2024", "", "", int64(1))
	f.Add("N°FA2026-0021/0013 + 120, 1 234,50 EUR", "RF", "ÉTS MARTIN & FILS", int64(-5))
	f.Add("\xff\xfe\u0301\u00e9é", "\x00", "S A R L", int64(0))
	f.Fuzz(func(t *testing.T, text, ref, payer string, amount int64) {
		p := &Payment{Amount: amount, Currency: "EUR", Exponent: 2, PayerName: payer, Texts: []string{text, payer}, StructuredRefs: []string{ref}}
		for _, opt := range []FindOptions{{}, {MaxDistance: 2}, {MaxDistance: 1, FuzzyEverywhere: true, ReportUnavailable: true, Accept: func(r int32) bool { return r%2 == 0 }}} {
			for _, h := range x.Find(p, opt, nil) {
				if h.Ref < 0 || int(h.Ref) >= len(testRefInvoices) {
					t.Fatalf("hit on unknown invoice %d", h.Ref)
				}
				if math.IsNaN(h.Weight) || math.IsInf(h.Weight, 0) || h.Distance < 0 || h.Distance > 2 {
					t.Fatalf("hit %+v", h)
				}
				if h.Distance > 0 && h.Strong {
					t.Fatalf("strong fuzzy hit %+v", h)
				}
				_ = x.Explain(h)
			}
		}
		NearReference(p, "FA-2026-0012", 1)
		for _, h := range names.Search(payer, 3, 0) {
			if h.Similarity < 0 || h.Similarity > 1 || math.IsNaN(h.Weight) {
				t.Fatalf("name hit %+v", h)
			}
		}
		_ = NormalizeName(payer).Key()
		_ = Fold(text)
	})
}

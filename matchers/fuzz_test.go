package matchers

import (
	"math"
	"reflect"
	"slices"
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
		checkFuzzyOnly(t, x, p)
		checkFindThenFuzzy(t, x, p)
		checkNumberKeys(t, x, p, text)
		for _, h := range names.Search(payer, 3, 0) {
			if h.Similarity < 0 || h.Similarity > 1 || math.IsNaN(h.Weight) {
				t.Fatalf("name hit %+v", h)
			}
		}
		_ = NormalizeName(payer).Key()
		_ = Fold(text)
	})
}

// checkFuzzyOnly checks that a FuzzyOnly search returns what a full
// FuzzyEverywhere search does, for the invoices the latter found no exact
// hit on (the caller has those already).
func checkFuzzyOnly(t *testing.T, x *ReferenceIndex, p *Payment) {
	t.Helper()
	for _, acc := range []func(int32) bool{nil, func(r int32) bool { return r%3 != 1 }} {
		full := x.Find(p, FindOptions{Accept: acc, MaxDistance: 1, FuzzyEverywhere: true}, nil)
		exact := x.Find(p, FindOptions{Accept: acc}, nil)
		only := x.Find(p, FindOptions{Accept: acc, MaxDistance: 1, FuzzyEverywhere: true, FuzzyOnly: true}, nil)
		named := func(r int32) bool { return slices.ContainsFunc(exact, func(h RefHit) bool { return h.Ref == r }) }
		var want, got []RefHit
		for _, h := range full {
			if h.Distance > 0 && !named(h.Ref) {
				want = append(want, h)
			}
		}
		for _, h := range only {
			if h.Distance == 0 {
				t.Fatalf("FuzzyOnly returned an exact hit %+v", h)
			}
			if !named(h.Ref) {
				got = append(got, h)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("FuzzyOnly hits %+v, want %+v", got, want)
		}
	}
}

// checkNumberKeys checks the typo readings from the index's compact keys
// against those from the numbers themselves.
func checkNumberKeys(t *testing.T, x *ReferenceIndex, p *Payment, text string) {
	t.Helper()
	rt := NewRefText(text)
	for i, inv := range testRefInvoices {
		key, skey, ok := x.NumberKeys(int32(i))
		if !ok {
			t.Fatalf("no keys kept for invoice %d", i)
		}
		w1, d1, s1, ok1 := NearReference(p, inv.number, 1)
		w2, d2, s2, ok2 := NearReferenceKeys(p, key, skey, 1)
		if w1 != w2 || d1 != d2 || s1 != s2 || ok1 != ok2 {
			t.Fatalf("NearReferenceKeys(%q) = %q %d %v %v, NearReference = %q %d %v %v", inv.number, w2, d2, s2, ok2, w1, d1, s1, ok1)
		}
		for k := 1; k <= 2; k++ {
			d1, s1, ok1 := RefDistanceWithin(text, inv.number, k)
			d2, s2, ok2 := rt.WithinKeys(key, skey, k)
			if d1 != d2 || s1 != s2 || ok1 != ok2 {
				t.Fatalf("WithinKeys(%q, %q, %d) = %d %v %v, RefDistanceWithin = %d %v %v", text, inv.number, k, d2, s2, ok2, d1, s1, ok1)
			}
		}
	}
}

// checkFindThenFuzzy checks FindThenFuzzy against the two Find calls it
// stands for, whichever way the exact hits are judged.
func checkFindThenFuzzy(t *testing.T, x *ReferenceIndex, p *Payment) {
	t.Helper()
	opt := FindOptions{Accept: func(r int32) bool { return r%4 != 3 }, ReportUnavailable: true, MaxDistance: 2,
		MaxFuzzyCandidates: 1, Plausible: func(r int32) bool { return r%2 == 0 }}
	exactOpt := opt
	exactOpt.MaxDistance = 0
	exact := x.Find(p, exactOpt, nil)
	for _, suffices := range []bool{false, true} {
		want := exact
		if !suffices {
			want = x.Find(p, opt, nil)
		}
		prefix := []RefHit{{Ref: 5, Weight: 1}}
		got := x.FindThenFuzzy(p, opt, func(e []RefHit) bool {
			if !sameHits(e, exact) {
				t.Fatalf("FindThenFuzzy judged %+v, want the exact hits %+v", e, exact)
			}
			return suffices
		}, slices.Clone(prefix))
		if !sameHits(got[:1], prefix) || !sameHits(got[1:], want) {
			t.Fatalf("FindThenFuzzy (exact suffices: %v) = %+v, want %+v after the prefix", suffices, got, want)
		}
	}
}

// sameHits reports whether a and b hold equal hits (nil and empty alike).
func sameHits(a, b []RefHit) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

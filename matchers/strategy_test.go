package matchers

import "testing"

// Every strategy satisfies the interface and explains itself.
func TestStrategies(t *testing.T) {
	t.Parallel()
	x := testRefIndex(t)
	cands := []Invoice{
		{Ref: 0, ID: "I0", Number: "FA-2026-0012", CustomerRef: 1, CustomerID: "C1", Open: 120000, Currency: "EUR"},
		{Ref: 8, ID: "I8", Number: "FA-2026-0200", CustomerRef: 2, CustomerID: "C2", Open: 50000, Currency: "EUR", RFReference: "RF18539007547034"},
	}
	p := &Payment{Amount: 120000, Currency: "EUR", Exponent: 2,
		Texts: []string{"REGLEMENT FACT FA-2026-0021"}, StructuredRefs: []string{"RF18 5390 0754 7034"}}
	strategies := []Strategy{
		ExactReference{Index: x}, FuzzyReference{Index: x}, CreditorReference{Index: x},
		PayerAccount{Index: NewAccountIndex()}, PayerName{Index: testNames()},
		Amount{Tolerance: Tolerance{AbsMinor: 1500, Rel: 0.01}}, DatePlausibility{},
	}
	got := map[string]int{}
	for _, s := range strategies {
		for _, ev := range s.Evaluate(p, cands) {
			got[s.Name()]++
			if ev.Reason == "" {
				t.Errorf("%s: evidence without a reason: %+v", s.Name(), ev)
			}
		}
	}
	want := map[string]int{"fuzzy-reference": 1, "creditor-reference": 1, "amount": 2}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d pieces of evidence, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if got["reference"] != 0 {
		t.Errorf("an exact reference found in a mistyped number: %v", got)
	}
}

func TestProbability(t *testing.T) {
	t.Parallel()
	for _, b := range []float64{-1000, -60, -10, 0, 10, 60, 1000} {
		if p := Probability(b); p < 0 || p > 1 {
			t.Errorf("Probability(%v) = %v", b, p)
		}
	}
	if Probability(0) != 0.5 || Probability(10) <= Probability(5) {
		t.Error("Probability is not the logistic of bits")
	}
}

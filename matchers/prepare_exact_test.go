package matchers_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/lettrage/lettrage/fixtures/corpus"
	"github.com/lettrage/lettrage/matchers"
)

// TestPrepareExactChangesNothing: a search of a payment whose exact
// lookups were made ahead (PrepareExact) finds what the search finds
// without — for every credit of a generated corpus, with an Accept that
// refuses some invoices, with and without the fuzzy phase.
func TestPrepareExactChangesNothing(t *testing.T) {
	cfg := corpus.DefaultConfig()
	cfg.Seed, cfg.Credits = 5, 800
	if testing.Short() {
		cfg.Credits = 200
	}
	c, err := corpus.Generate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	invs := c.Invoices()
	b := matchers.NewReferenceIndexBuilder(len(invs))
	for i := range invs {
		if err := b.Add(int32(i), invs[i].Number, invs[i].RFReference); err != nil {
			t.Fatal(err)
		}
	}
	x := b.Build()
	other := matchers.NewReferenceIndexBuilder(1)
	if err := other.Add(0, "ZZ-1", ""); err != nil {
		t.Fatal(err)
	}
	y := other.Build()
	refuse := func(ref int32) bool { return ref%3 != 0 }
	options := []matchers.FindOptions{
		{},
		{Accept: refuse, ReportUnavailable: true},
		{Accept: refuse, ReportUnavailable: true, MaxDistance: 2, MaxFuzzyCandidates: 4},
		{Accept: refuse, MaxDistance: 1, FuzzyEverywhere: true, FuzzyOnly: true},
	}
	payment := func(k int) *matchers.Payment {
		tx := c.Credits()[k].Tx
		p := &matchers.Payment{Amount: tx.Amount.Minor, Currency: string(tx.Amount.Currency), Exponent: 2,
			PayerName: tx.Debtor.Name, PayerIBAN: tx.Debtor.IBAN}
		p.Texts = append(p.Texts, tx.Remittance...)
		if tx.EndToEndID != "" {
			p.Texts = append(p.Texts, tx.EndToEndID)
		}
		for _, r := range tx.CreditorRefs {
			p.StructuredRefs = append(p.StructuredRefs, r.Ref)
		}
		return p
	}
	found := 0
	for k := range c.Credits() {
		plain, prepared, elsewhere := payment(k), payment(k), payment(k)
		x.PrepareExact(prepared)
		y.PrepareExact(elsewhere) // prepared in another index: searched as if not
		for oi, opt := range options {
			want := x.Find(plain, opt, nil)
			if got := x.Find(prepared, opt, nil); !reflect.DeepEqual(got, want) {
				t.Fatalf("credit %d, options %d: prepared %+v, plain %+v", k, oi, got, want)
			}
			if got := x.Find(elsewhere, opt, nil); !reflect.DeepEqual(got, want) {
				t.Fatalf("credit %d, options %d: prepared in another index %+v, plain %+v", k, oi, got, want)
			}
			suffices := func(h []matchers.RefHit) bool { return len(h) > 0 }
			want = x.FindThenFuzzy(plain, opt, suffices, nil)
			if got := x.FindThenFuzzy(prepared, opt, suffices, nil); !reflect.DeepEqual(got, want) {
				t.Fatalf("credit %d, options %d: FindThenFuzzy prepared %+v, plain %+v", k, oi, got, want)
			}
			found += len(want)
		}
	}
	if found == 0 {
		t.Fatal("no hit at all: the comparison proves nothing")
	}
}

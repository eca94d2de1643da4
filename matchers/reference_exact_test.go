package matchers

import (
	"slices"
	"testing"
)

// refInvoice is an invoice of the test index: several numbering schemes of
// real creditors side by side.
type refInvoice struct {
	number, rf string
}

var testRefInvoices = []refInvoice{
	0:  {"FA-2026-0012", ""},
	1:  {"FA-2026-0013", ""},
	2:  {"F2026-00042", ""},
	3:  {"INV/24/0007", ""},
	4:  {"2024-118", ""},
	5:  {"FAC000123", ""},
	6:  {"123456", ""},
	7:  {"FA-2026-0120", ""},
	8:  {"FA-2026-0200", "RF18539007547034"},
	9:  {"552100554", ""}, // a number that is also a Luhn-valid SIREN
	10: {"20241108", ""},  // a number that also reads as a date
	11: {"FA-2026-1234", ""},
}

func testRefIndex(t testing.TB) *ReferenceIndex {
	t.Helper()
	b := NewReferenceIndexBuilder(len(testRefInvoices))
	for i, inv := range testRefInvoices {
		if err := b.Add(int32(i), inv.number, inv.rf); err != nil {
			t.Fatal(err)
		}
	}
	return b.Build()
}

func TestExactReference(t *testing.T) {
	t.Parallel()
	x := testRefIndex(t)
	type want struct {
		ref    int32
		strong bool
	}
	tests := []struct {
		name  string
		texts []string
		refs  []string
		amt   int64
		want  []want
	}{
		{"as printed", []string{"REGLEMENT FACT FA-2026-0012"}, nil, 0, []want{{0, true}}},
		{"lower case and spaces", []string{"fa 2026 0012 merci"}, nil, 0, []want{{0, true}}},
		{"glued", []string{"VIR FA20260012"}, nil, 0, []want{{0, true}}},
		{"prefix left out", []string{"FACTURE 2026-0012"}, nil, 0, []want{{0, true}}},
		{"two invoices", []string{"PAIEMENT FACTURES N° FA-2026-0012 ET FA-2026-0013"}, nil, 0, []want{{0, true}, {1, true}}},
		{"leading zeros dropped", []string{"VIR SEPA F2026-42"}, nil, 0, []want{{2, true}}},
		{"slashes", []string{"INV/24/0007"}, nil, 0, []want{{3, true}}},
		{"pure number with dash", []string{"REGLEMENT 2024-118"}, nil, 0, []want{{4, true}}},
		{"pure number glued", []string{"2024118"}, nil, 0, []want{{4, true}}},
		{"a date is not invoice 2024-118", []string{"ECHEANCE 2024-11-8"}, nil, 0, nil},
		{"a date with slashes", []string{"DU 2024/11/8"}, nil, 0, nil},
		{"zeros left out", []string{"FAC 123"}, nil, 0, []want{{5, true}}},
		{"zero-padded without letters", []string{"FACTURE 000123"}, nil, 0, []want{{5, true}}},
		{"pure six digits", []string{"REF 123456"}, nil, 0, []want{{6, true}}},
		{"inside a longer number", []string{"CMD 1234567"}, nil, 0, nil},
		{"phone number in groups", []string{"TEL 01 23 45 67 89"}, nil, 0, nil},
		{"groups that split the number", []string{"12 34 56"}, nil, 0, nil},
		{"long groups may regroup a number", []string{"REF 123 456"}, nil, 0, []want{{6, false}}},
		{"regrouped long number", []string{"VIR 2024 1108"}, nil, 0, []want{{10, false}}},
		{"creditor reference in groups", []string{"RF18 5390 0754 7034"}, nil, 0, []want{{8, true}}},
		{"creditor reference structured", nil, []string{"RF18539007547034"}, 0, []want{{8, true}}},
		{"reference body without RF", []string{"REF 5390 0754 7034"}, nil, 0, []want{{8, true}}},
		{"SIREN lookalike is weak", []string{"SIREN 552 100 554"}, nil, 0, nil},
		{"a Luhn-valid number that is a whole invoice number", []string{"552100554"}, nil, 0, []want{{9, true}}},
		{"8-digit date is weak", []string{"20241108"}, nil, 0, []want{{10, false}}},
		{"IBAN groups are not numbers", []string{"IBAN FR14 2004 1010 0505 0001 3M02 606"}, nil, 0, nil},
		{"decimal amount is not a number", []string{"MONTANT 123456,00 EUR"}, nil, 0, nil},
		{"the payment's amount", []string{"PAIEMENT 123456"}, nil, 12345600, nil},
		{"another customer's longer number", []string{"FA-2026-01200"}, nil, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Payment{Amount: tt.amt, Exponent: 2, Currency: "EUR", Texts: tt.texts, StructuredRefs: tt.refs}
			var got []want
			for _, h := range x.Find(p, FindOptions{}, nil) {
				got = append(got, want{h.Ref, h.Strong})
				t.Logf("%s: weight %.1f", x.Explain(h), h.Weight)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Find(%q) = %v, want %v", tt.texts, got, tt.want)
			}
		})
	}
}

func TestFuzzyReference(t *testing.T) {
	t.Parallel()
	x := testRefIndex(t)
	tests := []struct {
		name string
		text string
		want []int32
		dist int
		swap bool
	}{
		{"transposition", "REGLEMENT FA-2026-0021", []int32{0}, 1, true},
		{"typo", "FACT FA-2026-0018", []int32{0, 1}, 1, false},
		{"dropped digit", "FA-2026-123", []int32{11}, 1, false},
		{"added digit: inside a longer number, weak", "FA-2026-12345", []int32{11}, 1, false},
		{"exact stays exact", "FA-2026-0012", nil, 0, false},
		{"unrelated words", "LOYER NOVEMBRE", nil, 0, false},
		{"a date is not fuzzed", "20241109", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Payment{Texts: []string{tt.text}, Currency: "EUR", Exponent: 2}
			var got []int32
			for _, h := range x.Find(p, FindOptions{MaxDistance: 2}, nil) {
				t.Logf("%s: weight %.1f", x.Explain(h), h.Weight)
				if h.Distance == 0 {
					continue
				}
				if h.Strong {
					t.Errorf("fuzzy hit %v is strong", h)
				}
				if h.Contained && h.Weight > bitsFuzzyContained {
					t.Errorf("contained hit weighs %v", h.Weight)
				}
				if h.Distance != tt.dist || h.Swap != tt.swap {
					t.Errorf("hit %d: distance %d swap %v, want %d %v", h.Ref, h.Distance, h.Swap, tt.dist, tt.swap)
				}
				got = append(got, h.Ref)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("fuzzy Find(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestAbbreviatedList(t *testing.T) {
	t.Parallel()
	x := testRefIndex(t)
	tests := []struct {
		text string
		want []int32
	}{
		{"REGLEMENT FA-2026-0012, 13", []int32{0, 1}},
		{"FA-2026-0012 ET 0013", []int32{0, 1}},
		{"FA-2026-0012 + 120 + 200", []int32{0, 7, 8}},
		{"FA-2026-0012 LE 13", []int32{0}}, // a word between: not a list
		{"FA-2026-0012 99", []int32{0}},    // no such invoice
	}
	for _, tt := range tests {
		p := &Payment{Texts: []string{tt.text}, Currency: "EUR", Exponent: 2}
		var got []int32
		for _, h := range x.Find(p, FindOptions{}, nil) {
			got = append(got, h.Ref)
			if h.Abbreviated && h.Strong {
				t.Errorf("%q: abbreviated hit is strong", tt.text)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Find(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestRefDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		written, number string
		d               int
		swap            bool
	}{
		{"FA24/63", "FA24/00363", 1, false},
		{"FA-2026-0021", "FA-2026-0012", 1, true},
		{"fa 2026 0012", "FA-2026-0012", 0, false},
		{"22025/00262", "2025/00262", 1, false},
		{"2025-0153", "2025-1153", 1, false},
		{"FA-2026-0071", "FA-2026-0017", 1, true},
		{"FA-2026-0091", "FA-2026-0017", 2, false},
		{"LOYER", "FA-2026-0017", 8, false},
	}
	for _, tt := range tests {
		d, swap := RefDistance(tt.written, tt.number)
		if d != tt.d || swap != tt.swap {
			t.Errorf("RefDistance(%q, %q) = %d %v, want %d %v", tt.written, tt.number, d, swap, tt.d, tt.swap)
		}
		for k := 0; k <= 2; k++ {
			d, swap, ok := RefDistanceWithin(tt.written, tt.number, k)
			if ok != (tt.d <= k) || (ok && (d != tt.d || swap != tt.swap)) {
				t.Errorf("RefDistanceWithin(%q, %q, %d) = %d %v %v, want %d %v %v", tt.written, tt.number, k, d, swap, ok, tt.d, tt.swap, tt.d <= k)
			}
		}
	}
}

// TestYearsDatesAndLists pins how years, dates and comma lists are read:
// a lone year is not a rewritten invoice number ("2025" for 00020/25); an
// eight-digit date after an invoice keyword that equals a number as printed
// is that number, elsewhere it stays weak; "00413-26,436-26" is a list, not
// an amount with a thousands comma.
func TestYearsDatesAndLists(t *testing.T) {
	t.Parallel()
	numbers := []string{0: "00020/25", 1: "2024-0603", 2: "00413-26", 3: "00436-26", 4: "FA-2026-0012"}
	b := NewReferenceIndexBuilder(len(numbers))
	for i, n := range numbers {
		if err := b.Add(int32(i), n, ""); err != nil {
			t.Fatal(err)
		}
	}
	x := b.Build()
	type want struct {
		ref             int32
		strong, lookals bool
	}
	tests := []struct {
		name string
		text string
		want []want
	}{
		{"a month and year", "REGLEMENT JUIN 2025 FA-2026-0012", []want{{4, true, false}}},
		{"a year in a batch number", "LOT 2025/514204", nil},
		{"a year after a keyword, rewritten", "FACTURE 2025", nil},
		{"the number written short, with its separator", "FACTURE 20/25", []want{{0, false, false}}},
		{"a date-shaped number after a keyword", "REGLEMENT FACT 20240603", []want{{1, true, false}}},
		{"a date-shaped number alone stays weak", "VIREMENT DU 20240603", []want{{1, false, true}}},
		{"a comma list of numbers", "INVOICES 00288-25,N°00413-26,436-26", []want{{2, true, false}, {3, false, false}}},
		{"a thousands comma with decimals", "TOTAL 26,436.00 EUR", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Payment{Texts: []string{tt.text}, Currency: "EUR", Exponent: 2}
			var got []want
			for _, h := range x.Find(p, FindOptions{}, nil) {
				t.Logf("%s: weight %.1f", x.Explain(h), h.Weight)
				got = append(got, want{h.Ref, h.Strong, h.Lookalike})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Find(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

package matchers

import (
	"fmt"
	"slices"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		tokens []string
		legal  string
	}{
		{"Société Générale des Eaux S.A.R.L.", []string{"GENERALE", "EAUX"}, "SARL"},
		{"STE DUPONT & FILS SAS", []string{"DUPONT", "FILS"}, "SAS"},
		{"ETS MARTIN", []string{"MARTIN"}, ""},
		{"Établissements Martin", []string{"MARTIN"}, ""},
		{"M. ou Mme Lefèvre Jean-Pierre", []string{"OU", "LEFEVRE", "JEAN", "PIERRE"}, ""},
		{"L'ATELIER DU BOIS EURL", []string{"ATELIER", "BOIS"}, "EURL"},
		{"Müller GmbH & Co. KG", []string{"MULLER", "CO"}, "GMBH"},
	}
	for _, tt := range tests {
		f := NormalizeName(tt.in)
		if !slices.Equal(f.Tokens, tt.tokens) || f.LegalForm != tt.legal {
			t.Errorf("NormalizeName(%q) = %v %q, want %v %q", tt.in, f.Tokens, f.LegalForm, tt.tokens, tt.legal)
		}
	}
	if a, b := NormalizeName("DUPONT TRANSPORTS SARL").Key(), NormalizeName("Transports Dupont, S.A.R.L.").Key(); a != b {
		t.Errorf("word order: keys %q and %q differ", a, b)
	}
	if a, b := NormalizeName("DUPONT SARL").Key(), NormalizeName("DUPONT SAS").Key(); a == b {
		t.Errorf("legal forms lost in keys: %q", a)
	}
}

// testNames indexes customers with common and rare words, twins that differ
// only by legal form, and long names banks cut short.
func testNames() *NameIndex {
	b := NewNameIndexBuilder()
	names := []string{
		0: "Transports Dupont SAS",
		1: "Transports Dupont SARL",
		2: "Transports Martin",
		3: "Transports Lefebvre",
		4: "Transports Girard",
		5: "Boulangerie Martineau",
		6: "Société Générale des Eaux de la Région Centre",
		7: "Cabinet Rousseau",
		8: "Menuiserie Girard Frères",
		9: "Garage Martin",
	}
	for i, n := range names {
		b.Add(int32(i), n)
	}
	b.Add(7, "SCP ROUSSEAU ET ASSOCIES") // a learned alias
	// Many other customers, so that word rarity is realistic: TRANSPORTS
	// is common, DUPONT is not.
	for i := 0; i < 400; i++ {
		b.Add(int32(100+i), fmt.Sprintf("Transports Client%c%c%d", 'A'+i%26, 'A'+i/26%26, i))
	}
	return b.Build()
}

func TestNameSearch(t *testing.T) {
	t.Parallel()
	x := testNames()
	tests := []struct {
		name  string
		payer string
		first int32 // expected best customer, -1 for none
	}{
		{"exact, other case and accents", "BOULANGERIE MARTINEAU", 5},
		{"word order", "MARTINEAU BOULANGERIE", 5},
		{"truncated at 35 characters", "STE GENERALE DES EAUX DE LA REGION ", 6},
		{"alias", "SCP Rousseau & Associés", 7},
		{"a typo in a long word", "BOULANGERIE MARTINAEU", 5},
		{"an address appended", "CABINET ROUSSEAU 12 RUE DES LILAS", 7},
		{"only common words in common", "TRANSPORTS ROBERT", -1},
		{"nothing in common", "DGFIP", -1},
	}
	for _, tt := range tests {
		hits := x.Search(tt.payer, 3, 0.55)
		got := int32(-1)
		if len(hits) > 0 {
			got = hits[0].Customer
		}
		if got != tt.first {
			t.Errorf("%s: Search(%q) best = %d (%+v), want %d", tt.name, tt.payer, got, hits, tt.first)
		}
	}
}

func TestNameWeights(t *testing.T) {
	t.Parallel()
	x := testNames()
	same, _ := x.Compare("TRANSPORTS DUPONT SAS", 0)
	twin, _ := x.Compare("TRANSPORTS DUPONT SAS", 1)
	if !same.Strong || same.Weight <= twin.Weight {
		t.Errorf("same legal form %+v should beat the twin %+v", same, twin)
	}
	if !twin.LegalConflict || twin.Weight > bitsNameLegalCap || twin.Strong {
		t.Errorf("names equal up to the legal form: %+v, want a conflict capped at %v bits", twin, bitsNameLegalCap)
	}
	common, _ := x.Compare("TRANSPORTS ROBERT", 2)
	if common.Weight > 2 {
		t.Errorf("a common word in common weighs %v bits", common.Weight)
	}
	other, _ := x.Compare("DGFIP REMBOURSEMENT", 5)
	if other.Weight >= 0 || other.Weight < bitsNameMin {
		t.Errorf("a different name weighs %v bits, want a small negative", other.Weight)
	}
	ev := PayerName{Index: x}.Evaluate(&Payment{PayerName: "TRANSPORTS DUPONT SARL"}, []Invoice{{Ref: 1, ID: "I1", CustomerRef: 0, CustomerID: "C0", CustomerName: "Transports Dupont SAS"}})
	if len(ev) != 1 || ev[0].Strong || ev[0].Kind != KindName {
		t.Errorf("PayerName.Evaluate = %+v", ev)
	}
}

// TestNameEvidenceReason pins the reason NameEvidence writes (appended by
// hand for speed) to the fmt form it replaced, quoting and rounding alike.
func TestNameEvidenceReason(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		h                   NameHit
		payer, id, customer string
	}{
		{NameHit{Similarity: 1}, "ACME SARL", "C1", "Acme"},
		{NameHit{Similarity: 0.995, LegalConflict: true}, "Société \"Générale\"", "CLI-2", "SOCIETE GENERALE SA"},
		{NameHit{Similarity: 0.125}, "a\tb\x00", "", "ÉÀ ü"},
		{NameHit{Similarity: 0.7249999}, "Dupont & Fils", "C3", "DUPONT ET FILS"},
		{NameHit{Similarity: 0.3}, "\xff\xfe", "C4", "x"},
	} {
		verb := "resembles"
		switch {
		case tc.h.Similarity >= 0.999:
			verb = "matches"
		case tc.h.Similarity < 0.3:
			verb = "differs from"
		}
		want := fmt.Sprintf("payer name %q %s customer %s %q (similarity %.2f", tc.payer, verb, tc.id, tc.customer, tc.h.Similarity)
		if tc.h.LegalConflict {
			want += ", legal forms differ"
		}
		want += ")"
		if got := NameEvidence(tc.h, tc.payer, tc.id, tc.customer).Reason; got != want {
			t.Errorf("NameEvidence reason = %q, want %q", got, want)
		}
	}
}

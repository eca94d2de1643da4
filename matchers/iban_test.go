package matchers

import "testing"

func TestIBAN(t *testing.T) {
	t.Parallel()
	valid := []string{"FR1420041010050500013M02606", "FR76 3000 6000 0112 3456 7890 189", "de89370400440532013000", "GB29NWBK60161331926819", "BE68539007547034", "IBAN CH9300762011623852957"}
	for _, s := range valid {
		if !ValidIBAN(NormalizeIBAN(s)) {
			t.Errorf("%q rejected", s)
		}
	}
	invalid := []string{"FR1420041010050500013M02607", "FR142004101005050001", "XX00", "FR76 3000 6000 0112 3456 7890 18", "DE89370400440532013001"}
	for _, s := range invalid {
		if ValidIBAN(NormalizeIBAN(s)) {
			t.Errorf("%q accepted", s)
		}
	}
	if got := MaskIBAN("FR7630006000011234567890189"); got != "FR76…0189" {
		t.Errorf("MaskIBAN = %q", got)
	}
}

func TestCreditorReference(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"RF18539007547034", "rf18 5390 0754 7034", "RF712348231", "RF18000000000539007547034"} {
		if !ValidCreditorReference(NormalizeCreditorReference(s)) {
			t.Errorf("%q rejected", s)
		}
	}
	for _, s := range []string{"RF19539007547034", "RF18", "RF1853900754703400000000000", "XF18539007547034", "RF18 5390-0754"} {
		if ValidCreditorReference(NormalizeCreditorReference(s)) {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestFold(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Société Générale, S.A.": "SOCIETE GENERALE S A",
		"  Œuvre  d'Ærø  ":       "OEUVRE D AERO",
		"Straße Müller-Łódź":     "STRASSE MULLER LODZ",
		"N°12/3":                 "N 12 3",
		"e\u0301te\u0301 (NFD)":  "ETE NFD",
	}
	for in, want := range tests {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAccountEvidence(t *testing.T) {
	t.Parallel()
	x := NewAccountIndex()
	if x.Add("FR1420041010050500013M02607", 1) {
		t.Error("an invalid IBAN was added")
	}
	x.Add("FR14 2004 1010 0505 0001 3M02 606", 1)
	x.Add("DE89370400440532013000", 2)
	x.Add("DE89370400440532013000", 3) // an accountant's account, paying for two customers
	ev, ok := x.AccountEvidence("fr1420041010050500013m02606", 1, "C1")
	if !ok || !ev.Strong || ev.Weight != bitsAccount {
		t.Errorf("own account: %+v", ev)
	}
	ev, _ = x.AccountEvidence("DE89370400440532013000", 2, "C2")
	if ev.Strong || ev.Weight >= bitsAccount || ev.Weight <= 0 {
		t.Errorf("shared account: %+v", ev)
	}
	ev, _ = x.AccountEvidence("FR1420041010050500013M02606", 2, "C2")
	if ev.Weight != bitsAccountOther {
		t.Errorf("another customer's account: %+v", ev)
	}
	if _, ok := x.AccountEvidence("GB29NWBK60161331926819", 1, "C1"); ok {
		t.Error("an unknown IBAN gave evidence")
	}
	for _, r := range []string{ev.Reason} {
		if len(r) == 0 || contains(r, "20041010050500013") {
			t.Errorf("reason %q shows the IBAN unmasked", r)
		}
	}
	evs := PayerAccount{Index: x}.Evaluate(&Payment{PayerIBAN: "FR1420041010050500013M02606"},
		[]Invoice{{CustomerRef: 1, CustomerID: "C1"}, {CustomerRef: 1, CustomerID: "C1"}, {CustomerRef: 2, CustomerID: "C2"}})
	if len(evs) != 2 {
		t.Errorf("one evidence per customer: %+v", evs)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

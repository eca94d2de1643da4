package ledger

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckImport(t *testing.T) {
	inv := func(id string, amount, open int64, openCur Currency) Invoice {
		return Invoice{ID: id, CustomerID: "C", Amount: Money{amount, "EUR"}, Open: Money{open, openCur}}
	}
	opens, err := CheckImport(InvoiceImport{Invoices: []Invoice{inv("A", 100, 0, ""), inv("B", 100, 40, "EUR"), inv("AV", -30, -30, "EUR"), inv("P", 100, 0, "EUR")}})
	if err != nil || len(opens) != 4 || opens[0] != 100 || opens[1] != 40 || opens[2] != -30 || opens[3] != 0 {
		t.Fatalf("opens %v, %v: an Open without currency is the amount, a given one is kept", opens, err)
	}
	for name, imp := range map[string]InvoiceImport{
		"duplicate":                {Invoices: []Invoice{inv("A", 1, 1, "EUR"), inv("A", 2, 2, "EUR")}},
		"open above amount":        {Invoices: []Invoice{inv("A", 100, 101, "EUR")}},
		"open of the other sign":   {Invoices: []Invoice{inv("A", 100, -1, "EUR")}},
		"open in another currency": {Invoices: []Invoice{inv("A", 100, 100, "USD")}},
		"no customer":              {Invoices: []Invoice{{ID: "A", Amount: Money{1, "EUR"}}}},
		"bad currency":             {Invoices: []Invoice{{ID: "A", CustomerID: "C", Amount: Money{1, "eur"}}}},
		"customer without id":      {Customers: []Customer{{Name: "x"}}},
	} {
		if _, err := CheckImport(imp); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func TestImportConflictError(t *testing.T) {
	err := error(&ImportConflictError{Conflicts: []ImportConflict{
		{"A", ImportConflictReason("EUR", "EUR", 5000, 3000, false)},
		{"B", ImportConflictReason("EUR", "USD", 100, 100, false)},
		{"C", ImportConflictReason("EUR", "EUR", 100, 100, true)},
	}})
	msg := err.Error()
	for _, want := range []string{"3 invoice(s)", "A: open amount would be -20.00 EUR after 50.00 lettered", "B: currency would change from EUR to USD", "C: cancelled while 1.00 EUR is lettered"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	if !errors.Is(err, ErrConflict) {
		t.Error("not an ErrConflict")
	}
}

package invoicecsv

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

const header = "invoice_id,number,customer_id,customer_name,amount,currency,issue_date,due_date,open_amount,customer_iban,rf_reference\n"

func TestParseValid(t *testing.T) {
	t.Parallel()
	in := "\xEF\xBB\xBF" + // a byte order mark
		"Due_Date, currency ,amount,number,invoice_id,customer_id,customer_name,issue_date,open_amount,customer_iban,rf_reference,comment\n" +
		"2026-10-01,EUR,1234.5,FA-1,I1,C1,\"Dupont, Fils & Cie\",2026-09-01,,fr76 3000 6000 0112 3456 7890 189,rf18 5390 0754 7034,x\n" +
		",,,,,,,,,,,\n" + // a blank spreadsheet row
		"2026-10-02,eur,1000,FA-2,I2,C1,Dupont et Fils,2026-09-02,250.00,FR7630006000011234567890189;DE89370400440532013000,,\n" +
		"2026-10-03,JPY,5000,FA-3,I3,C2,Yamada,2026-09-03,0,,,\n"
	invs, custs, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(invs) != 3 {
		t.Fatalf("%d invoices", len(invs))
	}
	want := []struct {
		id, amount, open string
		status           ledger.InvoiceStatus
	}{
		{"I1", "1234.50", "1234.50", ledger.InvoiceOpen},
		{"I2", "1000.00", "250.00", ledger.InvoicePartiallyPaid},
		{"I3", "5000", "0", ledger.InvoicePaid},
	}
	for k, w := range want {
		got := invs[k]
		if got.ID != w.id || got.Amount.String() != w.amount || got.Open.String() != w.open || got.Status != w.status {
			t.Errorf("invoice %d = %s %s %s %s, want %+v", k, got.ID, got.Amount, got.Open, got.Status, w)
		}
	}
	if invs[0].RFReference != "RF18539007547034" || invs[0].CustomerName != "Dupont, Fils & Cie" || invs[0].DueDate.String() != "2026-10-01" {
		t.Errorf("invoice 1: %+v", invs[0])
	}
	if len(custs) != 2 {
		t.Fatalf("customers %+v", custs)
	}
	c := custs[0]
	if c.ID != "C1" || c.Name != "Dupont, Fils & Cie" || strings.Join(c.Aliases, "|") != "Dupont et Fils" ||
		strings.Join(c.IBANs, "|") != "FR7630006000011234567890189|DE89370400440532013000" {
		t.Errorf("customer C1 = %+v", c)
	}
}

func TestParseRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string // each problem's text, in order
	}{
		{"missing columns", "invoice_id,number,amount,currency\nI1,F1,1.00,EUR\n",
			[]string{"line 1, column customer_id: required column \"customer_id\" is missing", "line 1, column customer_name", "line 1, column issue_date", "line 1, column due_date"}},
		{"empty file", "", []string{"line 1: empty file"}},
		{"french decimal", header + "I1,F1,C1,A,\"1 234,50\",EUR,2026-01-01,2026-02-01,,,\n", []string{"line 2, column amount: amount \"1 234,50\""}},
		{"exponent", header + "I1,F1,C1,A,1e3,EUR,2026-01-01,2026-02-01,,,\n", []string{"line 2, column amount"}},
		{"too many decimals", header + "I1,F1,C1,A,12.345,EUR,2026-01-01,2026-02-01,,,\n", []string{"line 2, column amount"}},
		{"negative", header + "I1,F1,C1,A,-12.00,EUR,2026-01-01,2026-02-01,,,\n", []string{"line 2, column amount: amount -12.00 is negative"}},
		{"bad date", header + "I1,F1,C1,A,12.00,EUR,01/02/2026,2026-02-01,,,\n", []string{"line 2, column issue_date: date \"01/02/2026\""}},
		{"due before issue", header + "I1,F1,C1,A,12.00,EUR,2026-03-01,2026-02-01,,,\n", []string{"line 2, column due_date: due date 2026-02-01 is before"}},
		{"open above amount", header + "I1,F1,C1,A,12.00,EUR,2026-01-01,2026-02-01,13.00,,\n", []string{"line 2, column open_amount: open amount 13.00 exceeds amount 12.00"}},
		{"bad IBAN", header + "I1,F1,C1,A,12.00,EUR,2026-01-01,2026-02-01,,FR7630006000011234567890188,\n", []string{"line 2, column customer_iban"}},
		{"bad RF", header + "I1,F1,C1,A,12.00,EUR,2026-01-01,2026-02-01,,,RF19539007547034\n", []string{"line 2, column rf_reference"}},
		{"bad currency", header + "I1,F1,C1,A,12.00,EURO,2026-01-01,2026-02-01,,,\n", []string{"line 2, column currency"}},
		{"empty required", header + ",F1,C1,A,12.00,EUR,2026-01-01,2026-02-01,,,\n", []string{"line 2, column invoice_id: invoice_id is empty"}},
		{"field count", header + "I1,F1,C1\n", []string{"line 2: 3 fields, the header has 11"}},
		{"duplicate id", header + "I1,F1,C1,A,1.00,EUR,2026-01-01,2026-02-01,,,\nI2,F2,C1,A,1.00,EUR,2026-01-01,2026-02-01,,,\nI1,F3,C1,A,1.00,EUR,2026-01-01,2026-02-01,,,\n",
			[]string{"line 4, column invoice_id: invoice_id \"I1\" already on line 2"}},
		{"every problem collected", header + "I1,F1,C1,A,x,EUR,2026-01-01,2026-02-01,,,\nI2,F2,C1,A,1.00,EUR,2026-13-01,2026-02-01,,,\n",
			[]string{"line 2, column amount", "line 3, column issue_date"}},
		{"quoted field spanning lines", header + "I1,F1,C1,\"A\nB\",1.00,EUR,2026-01-01,2026-02-01,,,\nI2,F2,C1,A,bad,EUR,2026-01-01,2026-02-01,,,\n",
			[]string{"line 4, column amount"}},
		{"bare quote", header + "I1,F\"1,C1,A,1.00,EUR,2026-01-01,2026-02-01,,,\n", []string{"line 2: bare \" in non-quoted-field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			invs, custs, err := Parse(strings.NewReader(tt.in))
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if invs != nil || custs != nil {
				t.Errorf("refused import returned data")
			}
			if len(ie.Problems) != len(tt.want) {
				t.Fatalf("problems:\n%v\nwant %d", ie, len(tt.want))
			}
			for k, w := range tt.want {
				if !strings.HasPrefix(ie.Problems[k].Error(), w) {
					t.Errorf("problem %d = %q, want prefix %q", k, ie.Problems[k].Error(), w)
				}
			}
		})
	}
}

func TestParseJSON(t *testing.T) {
	t.Parallel()
	in := `[{"invoice_id":"I1","number":"FA-1","customer_id":"C1","customer_name":"Acme","amount":1234.5,"currency":"EUR",
	  "issue_date":"2026-09-01","due_date":"2026-10-01","customer_iban":["FR7630006000011234567890189"],"extra":true},
	 {"invoice_id":"I2","number":"FA-2","customer_id":"C1","customer_name":"Acme","amount":"99.99","open_amount":"9.99","currency":"EUR",
	  "issue_date":"2026-09-01","due_date":"2026-10-01","rf_reference":null}]`
	invs, custs, err := ParseJSON(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(invs) != 2 || invs[0].Amount.String() != "1234.50" || invs[1].Open.String() != "9.99" || len(custs) != 1 || len(custs[0].IBANs) != 1 {
		t.Errorf("invoices %+v customers %+v", invs, custs)
	}
	bad := `[{"invoice_id":"I1","number":"FA-1","customer_id":"C1","customer_name":"Acme","amount":1e3,"currency":"EUR","issue_date":"2026-09-01"},
	 {"invoice_id":"I1","number":7,"customer_id":"C1","customer_name":"Acme","amount":"1.00","currency":"EUR","issue_date":"2026-09-01","due_date":"2026-10-01"}]`
	_, _, err = ParseJSON(strings.NewReader(bad))
	var ie *Error
	if !errors.As(err, &ie) {
		t.Fatalf("err %v", err)
	}
	want := []string{"record 1, field due_date: required field", "record 2, field number: number: want a string"}
	if len(ie.Problems) != len(want) {
		t.Fatalf("problems %v", ie)
	}
	for k, w := range want {
		if !strings.HasPrefix(ie.Problems[k].Error(), w) {
			t.Errorf("problem %d = %q, want %q", k, ie.Problems[k].Error(), w)
		}
	}
	if _, _, err := ParseAuto(strings.NewReader(" \n" + in)); err != nil {
		t.Errorf("ParseAuto of JSON: %v", err)
	}
}

func TestParseManyRows(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(header)
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "I%d,FA-%06d,C%d,Customer %d,%d.%02d,EUR,2026-01-01,2026-02-01,,,\n", i, i, i%700, i%700, 10+i, i%100)
	}
	invs, custs, err := Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(invs) != 5000 || len(custs) != 700 {
		t.Errorf("%d invoices %d customers", len(invs), len(custs))
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(header + "I1,F1,C1,A,12.00,EUR,2026-01-01,2026-02-01,,,\n"))
	f.Add([]byte(header + "I1,F1,C1,\"A,\"\"B\"\"\",12.00,EUR,2026-01-01,2026-02-01,11,FR7630006000011234567890189,RF18539007547034\n"))
	f.Add([]byte("\xEF\xBB\xBFinvoice_id\n\"unterminated\n"))
	if b, err := os.ReadFile("../../cmd/lettrage/testdata/match/invoices.csv"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		invs, custs, err := Parse(strings.NewReader(string(data)))
		if err != nil {
			if invs != nil || custs != nil {
				t.Fatal("refused import returned data")
			}
			var ie *Error
			if errors.As(err, &ie) && len(ie.Problems) == 0 && ie.More == 0 {
				t.Fatal("empty refusal")
			}
			return
		}
		ids := map[string]bool{}
		for _, inv := range invs {
			if ids[inv.ID] {
				t.Fatalf("duplicate id %q accepted", inv.ID)
			}
			ids[inv.ID] = true
			if inv.Open.Minor < 0 || inv.Open.Minor > inv.Amount.Minor || inv.Open.Currency != inv.Amount.Currency || !inv.Amount.Currency.Valid() {
				t.Fatalf("invalid invoice accepted: %+v", inv)
			}
		}
	})
}

func TestParseFileSized(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/invoices.csv"
	var b strings.Builder
	b.WriteString(header)
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&b, "I%d,FA-%06d,C%d,Customer %d,%d.00,EUR,2026-01-01,2026-02-01,,,\n", i, i, i%50, i%50, 10+i)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	invs, _, err := Parse(f)
	if err != nil || len(invs) != 3000 {
		t.Fatalf("%d invoices, %v", len(invs), err)
	}
	if cap(invs) < 3000 || cap(invs) > 3600 {
		t.Errorf("capacity %d for 3000 rows: the size estimate is off", cap(invs))
	}
}

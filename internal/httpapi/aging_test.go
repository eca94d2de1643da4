package httpapi

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Paris without a system zone database

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
)

// agingCSV is a book of invoices whose aged balance as of 2026-11-20 was
// computed by hand (see wantAging). Days past due as of 2026-11-20: A1
// due in 5 days, A2 due today (not due), A3 1 day, A4 30, A5 31, A6 60, A7
// 61, A8 90, A9 91. A3 has 120.00 of 300.00 open; A10 is paid; A11 is in
// USD. With a 90-day DSO period, credit sales are the invoices issued in
// (2026-08-22, 2026-11-20]: A6 (issued 08-22) and A8, A9 are outside.
const agingCSV = `invoice_id,number,customer_id,customer_name,amount,currency,issue_date,due_date,open_amount
A1,N1,C1,ACME SARL,100.00,EUR,2026-10-26,2026-11-25,
A2,N2,C1,ACME SARL,200.00,EUR,2026-10-21,2026-11-20,
A3,N3,C1,ACME SARL,300.00,EUR,2026-10-20,2026-11-19,120.00
A4,N4,C1,ACME SARL,400.00,EUR,2026-09-21,2026-10-21,
A5,N5,C1,ACME SARL,500.00,EUR,2026-09-20,2026-10-20,
A6,N6,C2,=Dupont & Fils,600.00,EUR,2026-08-22,2026-09-21,
A7,N7,C2,=Dupont & Fils,700.00,EUR,2026-08-23,2026-09-20,
A8,N8,C2,=Dupont & Fils,800.00,EUR,2026-07-23,2026-08-22,
A9,N9,C2,=Dupont & Fils,900.00,EUR,2026-07-22,2026-08-21,
A10,N10,C2,=Dupont & Fils,50.00,EUR,2026-11-02,2026-12-02,0.00
A11,N11,C1,ACME SARL,1000.00,USD,2026-11-01,2026-11-30,
`

// setupAging imports the book and letters 100.00 on A5 (500.00 → 400.00
// open), so the report must use the live open amounts.
func setupAging(t *testing.T, open opener, edit ...func(*Options)) *env {
	e := setup(t, open, edit...)
	e.importInvoices(agingCSV)
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 10000, payer: "ACME"})
	saveMatch(t, e.store, tx, ledger.DecisionAuto, ledger.MatchApplied, 10000, alloc("A5", 10000))
	return e
}

func dso(s string) *string { return &s }

// wantAging is the aged balance of agingCSV as of 2026-11-20, by hand:
// C1 EUR: not due A1 100 + A2 200; 1–30 A3 120 + A4 400; 31–60 A5 400;
// total 1220; sales A1..A5 1500; DSO 1220 × 90 / 1500 = 73.20.
// C2 EUR: 31–60 A6 600; 61–90 A7 700 + A8 800; over 90 A9 900; total
// 3000; sales A7 700 + A10 50 = 750; DSO 3000 × 90 / 750 = 360.00.
// EUR: total 4220, sales 2250, DSO 4220 × 90 / 2250 = 168.80.
var wantAging = agingJSON{
	AsOf: ledger.NewDate(2026, 11, 20), PeriodDays: 90, BucketOrder: dunning.Buckets[:],
	Customers: []agingRowJSON{
		{CustomerID: "C1", CustomerName: "ACME SARL", Currency: "EUR", Buckets: bucketsJSON{"300.00", "520.00", "400.00", "0.00", "0.00"},
			Total: "1220.00", CreditSales: "1500.00", DSO: dso("73.20")},
		{CustomerID: "C1", CustomerName: "ACME SARL", Currency: "USD", Buckets: bucketsJSON{"1000.00", "0.00", "0.00", "0.00", "0.00"},
			Total: "1000.00", CreditSales: "1000.00", DSO: dso("90.00")},
		{CustomerID: "C2", CustomerName: "=Dupont & Fils", Currency: "EUR", Buckets: bucketsJSON{"0.00", "0.00", "600.00", "1500.00", "900.00"},
			Total: "3000.00", CreditSales: "750.00", DSO: dso("360.00")},
	},
	Totals: []agingRowJSON{
		{Currency: "EUR", Buckets: bucketsJSON{"300.00", "520.00", "1000.00", "1500.00", "900.00"}, Total: "4220.00", CreditSales: "2250.00", DSO: dso("168.80")},
		{Currency: "USD", Buckets: bucketsJSON{"1000.00", "0.00", "0.00", "0.00", "0.00"}, Total: "1000.00", CreditSales: "1000.00", DSO: dso("90.00")},
	},
}

func testAging(t *testing.T, open opener) {
	e := setupAging(t, open)
	var got agingJSON
	a := e.get("/v1/aging").want(t, http.StatusOK)
	a.decode(t, &got)
	if !reflect.DeepEqual(got, wantAging) {
		t.Fatalf("aging =\n%+v\nwant\n%+v", got, wantAging)
	}
	if !strings.Contains(string(a.body), `"buckets":{"not_due":"300.00","1_30":"520.00","31_60":"400.00","61_90":"0.00","over_90":"0.00"}`) {
		t.Errorf("bucket JSON: %s", a.body)
	}
}

// wantAgingCSV is wantAging as CSV; the customer name that starts with "="
// is defused for spreadsheets.
const wantAgingCSV = "customer_id,customer_name,currency,not_due,1_30,31_60,61_90,over_90,total,credit_sales,dso_days\r\n" +
	"C1,ACME SARL,EUR,300.00,520.00,400.00,0.00,0.00,1220.00,1500.00,73.20\r\n" +
	"C1,ACME SARL,USD,1000.00,0.00,0.00,0.00,0.00,1000.00,1000.00,90.00\r\n" +
	"C2,'=Dupont & Fils,EUR,0.00,0.00,600.00,1500.00,900.00,3000.00,750.00,360.00\r\n" +
	",TOTAL,EUR,300.00,520.00,1000.00,1500.00,900.00,4220.00,2250.00,168.80\r\n" +
	",TOTAL,USD,1000.00,0.00,0.00,0.00,0.00,1000.00,1000.00,90.00\r\n"

func testAgingCSV(t *testing.T, open opener) {
	e := setupAging(t, open)
	for _, tc := range []struct{ name, path, accept string }{
		{"format=csv", "/v1/aging?format=csv", ""},
		{"Accept: text/csv", "/v1/aging", "text/csv"},
		{"Accept with a list", "/v1/aging", "application/xml;q=0.9, text/csv;q=0.8"},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+tokenRO)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		res, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		a := readAnswer(t, res).want(t, http.StatusOK)
		if ct := a.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tc.name, ct)
		}
		if cd := a.header.Get("Content-Disposition"); cd != `attachment; filename="aging-2026-11-20.csv"` {
			t.Errorf("%s: Content-Disposition %q", tc.name, cd)
		}
		if string(a.body) != wantAgingCSV {
			t.Errorf("%s: CSV =\n%s\nwant\n%s", tc.name, a.body, wantAgingCSV)
		}
	}
	// format=json wins over Accept.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+"/v1/aging?format=json", nil)
	req.Header.Set("Authorization", "Bearer "+tokenRO)
	req.Header.Set("Accept", "text/csv")
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if a := readAnswer(t, res).want(t, http.StatusOK); a.header.Get("Content-Type") != "application/json" {
		t.Errorf("format=json answered %s", a.header.Get("Content-Type"))
	}
}

func testAgingParameters(t *testing.T, open opener) {
	e := setupAging(t, open)
	rows := func(q string) agingJSON {
		t.Helper()
		var got agingJSON
		e.get("/v1/aging"+q).want(t, http.StatusOK).decode(t, &got)
		return got
	}
	// As of 2026-12-31 every C1 EUR invoice moved on: A1 36 days, A2 41,
	// A3 42 (31–60); A4 71, A5 72 (61–90). Sales in (10-02, 12-31]: A1, A2,
	// A3 = 600.00; DSO 1220 × 90 / 600 = 183.00.
	got := rows("?as_of=2026-12-31&customer_id=C1&currency=EUR")
	want := []agingRowJSON{{CustomerID: "C1", CustomerName: "ACME SARL", Currency: "EUR",
		Buckets: bucketsJSON{"0.00", "0.00", "420.00", "800.00", "0.00"}, Total: "1220.00", CreditSales: "600.00", DSO: dso("183.00")}}
	if !reflect.DeepEqual(got.Customers, want) || got.AsOf != ledger.NewDate(2026, 12, 31) || len(got.Totals) != 1 || got.Totals[0].Total != "1220.00" {
		t.Fatalf("as of 12-31 = %+v", got)
	}
	// A 30-day period: sales in (10-21, 11-20] are A1 only for C1 (A2 was
	// issued on 10-21, the excluded bound): DSO 1220 × 30 / 100 = 366.00.
	if got := rows("?period_days=30&customer_id=C1&currency=EUR"); got.Customers[0].CreditSales != "100.00" || *got.Customers[0].DSO != "366.00" {
		t.Fatalf("30-day period = %+v", got.Customers)
	}
	// Nothing invoiced in the period: DSO is null.
	a := e.get("/v1/aging?period_days=1&customer_id=C2")
	if !strings.Contains(string(a.body), `"credit_sales":"0.00","dso_days":null`) {
		t.Fatalf("no sales: %s", a.body)
	}
	if got := rows("?customer_id=C9"); len(got.Customers) != 0 || len(got.Totals) != 0 {
		t.Fatalf("unknown customer = %+v", got)
	}
	for _, q := range []string{"?as_of=2026-13-01", "?as_of=20261120", "?period_days=0", "?period_days=x", "?format=xml", "?currency=euro", "?asof=2026-11-20"} {
		e.get("/v1/aging"+q).wantError(t, http.StatusBadRequest, "bad_request")
	}

	// "Today" is the civil date in the configured zone: 23:30 UTC on the
	// 20th is already the 21st in Paris.
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	late := setup(t, open, func(o *Options) {
		o.Clock = func() time.Time { return time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC) }
		o.Location = paris
	})
	var rep agingJSON
	late.get("/v1/aging").want(t, http.StatusOK).decode(t, &rep)
	if rep.AsOf != ledger.NewDate(2026, 11, 21) || len(rep.Customers) != 0 {
		t.Fatalf("as of in Paris = %+v", rep)
	}
}

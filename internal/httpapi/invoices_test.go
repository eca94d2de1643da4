package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
)

func testImportCSV(t *testing.T, open opener) {
	e := setup(t, open)
	got := e.importInvoices(invoicesCSV)
	if got.Invoices != 3 || got.Created != 3 || got.Updated != 0 || got.Customers < 2 || got.ImportID == 0 {
		t.Fatalf("first import = %+v, want 3 created", got)
	}
	inv := e.invoice("F-2")
	if inv.Amount != eurs(30050) || inv.Open != eurs(30050) || inv.DueDate != day(14) || inv.CustomerName != "ACME SARL" || inv.Status != ledger.InvoiceOpen {
		t.Fatalf("F-2 stored as %+v", inv)
	}
	c, err := e.store.GetCustomer(t.Context(), "C2")
	if err != nil || !slices.Equal(c.IBANs, []string{"FR1420041010050500013M02606"}) {
		t.Fatalf("C2 = %+v, %v; want its imported IBAN", c, err)
	}
	// Upsert: the same batch again creates nothing; a changed amount updates.
	again := e.importInvoices(invoicesCSV)
	if again.Created != 0 || again.Updated != 3 || again.Unchanged != 3 || again.Changed != 0 || again.ImportID <= got.ImportID {
		t.Fatalf("second import = %+v, want 0 created, 3 updated (3 unchanged), a new import id", again)
	}
	if changed := e.importInvoices(strings.Replace(invoicesCSV, "300.50", "310.00", 1)); changed.Changed != 1 || changed.Unchanged != 2 {
		t.Fatalf("import with one amount changed = %+v, want 1 changed, 2 unchanged", changed)
	}
	if inv := e.invoice("F-2"); inv.Amount != eurs(31000) || inv.Open != eurs(31000) {
		t.Fatalf("F-2 after update = %+v", inv)
	}
	// Columns in another order, a BOM, CRLF line ends and an unknown
	// column are accepted (contract.md).
	csv := "\ufeffamount,invoice_id,currency,number,customer_name,customer_id,due_date,issue_date,comment\r\n" +
		"42.00,F-9,EUR,FA-9,Zed,C3,2026-12-01,2026-11-01,hello\r\n"
	if r := e.importInvoices(csv); r.Created != 1 {
		t.Fatalf("reordered import = %+v", r)
	}
}

func testImportJSON(t *testing.T, open opener) {
	e := setup(t, open)
	body := `[
	  {"invoice_id":"J-1","number":"FA-J-1","customer_id":"C1","customer_name":"ACME SARL","amount":"1000.00","currency":"EUR",
	   "issue_date":"2026-10-01","due_date":"2026-10-31","open_amount":"250.00","customer_iban":["DE89 3704 0044 0532 0130 00"]},
	  {"invoice_id":"J-2","number":"FA-J-2","customer_id":"C1","customer_name":"ACME SARL","amount":"12.5","currency":"EUR",
	   "issue_date":"2026-10-01","due_date":"2026-10-31"}
	]`
	var got importJSON
	e.post("/v1/invoices", body).want(t, http.StatusOK).decode(t, &got)
	if got.Created != 2 {
		t.Fatalf("JSON import = %+v", got)
	}
	if inv := e.invoice("J-1"); inv.Open != eurs(25000) || inv.Status != ledger.InvoicePartiallyPaid {
		t.Fatalf("J-1 = %+v, want 250.00 open, partially paid", inv)
	}
	if inv := e.invoice("J-2"); inv.Amount != eurs(1250) {
		t.Fatalf("J-2 = %+v, want 12.50", inv)
	}
	// Without Content-Type the body is read as JSON too.
	e.do(http.MethodPost, "/v1/invoices", tokenRW, "", body).want(t, http.StatusOK)
	// A refused JSON import names the record and the field.
	a := e.post("/v1/invoices", `[{"invoice_id":"J-3","number":"N","customer_id":"C","customer_name":"X","amount":"1.234","currency":"EUR","issue_date":"2026-10-01","due_date":"2026-10-31"}]`)
	ee := a.wantError(t, http.StatusUnprocessableEntity, "invalid")
	probs := problemsOf(t, ee)
	if len(probs) != 1 || probs[0].Record != 1 || probs[0].Column != "amount" {
		t.Fatalf("problems = %+v", probs)
	}
}

// problemsOf decodes the import problems of an error.
func problemsOf(t *testing.T, e errorJSON) []problemJSON {
	t.Helper()
	var d struct {
		Problems []problemJSON `json:"problems"`
	}
	answer{body: mustJSON(t, e.Details)}.decode(t, &d)
	return d.Problems
}

// testImportBadRow: one malformed row refuses the whole CSV; every problem
// is reported with its line and column; nothing is imported.
func testImportBadRow(t *testing.T, open opener) {
	e := setup(t, open)
	csv := `invoice_id,number,customer_id,customer_name,amount,currency,issue_date,due_date
B-1,FA-B-1,C1,ACME SARL,100.00,EUR,2026-10-01,2026-10-31
B-2,FA-B-2,C1,ACME SARL,12,50,EUR,2026-10-01,2026-10-31
B-3,FA-B-3,C1,ACME SARL,100.00,EUR,2026-10-01,31/10/2026
B-4,FA-B-4,C1,ACME SARL,1e3,EUR,2026-10-01,2026-10-31
B-5,FA-B-5,C1,ACME SARL,100.00,EUR,2026-10-01,2026-10-31
`
	a := e.do(http.MethodPost, "/v1/invoices", tokenRW, "text/csv", csv)
	got := a.wantError(t, http.StatusUnprocessableEntity, "invalid")
	probs := problemsOf(t, got)
	want := []problemJSON{
		{Line: 3, Record: 2},
		{Line: 4, Record: 3, Column: "due_date"},
		{Line: 5, Record: 4, Column: "amount"},
	}
	if len(probs) != len(want) {
		t.Fatalf("problems = %+v, want lines 3, 4, 5", probs)
	}
	for i, w := range want {
		p := probs[i]
		if p.Line != w.Line || p.Record != w.Record || p.Column != w.Column || p.Message == "" {
			t.Errorf("problem %d = %+v, want line %d record %d column %q", i, p, w.Line, w.Record, w.Column)
		}
	}
	if !strings.Contains(got.Message, "line 4, column due_date") {
		t.Errorf("message %q does not name line and column", got.Message)
	}
	invs, err := e.store.ListInvoices(t.Context(), ledger.InvoiceFilter{})
	if err != nil || len(invs) != 0 {
		t.Fatalf("a refused import stored %d invoices (%v)", len(invs), err)
	}
	if _, err := e.store.LatestImport(t.Context()); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("a refused import was recorded: %v", err)
	}
	// An empty file is refused too.
	e.do(http.MethodPost, "/v1/invoices", tokenRW, "text/csv", "").wantError(t, http.StatusUnprocessableEntity, "invalid")
}

// testImportConflict: an import that would break lettrage already made is
// 409 with the invoices at fault, and changes nothing.
func testImportConflict(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 120000, payer: "ACME"})
	saveMatch(t, e.store, tx, ledger.DecisionAuto, ledger.MatchApplied, 120000, alloc("F-1", 120000))
	// F-1 re-exported with a residual of 100.00 while 1200.00 is lettered.
	bad := strings.Replace(invoicesCSV, "1200.00,EUR,2026-10-01,2026-10-31,,", "1200.00,EUR,2026-10-01,2026-10-31,100.00,", 1)
	a := e.do(http.MethodPost, "/v1/invoices", tokenRW, "text/csv", bad)
	got := a.wantError(t, http.StatusConflict, "conflict")
	var d struct {
		Conflicts []importConflictJSON `json:"conflicts"`
	}
	answer{body: mustJSON(t, got.Details)}.decode(t, &d)
	if len(d.Conflicts) != 1 || d.Conflicts[0].InvoiceID != "F-1" || d.Conflicts[0].Reason == "" {
		t.Fatalf("conflicts = %+v", d.Conflicts)
	}
	if inv := e.invoice("F-1"); inv.Open.Minor != 0 || inv.Status != ledger.InvoicePaid {
		t.Fatalf("F-1 after a refused import = %+v", inv)
	}
}

func testListInvoices(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 10000, payer: "ACME"})
	saveMatch(t, e.store, tx, ledger.DecisionAuto, ledger.MatchApplied, 10000, alloc("F-2", 10000))
	ids := func(path string) ([]string, string) {
		t.Helper()
		var l listJSON[invoiceJSON]
		e.get(path).want(t, http.StatusOK).decode(t, &l)
		var out []string
		for _, inv := range l.Items {
			out = append(out, inv.ID)
		}
		return out, l.NextAfter
	}
	for _, tc := range []struct {
		path string
		want []string
		next string
	}{
		{"/v1/invoices", []string{"F-1", "F-2", "F-3"}, ""},
		{"/v1/invoices?status=open", []string{"F-1", "F-3"}, ""},
		{"/v1/invoices?status=partially_paid", []string{"F-2"}, ""},
		{"/v1/invoices?status=paid,partially_paid", []string{"F-2"}, ""},
		{"/v1/invoices?customer_id=C1", []string{"F-1", "F-2"}, ""},
		{"/v1/invoices?customer_id=C1&status=open", []string{"F-1"}, ""},
		{"/v1/invoices?currency=USD", nil, ""},
		{"/v1/invoices?limit=2", []string{"F-1", "F-2"}, "F-2"},
		{"/v1/invoices?limit=2&after=F-2", []string{"F-3"}, ""},
		{"/v1/invoices?limit=3", []string{"F-1", "F-2", "F-3"}, ""}, // exactly a page: no cursor
	} {
		got, next := ids(tc.path)
		if !slices.Equal(got, tc.want) || next != tc.next {
			t.Errorf("%s = %v next %q, want %v next %q", tc.path, got, next, tc.want, tc.next)
		}
	}
	// Amounts are decimal strings, never numbers.
	a := e.get("/v1/invoices?customer_id=C1&status=partially_paid")
	if !strings.Contains(string(a.body), `"amount":"300.50","open_amount":"200.50","currency":"EUR","issue_date":"2026-10-15","due_date":"2026-11-14"`) {
		t.Errorf("invoice JSON: %s", a.body)
	}
}

func testGetInvoice(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV + "FA/2026/9,FA/2026/9,C1,ACME SARL,10.00,EUR,2026-11-01,2026-11-30,,\n")
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 10000, payer: "ACME"})
	m := saveMatch(t, e.store, tx, ledger.DecisionAuto, ledger.MatchApplied, 10000, alloc("F-2", 10000))
	var got invoiceJSON
	e.get("/v1/invoices/F-2").want(t, http.StatusOK).decode(t, &got)
	want := invoiceJSON{ID: "F-2", Number: "FA-2026-0002", CustomerID: "C1", CustomerName: "ACME SARL", Amount: "300.50", OpenAmount: "200.50",
		Currency: eur, IssueDate: ledger.NewDate(2026, 10, 15), DueDate: day(14), Status: ledger.InvoicePartiallyPaid}
	matches := got.Matches
	got.Matches = nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GET F-2 = %+v\nwant %+v", got, want)
	}
	if len(matches) != 1 || matches[0].ID != m.ID || matches[0].Status != ledger.MatchApplied ||
		!reflect.DeepEqual(matches[0].Allocations, []allocationJSON{{InvoiceID: "F-2", Amount: "100.00"}}) {
		t.Fatalf("matches of F-2 = %+v", matches)
	}
	// An id with slashes, escaped in the path.
	e.get("/v1/invoices/"+url.PathEscape("FA/2026/9")).want(t, http.StatusOK).decode(t, &got)
	if got.ID != "FA/2026/9" {
		t.Fatalf("escaped id: got %q", got.ID)
	}
	e.get("/v1/invoices/F-404").wantError(t, http.StatusNotFound, "not_found")
}

func testInvoiceAudit(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 120000, payer: "ACME"})
	m := saveMatch(t, e.store, tx, ledger.DecisionAuto, ledger.MatchApplied, 120000, alloc("F-1", 120000))
	e.post("/v1/matches/"+m.ID+"/reverse", `{"reason":"wrong customer"}`).want(t, http.StatusOK)

	var l listJSON[auditJSON]
	e.get("/v1/invoices/F-1/audit").want(t, http.StatusOK).decode(t, &l)
	var actions []string
	for _, r := range l.Items {
		actions = append(actions, r.Action+"/"+r.Actor)
	}
	want := []string{"invoice.created/erp", "invoice.lettered/engine/test", "match.applied/engine/test", "invoice.unlettered/erp", "match.reversed/erp"}
	if !slices.Equal(actions, want) {
		t.Fatalf("journal of F-1 = %v, want %v", actions, want)
	}
	last := l.Items[len(l.Items)-1]
	if last.Reason != "wrong customer" || last.EntityID != m.ID || len(last.Details) == 0 || last.At.IsZero() {
		t.Fatalf("reversal row = %+v", last)
	}
	// Paging by sequence number.
	var p1, p2 listJSON[auditJSON]
	e.get("/v1/invoices/F-1/audit?limit=3").want(t, http.StatusOK).decode(t, &p1)
	e.get("/v1/invoices/F-1/audit?limit=3&after="+p1.NextAfter).want(t, http.StatusOK).decode(t, &p2)
	if len(p1.Items) != 3 || len(p2.Items) != 2 || p2.NextAfter != "" || p2.Items[0].Seq != l.Items[3].Seq {
		t.Fatalf("pages: %+v / %+v", p1, p2)
	}
	e.get("/v1/invoices/F-1/audit?after=x").wantError(t, http.StatusBadRequest, "bad_request")
	e.get("/v1/invoices/F-404/audit").wantError(t, http.StatusNotFound, "not_found")
}

// TestRequestLogKeepsImportCellsOut: the request log summarises a refused
// import instead of quoting its cells (an IBAN among them); the client's
// answer has the details.
func TestRequestLogKeepsImportCellsOut(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	h, err := New(Options{Store: openSQLite(t), Logger: zerolog.New(&logs), Gatherer: reg, Registerer: reg, Tokens: testTokens()})
	if err != nil {
		t.Fatal(err)
	}
	const badIBAN = "FR7630006000011234567890188" // check digits wrong
	csv := "invoice_id,number,customer_id,customer_name,amount,currency,issue_date,due_date,customer_iban\n" +
		"F-1,N-1,C1,ACME,1.00,EUR,2026-11-01,2026-11-30," + badIBAN + "\n"
	req := httptest.NewRequest(http.MethodPost, "/v1/invoices", strings.NewReader(csv))
	req.Header.Set("Authorization", "Bearer "+tokenRW)
	req.Header.Set("Content-Type", "text/csv")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), badIBAN) {
		t.Fatalf("answer %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(logs.String(), badIBAN) || !strings.Contains(logs.String(), "invoice import refused: 1 problem(s)") {
		t.Fatalf("request log: %s", logs.String())
	}
}

// testImportFlagsPaymentTerms: invoices whose payment term exceeds the
// legal maximum (60 days from the invoice date) are imported and flagged
// in the answer; others are not. (A due date before the invoice date is
// refused by the import itself.)
func testImportFlagsPaymentTerms(t *testing.T, open opener) {
	e := setup(t, open)
	res := e.importInvoices(`invoice_id,number,customer_id,customer_name,amount,currency,issue_date,due_date
T-1,FA-1,C1,Client Un,100.00,EUR,2026-01-15,2026-03-16
T-2,FA-2,C1,Client Un,200.00,EUR,2026-01-15,2026-03-17
T-3,FA-3,C1,Client Un,300.00,EUR,2026-01-15,2026-07-31
`)
	if res.Created != 3 {
		t.Fatalf("import = %+v, want the three invoices imported", res)
	}
	if len(res.TermsFlags) != 2 {
		t.Fatalf("terms flags = %+v, want T-2 (61 days) and T-3 (197 days)", res.TermsFlags)
	}
	f := res.TermsFlags[0]
	if f.InvoiceID != "T-2" || f.Number != "FA-2" || f.TermDays != 61 || f.Limit.String() != "2026-03-16" || !strings.Contains(f.Reason, "L441-10") {
		t.Errorf("flag of T-2 = %+v", f)
	}
	if g := res.TermsFlags[1]; g.InvoiceID != "T-3" || g.TermDays != 197 {
		t.Errorf("flag of T-3 = %+v", g)
	}
}

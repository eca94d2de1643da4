package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/invoicecsv"
	"github.com/lettrage/lettrage/internal/ledger"
)

// TestErrorTable checks the one table: each error, however wrapped, gets
// its status and stable code; anything else is 500 internal.
func TestErrorTable(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return fmt.Errorf("confirm match M: %w", err) }
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{wrap(ledger.ErrNotFound), 404, "not_found"},
		{wrap(ledger.ErrConflict), 409, "conflict"},
		{wrap(&ledger.ImportConflictError{Conflicts: []ledger.ImportConflict{{InvoiceID: "F", Reason: "r"}}}), 409, "conflict"},
		{wrap(ledger.ErrInvalid), 422, "invalid"},
		{wrap(ledger.ErrCurrencyMismatch), 422, "invalid"},
		{wrap(ledger.ErrOverflow), 422, "invalid"},
		{&invoicecsv.Error{Problems: []*invoicecsv.FieldError{{Line: 2, Column: "amount", Err: errors.New("bad")}}}, 422, "invalid"},
		{badRequest("limit"), 400, "bad_request"},
		{wrap(&http.MaxBytesError{Limit: 10}), 413, "too_large"},
		{&requestError{kind: errUnauthorized, msg: "x"}, 401, "unauthorized"},
		{&requestError{kind: errForbidden, msg: "x"}, 403, "forbidden"},
		{&requestError{kind: errRouteNotFound, msg: "x"}, 404, "not_found"},
		{&requestError{kind: errMethodNotAllowed, msg: "x"}, 405, "method_not_allowed"},
		{&requestError{kind: errUnsupportedMedia, msg: "x"}, 415, "unsupported_media_type"},
		{&requestError{kind: errUnavailable, msg: "x"}, 503, "unavailable"},
		{wrap(ledger.ErrSchemaTooNew), 503, "unavailable"},
		{wrap(context.DeadlineExceeded), 503, "unavailable"},
		{errors.New("sql: database is closed"), 500, "internal"},
	} {
		status, code := classify(tc.err)
		if status != tc.status || code != tc.code {
			t.Errorf("classify(%v) = %d %s, want %d %s", tc.err, status, code, tc.status, tc.code)
		}
	}
}

// testErrorMapping drives each mapped error through a real request.
func testErrorMapping(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 120000, payer: "ACME", remittance: "FA-2026-0001"})
	m := saveMatch(t, e.store, tx, ledger.DecisionReview, ledger.MatchProposed, 120000, alloc("F-1", 120000))
	e.post("/v1/matches/"+m.ID+"/reject", `{"reason":"not this one"}`).want(t, http.StatusOK)

	for _, tc := range []struct {
		name          string
		method, path  string
		ctype, body   string
		status        int
		code, message string
	}{
		{"unknown route", "GET", "/v1/nothing", "", "", 404, "not_found", "no route GET /v1/nothing"},
		{"unknown invoice", "GET", "/v1/invoices/F-404", "", "", 404, "not_found", "F-404"},
		{"unknown match", "POST", "/v1/matches/M-404/reject", "application/json", `{"reason":"x"}`, 404, "not_found", "M-404"},
		{"bad JSON", "POST", "/v1/matches/" + m.ID + "/confirm", "application/json", `{"reason":`, 400, "bad_request", "request body"},
		{"two JSON values", "POST", "/v1/matches/" + m.ID + "/reject", "application/json", `{"reason":"a"} {}`, 400, "bad_request", "after the JSON value"},
		{"unknown field", "POST", "/v1/matches/" + m.ID + "/reject", "application/json", `{"reason":"a","reasno":"b"}`, 400, "bad_request", "reasno"},
		{"amount as a JSON number", "POST", "/v1/transactions/" + tx + "/letter", "application/json",
			`{"allocations":[{"invoice_id":"F-1","amount":1200.00}]}`, 400, "bad_request", "decimal strings"},
		{"unknown query parameter", "GET", "/v1/invoices?stauts=open", "", "", 400, "bad_request", `"stauts"`},
		{"bad limit", "GET", "/v1/invoices?limit=0", "", "", 400, "bad_request", "limit"},
		{"limit over the maximum", "GET", "/v1/matches?limit=1001", "", "", 400, "bad_request", "1000"},
		{"bad status", "GET", "/v1/invoices?status=late", "", "", 400, "bad_request", "late"},
		{"bad decision", "GET", "/v1/matches?decision=maybe", "", "", 400, "bad_request", "maybe"},
		{"not JSON", "POST", "/v1/matches/" + m.ID + "/reject", "text/plain", "because", 415, "unsupported_media_type", "text/plain"},
		{"import as XML", "POST", "/v1/invoices", "application/xml", "<x/>", 415, "unsupported_media_type", "text/csv"},
		{"confirm a rejected match", "POST", "/v1/matches/" + m.ID + "/confirm", "application/json", "", 409, "conflict", "rejected"},
		{"reject without reason", "POST", "/v1/matches/" + m.ID + "/reject", "application/json", `{}`, 422, "invalid", "reason is required"},
		{"reject without body", "POST", "/v1/matches/" + m.ID + "/reject", "", "", 400, "bad_request", "JSON object is required"},
		{"amounts that do not add up", "POST", "/v1/transactions/" + tx + "/letter", "application/json",
			`{"allocations":[{"invoice_id":"F-1","amount":"1100.00"}]}`, 422, "invalid", "≠ transaction amount"},
	} {
		a := e.do(tc.method, tc.path, tokenRW, tc.ctype, tc.body)
		if a.status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, a.status, tc.status, a.body)
			continue
		}
		got := a.errorOf(t)
		if got.Code != tc.code || !strings.Contains(got.Message, tc.message) {
			t.Errorf("%s: %s %q, want %s containing %q", tc.name, got.Code, got.Message, tc.code, tc.message)
		}
		if got.RequestID == "" || got.RequestID != a.header.Get("X-Request-Id") {
			t.Errorf("%s: no request id in the error", tc.name)
		}
	}

	// Method not allowed: 405 with Allow, as JSON.
	for _, tc := range []struct{ method, path, allow string }{
		{"DELETE", "/v1/invoices", "GET, HEAD, POST"},
		{"PUT", "/v1/matches/M/confirm", "POST"},
		{"POST", "/v1/aging", "GET, HEAD"},
		{"POST", "/healthz", "GET, HEAD"},
	} {
		a := e.do(tc.method, tc.path, tokenRW, "", "")
		a.wantError(t, http.StatusMethodNotAllowed, "method_not_allowed")
		if got := a.header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
	// HEAD of a GET route is served, without a body.
	if a := e.do("HEAD", "/v1/invoices", tokenRW, "", ""); a.status != http.StatusOK || len(a.body) != 0 {
		t.Errorf("HEAD /v1/invoices: %d %q", a.status, a.body)
	}
}

// testSizeLimits: bodies over their limit are 413, whether announced by
// Content-Length or streamed; the import has a larger limit of its own; an
// over-large import stores nothing.
func testSizeLimits(t *testing.T, open opener) {
	e := setup(t, open, func(o *Options) { o.Limits = Limits{MaxBodyBytes: 256, MaxImportBytes: 2048} })
	big := `{"reason":"` + strings.Repeat("x", 400) + `"}`
	e.post("/v1/matches/M/reject", big).wantError(t, http.StatusRequestEntityTooLarge, "too_large")

	// Streamed (chunked, no Content-Length): the limit holds while reading.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+"/v1/matches/M/reject",
		io.MultiReader(strings.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tokenRW)
	req.Header.Set("Content-Type", "application/json")
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if req.ContentLength != 0 && req.ContentLength != -1 {
		t.Fatalf("request has a Content-Length %d; the streamed case is not tested", req.ContentLength)
	}
	readAnswer(t, res).wantError(t, http.StatusRequestEntityTooLarge, "too_large")

	// An import above MaxBodyBytes but within MaxImportBytes is accepted.
	if len(invoicesCSV) <= 256 || len(invoicesCSV) > 2048 {
		t.Fatalf("fixture of %d bytes does not sit between the limits", len(invoicesCSV))
	}
	e.importInvoices(invoicesCSV)

	// An import above MaxImportBytes is refused whole, streamed or not.
	var b strings.Builder
	b.WriteString("invoice_id,number,customer_id,customer_name,amount,currency,issue_date,due_date\n")
	for i := 0; b.Len() <= 4096; i++ {
		fmt.Fprintf(&b, "G-%03d,FA-G-%03d,C9,Grand Compte,10.00,EUR,2026-11-01,2026-11-30\n", i, i)
	}
	e.do(http.MethodPost, "/v1/invoices", tokenRW, "text/csv", b.String()).wantError(t, http.StatusRequestEntityTooLarge, "too_large")
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+"/v1/invoices", io.MultiReader(strings.NewReader(b.String())))
	req.Header.Set("Authorization", "Bearer "+tokenRW)
	req.Header.Set("Content-Type", "text/csv")
	if res, err = e.srv.Client().Do(req); err != nil {
		t.Fatal(err)
	}
	readAnswer(t, res).wantError(t, http.StatusRequestEntityTooLarge, "too_large")
	invs, err := e.store.ListInvoices(t.Context(), ledger.InvoiceFilter{CustomerID: "C9"})
	if err != nil || len(invs) != 0 {
		t.Fatalf("over-large import stored %d invoices (%v)", len(invs), err)
	}
}

// testInternalError: a failure that is not the client's is 500 internal
// with a generic message; the store's own words stay in the log.
func testInternalError(t *testing.T, open opener) {
	e := setup(t, open)
	closer, ok := e.store.(interface{ Close() error })
	if !ok {
		t.Fatal("store cannot be closed")
	}
	_ = closer.Close()
	a := e.get("/v1/invoices")
	got := a.wantError(t, http.StatusInternalServerError, "internal")
	if strings.Contains(got.Message, "closed") || got.RequestID == "" || a.header.Get("X-Request-Id") != got.RequestID {
		t.Fatalf("internal error answer %+v (X-Request-Id %q)", got, a.header.Get("X-Request-Id"))
	}
}

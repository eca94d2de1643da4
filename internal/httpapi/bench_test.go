package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// benchHandler is the API over a fresh SQLite store.
func benchHandler(b *testing.B) http.Handler {
	b.Helper()
	reg := prometheus.NewRegistry()
	h, err := New(Options{Store: openSQLiteTB(b), Gatherer: reg, Registerer: reg, Tokens: testTokens()})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// bookCSV is an invoice CSV of n invoices over n/10 customers, due dates
// spread over five months.
func bookCSV(n int) string {
	var sb strings.Builder
	sb.WriteString("invoice_id,number,customer_id,customer_name,amount,currency,issue_date,due_date\n")
	for i := range n {
		fmt.Fprintf(&sb, "INV-%07d,FA-2026-%07d,C%05d,Customer %d SARL,%d.%02d,EUR,2026-%02d-01,2026-%02d-%02d\n",
			i, i, i/10, i/10, 100+i%5000, i%100, 6+i%5, 7+i%5, 1+i%28)
	}
	return sb.String()
}

func serve(b *testing.B, h http.Handler, method, path, ctype, body string, want int) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tokenRW)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
	return rec
}

// BenchmarkImportCSV imports 10 000 invoices through POST /v1/invoices
// (parse, validate, upsert, journal) into SQLite; each iteration after the
// first updates them.
func BenchmarkImportCSV(b *testing.B) {
	h := benchHandler(b)
	csv := bookCSV(10000)
	b.SetBytes(int64(len(csv)))
	b.ReportAllocs()
	for b.Loop() {
		serve(b, h, http.MethodPost, "/v1/invoices", "text/csv", csv, http.StatusOK)
	}
}

// BenchmarkAging computes the aged balance of 10 000 open invoices (1 000
// customers) as JSON.
func BenchmarkAging(b *testing.B) {
	h := benchHandler(b)
	serve(b, h, http.MethodPost, "/v1/invoices", "text/csv", bookCSV(10000), http.StatusOK)
	b.ReportAllocs()
	for b.Loop() {
		serve(b, h, http.MethodGet, "/v1/aging?as_of=2026-11-20", "", "", http.StatusOK)
	}
}

// BenchmarkListInvoices reads a page of 100 invoices.
func BenchmarkListInvoices(b *testing.B) {
	h := benchHandler(b)
	serve(b, h, http.MethodPost, "/v1/invoices", "text/csv", bookCSV(10000), http.StatusOK)
	b.ReportAllocs()
	for b.Loop() {
		serve(b, h, http.MethodGet, "/v1/invoices?status=open&after=INV-0005000&limit=100", "", "", http.StatusOK)
	}
}

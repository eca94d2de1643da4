package opsmetrics

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/storetest/engines"
)

func date(s string) ledger.Date {
	d, err := ledger.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func money(t *testing.T, cur ledger.Currency, s string) ledger.Money {
	t.Helper()
	m, err := ledger.ParseMoney(s, cur)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCollectorOnBothEngines imports invoices in two currencies with due
// dates in several buckets and checks the scraped series, then disables an
// endpoint and checks it is reported so.
func TestCollectorOnBothEngines(t *testing.T) {
	engines.ForEach(t, "the operations metrics", func(t *testing.T, e engines.Engine) {
		s, _ := e.Open(t)
		ctx := t.Context()
		asOf := date("2026-03-31")
		inv := func(id, cur, amount, due string) ledger.Invoice {
			m := money(t, ledger.Currency(cur), amount)
			d := ledger.Date{}
			if due != "" {
				d = date(due)
			}
			return ledger.Invoice{ID: id, Number: "N-" + id, CustomerID: "C1", CustomerName: "Client", Amount: m, Open: m,
				IssueDate: date("2025-10-01"), DueDate: d}
		}
		invs := []ledger.Invoice{
			inv("A", "EUR", "100.00", "2026-04-15"),  // not due
			inv("B", "EUR", "250.50", "2026-03-20"),  // 11 days late
			inv("C", "EUR", "49.50", "2026-03-01"),   // 30 days late
			inv("D", "EUR", "1000.00", "2025-11-01"), // 150 days late
			inv("E", "JPY", "5000", "2026-02-01"),    // 58 days late
			inv("F", "EUR", "10.00", ""),             // no due date: not due
		}
		if _, err := s.UpsertInvoices(ctx, ledger.InvoiceImport{Source: "test", Invoices: invs,
			Customers: []ledger.Customer{{ID: "C1", Name: "Client"}}}, ledger.Write[ledger.ImportResult]{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "erp", URL: "https://erp.example/h", Events: []string{"*"}, Enabled: true},
			{ID: "bi", URL: "https://bi.example/h", Events: []string{"*"}, Enabled: true},
			{ID: "old", URL: "https://old.example/h", Events: []string{"*"}, Enabled: true}}); err != nil {
			t.Fatal(err)
		}
		// "old" leaves the configuration: disabled, and not reported.
		if err := s.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "erp", URL: "https://erp.example/h", Events: []string{"*"}, Enabled: true},
			{ID: "bi", URL: "https://bi.example/h", Events: []string{"*"}, Enabled: true}}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetEndpointEnabled(ctx, "bi", false, ledger.Write[ledger.WebhookEndpoint]{Actor: "test", Reason: "410 Gone"}); err != nil {
			t.Fatal(err)
		}
		// One statement of one account, to 2026-03-30.
		e1 := &ledger.Entry{Index: 1, Amount: money(t, "EUR", "10.00"), Direction: ledger.Credit, Status: ledger.StatusBooked,
			BookingDate: date("2026-03-30"), ValueDate: date("2026-03-30"), AcctSvcrRef: "R1"}
		st := &ledger.Statement{Format: "camt.053.001.08", MessageID: "M1", StatementID: "S1", CreatedAt: date("2026-03-30").Time(),
			Account: ledger.Account{IBAN: "FR7630006000011234567890189", Currency: "EUR"}, From: date("2026-03-30"), To: date("2026-03-30"), LastPage: true}
		st.Totals.Add(e1)
		if _, err := s.SaveStatementFile(ctx, ledger.StatementFile{Hash: strings.Repeat("a", 64), Name: "s.xml", Size: 1, Format: "camt.053.001.08",
			Statements: []ledger.ParsedStatement{{Statement: st, Entries: []*ledger.Entry{e1}}}}, ledger.Write[ledger.StatementFileResult]{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RunExclusive(ctx, "dunning", "2026-03-31T08:00", func(context.Context) error { return nil }); err != nil {
			t.Fatal(err)
		}
		now := asOf.Time().Add(10 * time.Hour)
		c := New(Config{Store: s, Jobs: []string{"dunning", "never"}, Now: func() time.Time { return now }})
		if got := value(t, c, "lettrage_job_last_run_timestamp_seconds", map[string]string{"job": "dunning"}); got < float64(time.Now().Add(-time.Hour).Unix()) {
			t.Errorf("dunning last run at %v, want just now", got)
		}
		account := map[string]string{"account": "FR76…0189"}
		if got := value(t, c, "lettrage_statement_last_date_timestamp_seconds", account); got != float64(date("2026-03-30").Time().Unix()) {
			t.Errorf("last statement date = %v, want 2026-03-30", got)
		}
		if got := value(t, c, "lettrage_statement_last_stored_timestamp_seconds", account); got < float64(time.Now().Add(-time.Hour).Unix()) {
			t.Errorf("last statement stored at %v, want just now", got)
		}
		want := `
# HELP lettrage_invoices_open_amount Amount still open on open and partially paid invoices, in major units of the currency, by aged-balance bucket (days past due).
# TYPE lettrage_invoices_open_amount gauge
lettrage_invoices_open_amount{bucket="1_30",currency="EUR"} 300
lettrage_invoices_open_amount{bucket="1_30",currency="JPY"} 0
lettrage_invoices_open_amount{bucket="31_60",currency="EUR"} 0
lettrage_invoices_open_amount{bucket="31_60",currency="JPY"} 5000
lettrage_invoices_open_amount{bucket="61_90",currency="EUR"} 0
lettrage_invoices_open_amount{bucket="61_90",currency="JPY"} 0
lettrage_invoices_open_amount{bucket="not_due",currency="EUR"} 110
lettrage_invoices_open_amount{bucket="not_due",currency="JPY"} 0
lettrage_invoices_open_amount{bucket="over_90",currency="EUR"} 1000
lettrage_invoices_open_amount{bucket="over_90",currency="JPY"} 0
# HELP lettrage_store_up 1 when the database answered this scrape (schema version read), 0 when it did not.
# TYPE lettrage_store_up gauge
lettrage_store_up 1
# HELP lettrage_webhook_endpoint_enabled 1 for a configured webhook endpoint that receives deliveries, 0 for one disabled (410 Gone, or by hand).
# TYPE lettrage_webhook_endpoint_enabled gauge
lettrage_webhook_endpoint_enabled{endpoint="bi"} 0
lettrage_webhook_endpoint_enabled{endpoint="erp"} 1
`
		if err := testutil.CollectAndCompare(c, strings.NewReader(want), "lettrage_invoices_open_amount", "lettrage_store_up", "lettrage_webhook_endpoint_enabled"); err != nil {
			t.Error(err)
		}
		if got := value(t, c, "lettrage_invoices_open", map[string]string{"bucket": "1_30", "currency": "EUR"}); got != 2 {
			t.Errorf("open EUR invoices 1–30 days late = %v, want 2", got)
		}

		// Within AggregateEvery the amounts are not read again; a day later
		// they are, and move to the next buckets.
		if _, err := s.UpsertInvoices(ctx, ledger.InvoiceImport{Source: "test", Invoices: []ledger.Invoice{inv("G", "EUR", "1.00", "2026-03-30")}},
			ledger.Write[ledger.ImportResult]{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(10 * time.Second)
		if got := value(t, c, "lettrage_invoices_open_amount", map[string]string{"bucket": "1_30", "currency": "EUR"}); got != 300 {
			t.Errorf("1–30 within the cache time = %v, want the cached 300", got)
		}
		now = now.Add(24 * time.Hour)
		if got := value(t, c, "lettrage_invoices_open_amount", map[string]string{"bucket": "31_60", "currency": "EUR"}); got != 49.5 {
			t.Errorf("31–60 a day later = %v, want 49.50 (invoice C, now 31 days late)", got)
		}
	})
}

// value returns the value of the one series of c named name with exactly
// the labels given.
func value(t *testing.T, c prometheus.Collector, name string, labels map[string]string) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 64)
	go func() { c.Collect(ch); close(ch) }()
	found, v := false, 0.0
	for m := range ch {
		if !strings.Contains(m.Desc().String(), `fqName: "`+name+`"`) {
			continue
		}
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, l := range pb.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if maps.Equal(got, labels) {
			found, v = true, pb.GetGauge().GetValue()
		}
	}
	if !found {
		t.Fatalf("series %s%v not collected", name, labels)
	}
	return v
}

// TestCollectorDatabaseDown: a database that does not answer (here a
// closed store) gives store_up 0 and no other series, and no scrape error.
func TestCollectorDatabaseDown(t *testing.T) {
	s, _ := engines.SQLite(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	c := New(Config{Store: s})
	want := `
# HELP lettrage_store_up 1 when the database answered this scrape (schema version read), 0 when it did not.
# TYPE lettrage_store_up gauge
lettrage_store_up 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

// TestAccountLabels: masked labels; accounts alike once masked are told
// apart by a hash, never by the account number, whatever their order.
func TestAccountLabels(t *testing.T) {
	a, b, c := "FR7630006000011234567890189", "FR7610107001011234567890189", "DE89370400440532013000"
	for _, tc := range []struct {
		name string
		in   []string
		want []string
	}{
		{"distinct", []string{a, c}, []string{"FR76…0189", "DE89…3000"}},
		{"alike once masked", []string{a, b, c}, []string{"FR76…0189#", "FR76…0189#", "DE89…3000"}},
		{"short ids", []string{"12345", "67890"}, []string{"…#", "…#"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := AccountLabels(tc.in)
			for k, want := range tc.want {
				if !strings.HasPrefix(got[k], want) || (strings.HasSuffix(want, "#") && len(got[k]) != len(want)+8) {
					t.Errorf("label of %s = %q, want %q (plus 8 hex digits after a #)", tc.in[k], got[k], want)
				}
				if strings.Contains(got[k], tc.in[k]) {
					t.Errorf("label %q holds the account", got[k])
				}
			}
			if tc.name == "alike once masked" {
				if got[0] == got[1] {
					t.Errorf("two accounts share the label %q", got[0])
				}
				rev := AccountLabels([]string{c, b, a})
				if rev[2] != got[0] || rev[1] != got[1] {
					t.Errorf("labels depend on the order: %v then %v", got, rev)
				}
			}
		})
	}
}

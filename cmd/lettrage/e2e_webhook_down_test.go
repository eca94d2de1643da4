package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/lettrage/lettrage/bench"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/pgtest"
	"github.com/lettrage/lettrage/internal/webhook"
)

// The receiver-down test: the webhook receiver answers 503 while three
// statements are lettered — the second reverses a payment of the first,
// the third pays that invoice again, so its events are lettrage.applied,
// invoice.paid, lettrage.reversed, lettrage.applied, invoice.paid — then
// comes back. Every event must then be delivered, under the webhook-id
// its failed attempts carried, and per invoice in sequence order: while
// an invoice's first event fails, its later ones are not even attempted.

// downCorpus builds the three statements and their invoices.
func downCorpus(t *testing.T) (*bench.PayCorpus, []bench.PayStatement, map[string][]string) {
	t.Helper()
	c, err := bench.NewPayCorpus(bench.PayCorpusSpec{Seed: 503, Statements: 3, CreditsPerStatement: 4})
	if err != nil {
		t.Fatal(err)
	}
	first := c.Invoices[0]
	day2, day3 := c.Statements[1].Header.From, c.Statements[2].Header.From
	amt := ledger.Money{Minor: first.Amount, Currency: "EUR"}
	// The bank sends the first payment back (a SEPA return, RvslInd),
	// sharing the original's end-to-end id, then the customer pays again.
	reversal := &ledger.Entry{
		Amount: amt, Direction: ledger.Debit, Status: ledger.StatusBooked, Reversal: true,
		BookingDate: day2, ValueDate: day2, AcctSvcrRef: "RVS" + first.BankRef[3:],
		BankTxCode: ledger.BankTxCode{Domain: "PMNT", Family: "RCDT", SubFamily: "ESCT"},
		Transactions: []ledger.Transaction{{Index: 1, Amount: amt, Direction: ledger.Debit, EndToEndID: "E2E-" + first.BankRef,
			Debtor: ledger.Party{Name: first.CustomerName, IBAN: first.CustomerIBAN}, ReturnReason: "AC04",
			Remittance: []string{"Retour reglement facture " + first.Number}}},
	}
	again := first
	again.BankRef = "PAYAGAIN" + first.BankRef[len(first.BankRef)-4:]
	extra := map[int]*ledger.Entry{1: reversal, 2: bench.PayCredit(again, 0, day3)}

	files := make([]bench.PayStatement, len(c.Statements))
	opening := c.Statements[0].Header.Balances[0].Amount.Minor
	for i, st := range c.Statements {
		entries := st.Entries
		if e, ok := extra[i]; ok {
			entries = append([]*ledger.Entry{e}, entries...)
		}
		for j, e := range entries {
			e.Index = j + 1
		}
		h := bench.PayStatementHeader(fmt.Sprintf("down-%d", i+1), st.Header.From, opening, entries)
		h.ElectronicSeq = fmt.Sprint(i + 1)
		opening = h.Balances[1].Amount.Minor
		data, err := bench.RenderStatement(st.Format, h, entries)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = bench.PayStatement{Name: fmt.Sprintf("down-%d.xml", i+1), Format: st.Format, Header: h, Entries: entries, Invoices: st.Invoices, Data: data}
	}
	// The events each invoice must get, in order.
	want := map[string][]string{}
	for _, inv := range c.Invoices {
		want[inv.ID] = []string{"lettrage.applied", "invoice.paid"}
	}
	want[first.ID] = append(want[first.ID], "lettrage.reversed", "lettrage.applied", "invoice.paid")
	return c, files, want
}

// invoiceStatus returns an invoice's status as the API gives it.
func invoiceStatus(t *testing.T, d *daemon, id string) string {
	t.Helper()
	code, body := d.api(t, http.MethodGet, "/v1/invoices/"+id, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /v1/invoices/%s: %d %s", id, code, body)
	}
	var inv struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &inv); err != nil {
		t.Fatal(err)
	}
	return inv.Status
}

func testWebhookReceiverDown(t *testing.T, database string) {
	c, files, want := downCorpus(t)
	first := c.Invoices[0].ID
	rcv := &receiver{t: t, secret: webhook.NewSecret()}
	rcv.refuseWith.Store(http.StatusServiceUnavailable)
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	d := newDaemon(t, daemonSettings{database: database, receiverURL: srv.URL, secret: rcv.secret, retryDelays: "[100ms, 200ms, 300ms]"})
	d.start(t)
	if code, body := d.api(t, http.MethodPost, "/v1/invoices", "text/csv", bench.InvoicesCSV(c.Invoices)); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("import invoices: %d %s", code, body)
	}

	// One statement at a time, each lettered before the next arrives (the
	// API reads the store, which does not wait for the receiver).
	for i, wantStatus := range []string{"paid", "open", "paid"} {
		if err := d.dropBytes(files[i].Data, files[i].Name); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, fmt.Sprintf("%s %s after %s", first, wantStatus, files[i].Name), func() bool {
			return invoiceStatus(t, d, first) == wantStatus
		})
	}
	for _, inv := range c.Invoices {
		eventually(t, 30*time.Second, inv.ID+" paid", func() bool { return invoiceStatus(t, d, inv.ID) == "paid" })
	}
	// Let every delivery fail a few times.
	eventually(t, 30*time.Second, "three failed attempts at the first invoice's first event", func() bool {
		n := 0
		for _, e := range rcv.allAttempts() {
			if e.Aggregate != nil && e.Aggregate.ID == first {
				n++
			}
		}
		return n >= 3
	})
	down := rcv.allAttempts()
	if n := len(rcv.accepted()); n != 0 {
		t.Fatalf("%d events accepted while the receiver answered 503", n)
	}
	for _, e := range down {
		if e.Aggregate != nil && e.Aggregate.Type == "invoice" && e.Aggregate.Sequence != 1 {
			t.Errorf("while the receiver was down, %s sequence %d (%s) was attempted before sequence 1 was delivered", e.Aggregate.ID, e.Aggregate.Sequence, e.Type)
		}
	}

	rcv.refuseWith.Store(0)
	eventually(t, 60*time.Second, "every event delivered once the receiver is back", func() bool {
		got := map[string]int{}
		for _, e := range rcv.accepted() {
			if e.Aggregate != nil && e.Aggregate.Type == "invoice" {
				got[e.Aggregate.ID] = max(got[e.Aggregate.ID], int(e.Aggregate.Sequence))
			}
		}
		for id, types := range want {
			if got[id] < len(types) {
				return false
			}
		}
		return len(rcv.ofType("statement.ingested")) >= len(files)
	})
	time.Sleep(500 * time.Millisecond) // a duplicate would arrive now

	all := rcv.allAttempts()
	dups := checkDelivery(t, "receiver down then back", all)
	if dups != 0 {
		t.Errorf("%d duplicate deliveries though no attempt was lost", dups)
	}
	// Per invoice, the accepted events are the expected types in order.
	got := map[string][]string{}
	for _, e := range rcv.accepted() {
		if e.Aggregate != nil && e.Aggregate.Type == "invoice" {
			got[e.Aggregate.ID] = append(got[e.Aggregate.ID], e.Type)
		}
	}
	for id, types := range want {
		if fmt.Sprint(got[id]) != fmt.Sprint(types) {
			t.Errorf("%s: events delivered %v, want %v", id, got[id], types)
		}
	}
	// Retried: the same webhook-id was refused, then accepted.
	refused := map[string]int{}
	for _, e := range all {
		if e.Status != http.StatusNoContent {
			refused[e.ID]++
		}
	}
	retried := 0
	for _, e := range rcv.accepted() {
		if refused[e.ID] > 0 {
			retried++
		}
	}
	if retried == 0 {
		t.Error("no accepted event had been refused before: the receiver outage was not exercised")
	}
	type deliveryJSON struct {
		ID string `json:"id"`
	}
	if dead := listAll[deliveryJSON](t, d, "/v1/webhooks/deliveries", url.Values{"status": {"dead"}}); len(dead) != 0 {
		t.Errorf("%d dead letters after the receiver came back", len(dead))
	}
	if n := rcv.badSignatures(); n != 0 {
		t.Errorf("%d webhooks failed signature verification", n)
	}
	t.Logf("%d attempts refused while down (%d events), %d events delivered after, %d of them retried", len(down), len(refused), len(rcv.accepted()), retried)
}

func TestE2EWebhookReceiverDownSQLite(t *testing.T) {
	t.Parallel()
	testWebhookReceiverDown(t, "")
}

func TestE2EWebhookReceiverDownPostgres(t *testing.T) {
	t.Parallel()
	testWebhookReceiverDown(t, pgtest.NewSchema(t, "webhook delivery after a receiver outage", "lt_down"))
}

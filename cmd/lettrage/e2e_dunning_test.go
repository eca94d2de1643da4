package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lettrage/lettrage/fixtures/render"
	"github.com/lettrage/lettrage/internal/dunningrun"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/pgtest"
	"github.com/lettrage/lettrage/internal/webhook"
)

// dunningInvoices: E1 is never paid, E2 is disputed then partly paid, E3
// is paid in full after two reminders.
const dunningInvoices = `invoice_id,number,customer_id,customer_name,amount,currency,issue_date,due_date
E1,FA-2026-0101,CA,Alpha Outillage SARL,1200.00,EUR,2026-01-01,2026-01-31
E2,FA-2026-0102,CB,Beta Logistique SAS,1000.00,EUR,2026-01-01,2026-01-31
E3,FA-2026-0103,CC,Gamma Bureautique SA,500.00,EUR,2026-01-16,2026-02-15
`

// dunningQuarter drives `lettrage dunning run --as-of` over every day of a
// quarter against one store, with the daemon delivering the events, and
// checks the exact sequence of dunning webhooks of each invoice. On SQLite
// (one process per database) the daemon is stopped while the command runs
// and started for the API calls and, at the end, for delivery; on
// PostgreSQL it runs throughout and delivers as the runs go.
func dunningQuarter(t *testing.T, database string) {
	secret := webhook.NewSecret()
	rcv := &receiver{t: t, secret: secret}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	d := newDaemon(t, daemonSettings{database: database, receiverURL: srv.URL, secret: secret})
	// No scheduled run: the test drives the dates.
	f, err := os.OpenFile(d.cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("dunning:\n  schedule: \"\"\n  timezone: Europe/Paris\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	shared := database != ""
	running := false
	withDaemon := func(fn func()) {
		if !running {
			d.start(t)
			running = true
		}
		fn()
		if !shared {
			if err := d.stop(t); err != nil {
				t.Fatalf("daemon stop: %v", err)
			}
			running = false
		}
	}
	run := func(date string, extra ...string) []dunningrun.Line {
		t.Helper()
		args := append([]string{"dunning", "run", "--config", d.cfgPath, "--as-of", date, "--json"}, extra...)
		stdout, stderr, code := runBinary(t, args...)
		if code != 0 {
			t.Fatalf("lettrage %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
		var out []dunningrun.Line
		dec := json.NewDecoder(strings.NewReader(stdout))
		for dec.More() {
			var l dunningrun.Line
			if err := dec.Decode(&l); err != nil {
				t.Fatalf("dunning run output: %v\n%s", err, stdout)
			}
			out = append(out, l)
		}
		return out
	}

	withDaemon(func() {
		if code, body := d.api(t, http.MethodPost, "/v1/invoices", "text/csv", []byte(dunningInvoices)); code != http.StatusOK {
			t.Fatalf("import invoices: %d %s", code, body)
		}
	})

	var printed []string // every line the runs printed, "date invoice kind to"
	var disputeID string
	start, end := ledger.NewDate(2026, 1, 2), ledger.NewDate(2026, 4, 1)
	for day := start; !day.After(end); day = day.AddDays(1) {
		switch day.String() {
		case "2026-02-03":
			withDaemon(func() {
				code, body := d.api(t, http.MethodPost, "/v1/invoices/E2/dunning/disputes", "application/json",
					[]byte(`{"reason":"delivery","opened":"2026-02-03","note":"pallet missing"}`))
				var out struct {
					Dispute struct{ ID string } `json:"dispute"`
				}
				if code != http.StatusCreated || json.Unmarshal(body, &out) != nil {
					t.Fatalf("open dispute: %d %s", code, body)
				}
				disputeID = out.Dispute.ID
			})
		case "2026-02-13":
			withDaemon(func() {
				if code, body := d.api(t, http.MethodPost, "/v1/invoices/E2/dunning/disputes/"+disputeID+"/close", "application/json",
					[]byte(`{"closed":"2026-02-13","note":"pallet delivered"}`)); code != http.StatusOK {
					t.Fatalf("close dispute: %d %s", code, body)
				}
			})
		case "2026-02-20":
			withDaemon(func() {
				payInvoice(t, d, "PAY-E2", "E2", "400.00", day, "Beta Logistique SAS", "ACOMPTE FA-2026-0102")
				payInvoice(t, d, "PAY-E3", "E3", "500.00", day, "Gamma Bureautique SA", "FACTURE FA-2026-0103")
			})
		case "2026-03-02":
			// Preview tomorrow's letters first: a dry run stores nothing.
			preview := run(day.String(), "--dry-run")
			if len(preview) != 1 || preview[0].InvoiceID != "E1" || *preview[0].To != "formal_notice" || *preview[0].Deadline != "2026-03-10" {
				t.Fatalf("dry run on %s: %+v", day, preview)
			}
		}
		for _, l := range run(day.String()) {
			to := "-"
			if l.To != nil {
				to = *l.To
			}
			printed = append(printed, fmt.Sprintf("%s %s %s %s", l.AsOf, l.InvoiceID, l.Kind, to))
			if l.InvoiceID == "E2" && to == "reminder_2" && (l.AmountDue != "600.00" || l.Penalties == nil || *l.Penalties != "7.66") {
				t.Errorf("E2 reminder_2 on the residual: %+v", l)
			}
		}
		if day.String() == "2026-02-20" {
			// Running a day again changes nothing.
			if again := run(day.String()); len(again) != 0 {
				t.Fatalf("second run of %s printed %+v", day, again)
			}
		}
	}
	wantPrinted := []string{
		"2026-01-28 E1 stage courtesy", "2026-01-28 E2 stage courtesy",
		"2026-02-01 E1 stage reminder_1", "2026-02-01 E2 stage reminder_1",
		"2026-02-08 E1 stage call",
		"2026-02-12 E3 stage courtesy",
		"2026-02-15 E1 stage reminder_2",
		"2026-02-16 E3 stage reminder_1",
		"2026-02-18 E2 stage call",
		"2026-02-20 E3 close closed",
		"2026-02-25 E2 stage reminder_2",
		"2026-03-02 E1 stage formal_notice",
		"2026-03-12 E2 stage formal_notice",
		"2026-03-17 E1 stage legal",
		"2026-03-27 E2 stage legal",
	}
	if !reflect.DeepEqual(printed, wantPrinted) {
		t.Fatalf("runs printed\n%s\nwant\n%s", strings.Join(printed, "\n"), strings.Join(wantPrinted, "\n"))
	}

	// The signed webhooks, per invoice, in order.
	want := map[string][]string{
		"E1": {"stage_changed courtesy 2026-01-28", "stage_changed reminder_1 2026-02-01", "stage_changed call 2026-02-08", "stage_changed reminder_2 2026-02-15",
			"stage_changed formal_notice 2026-03-02", "stage_changed legal 2026-03-17"},
		"E2": {"stage_changed courtesy 2026-01-28", "stage_changed reminder_1 2026-02-01", "paused - 2026-02-03", "resumed reminder_1 2026-02-13",
			"stage_changed call 2026-02-18", "stage_changed reminder_2 2026-02-25", "stage_changed formal_notice 2026-03-12", "stage_changed legal 2026-03-27"},
		"E3": {"stage_changed courtesy 2026-02-12", "stage_changed reminder_1 2026-02-16", "stage_changed closed 2026-02-20"},
	}
	total := 0
	for _, w := range want {
		total += len(w)
	}
	dunningEvents := func() map[string][]receivedEvent {
		out := map[string][]receivedEvent{}
		for _, e := range rcv.accepted() {
			if strings.HasPrefix(e.Type, "dunning.") {
				id, _ := e.Data["invoice_id"].(string)
				out[id] = append(out[id], e)
			}
		}
		return out
	}
	withDaemon(func() {
		eventually(t, 60*time.Second, fmt.Sprintf("%d dunning webhooks", total), func() bool {
			n := 0
			for _, es := range dunningEvents() {
				n += len(es)
			}
			return n >= total
		})
		time.Sleep(300 * time.Millisecond) // a duplicate would arrive now
		resp, err := http.Get("http://" + d.addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		// No schedule here: the series exist, nothing ran from cron.
		for _, want := range []string{`lettrage_dunning_runs_total{outcome="ok"} 0`, `lettrage_dunning_runs_total{outcome="skipped"} 0`,
			"lettrage_dunning_last_run_timestamp_seconds 0"} {
			if !strings.Contains(body.String(), want+"\n") {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
	got := map[string][]string{}
	evs := dunningEvents()
	for id, es := range evs {
		for _, e := range es {
			to, _ := e.Data["to"].(string)
			if to == "" {
				to = "-"
			}
			got[id] = append(got[id], fmt.Sprintf("%s %s %s", strings.TrimPrefix(e.Type, "dunning."), to, e.Data["as_of"]))
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("dunning webhooks\n got %v\nwant %v", got, want)
	}
	if n := rcv.badSignatures(); n != 0 {
		t.Errorf("%d webhooks failed signature verification", n)
	}
	// What the letters say.
	fn := evs["E1"][4].Data
	if fn["action"] != "registered_letter" || fn["invoice_number"] != "FA-2026-0101" || fn["issue_date"] != "2026-01-01" || fn["due_date"] != "2026-01-31" ||
		fn["amount_due"] != "1200.00" || fn["penalties"] != "11.98" || fn["indemnity"] != "40.00" || fn["deadline"] != "2026-03-10" {
		t.Errorf("mise en demeure webhook of E1: %v", fn)
	}
	if p := evs["E2"][2].Data; p["hold"].(map[string]any)["kind"] != "delivery" {
		t.Errorf("pause webhook of E2: %v", p)
	}
	// Paid on 02-20, 5 days late: 500.00 × 12.15 % × 5 ÷ 365 = 0.8322…
	if cl := evs["E3"][2].Data; cl["penalties"] != "0.83" || cl["indemnity"] != "40.00" || cl["closure"].(map[string]any)["paid_on"] != "2026-02-20" {
		t.Errorf("closing webhook of E3: %v", cl)
	}
	// The evidence file of E2 lists every step with its dates.
	withDaemon(func() {
		code, body := d.api(t, http.MethodGet, "/v1/invoices/E2/dunning", "", nil)
		var file struct {
			History []struct {
				Action string `json:"action"`
				AsOf   string `json:"as_of"`
			} `json:"history"`
		}
		if code != http.StatusOK || json.Unmarshal(body, &file) != nil {
			t.Fatalf("GET /v1/invoices/E2/dunning: %d %s", code, body)
		}
		var acts []string
		for _, h := range file.History {
			acts = append(acts, h.AsOf+" "+h.Action)
		}
		wantActs := []string{"2026-01-28 email", "2026-02-01 email", "2026-02-03 dispute_opened", "2026-02-03 pause", "2026-02-13 dispute_closed",
			"2026-02-13 resume", "2026-02-18 phone_task", "2026-02-25 letter", "2026-03-12 registered_letter", "2026-03-27 legal_handoff"}
		if !reflect.DeepEqual(acts, wantActs) {
			t.Errorf("E2 history\n got %v\nwant %v", acts, wantActs)
		}
	})
	if running {
		if err := d.stop(t); err != nil {
			t.Errorf("daemon exit after SIGTERM: %v", err)
		}
	}
}

// payInvoice drops a statement with one credit booked on day and makes
// sure it ends lettered to the invoice for amount: automatically, or by
// confirming the engine's proposal through the API as a person would.
func payInvoice(t *testing.T, d *daemon, ref, invoiceID, amount string, day ledger.Date, payer, remittance string) {
	t.Helper()
	m, err := ledger.ParseMoney(amount, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	st := &ledger.Statement{StatementID: "ST-" + ref, MessageID: "MSG-" + ref, CreatedAt: day.Time().Add(20 * time.Hour),
		Account: ledger.Account{IBAN: "FR7630006000011234567890189", Currency: "EUR", BIC: "AGRIFRPP"}, From: day, To: day,
		Balances: []ledger.Balance{{Type: ledger.OpeningBooked, Amount: ledger.Money{Currency: "EUR"}, Date: day},
			{Type: ledger.ClosingBooked, Amount: m, Date: day}}}
	e := &ledger.Entry{Index: 1, Amount: m, Direction: ledger.Credit, Status: ledger.StatusBooked, BookingDate: day, ValueDate: day, AcctSvcrRef: ref,
		BankTxCode: ledger.BankTxCode{Domain: "PMNT", Family: "RCDT", SubFamily: "ESCT"},
		Transactions: []ledger.Transaction{{Index: 1, Amount: m, Direction: ledger.Credit, AcctSvcrRef: ref, EndToEndID: "E2E-" + ref,
			Debtor: ledger.Party{Name: payer}, Remittance: []string{remittance}}}}
	var buf bytes.Buffer
	if err := render.WriteCAMT053(&buf, "001.08", st, []*ledger.Entry{e}); err != nil {
		t.Fatal(err)
	}
	if err := d.dropBytes(buf.Bytes(), ref+".xml"); err != nil {
		t.Fatal(err)
	}
	type tx struct {
		ID      string `json:"id"`
		BankRef string `json:"bank_ref"`
	}
	var txID string
	eventually(t, 30*time.Second, "transaction "+ref+" stored", func() bool {
		for _, x := range listAll[tx](t, d, "/v1/transactions", nil) {
			if x.BankRef == ref {
				txID = x.ID
				return true
			}
		}
		return false
	})
	type match struct {
		ID          string `json:"id"`
		Status      string `json:"status"`
		Allocations []struct {
			InvoiceID string `json:"invoice_id"`
			Amount    string `json:"amount"`
		} `json:"allocations"`
	}
	var ms []match
	eventually(t, 30*time.Second, "a decision on "+ref, func() bool {
		ms = listAll[match](t, d, "/v1/matches", url.Values{"transaction_id": {txID}, "status": {"any"}})
		return len(ms) > 0
	})
	last := ms[len(ms)-1]
	switch {
	case last.Status == "applied" && len(last.Allocations) == 1 && last.Allocations[0].InvoiceID == invoiceID && last.Allocations[0].Amount == amount:
	case last.Status == "proposed":
		body := fmt.Sprintf(`{"reason":"checked by the credit manager","allocations":[{"invoice_id":%q,"amount":%q}]}`, invoiceID, amount)
		if code, out := d.api(t, http.MethodPost, "/v1/matches/"+last.ID+"/confirm", "application/json", []byte(body)); code != http.StatusOK {
			t.Fatalf("confirm %s: %d %s", last.ID, code, out)
		}
	default:
		t.Fatalf("decision on %s: %+v", ref, last)
	}
}

func TestE2EDunningQuarterSQLite(t *testing.T) {
	dunningQuarter(t, "")
}

func TestE2EDunningQuarterPostgres(t *testing.T) {
	dunningQuarter(t, pgtest.NewSchema(t, "dunning end to end", "lt_e2e"))
}

// TestDunningRunUsage: bad command lines exit 2 with a message, before any
// store is opened.
func TestDunningRunUsage(t *testing.T) {
	for _, args := range [][]string{
		{"dunning"},
		{"dunning", "preview"},
		{"dunning", "run"},
		{"dunning", "run", "--as-of", "31/01/2026"},
		{"dunning", "run", "--as-of", "2026-01-31", "--bogus"},
	} {
		_, stderr, code := runBinary(t, args...)
		if code != exitBadUsage || !strings.Contains(stderr, "dunning run") {
			t.Errorf("lettrage %s: exit %d, stderr %q; want 2 and a usage message", strings.Join(args, " "), code, stderr)
		}
	}
}

package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// testManualLetter: a person letters a credit nobody decided on to two
// invoices; both are paid, events and journal follow, the payer is
// learned, and the lettrage can be reversed.
func testManualLetter(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 150550, payer: "ACME GROUPE", iban: payerIBAN, remittance: "FACTURES 1 ET 2"})
	body := `{"reason":"customer's remittance advice by email","allocations":[
		{"invoice_id":"F-1","amount":"1200.00"},{"invoice_id":"F-2","amount":"300.50"}],"unapplied":"5.00"}`
	a := e.post("/v1/transactions/"+tx+"/letter", body).want(t, http.StatusCreated)
	var ch changeJSON
	a.decode(t, &ch)
	if a.header.Get("Location") != "/v1/matches/"+ch.Match.ID {
		t.Fatalf("Location %q for match %s", a.header.Get("Location"), ch.Match.ID)
	}
	if ch.Match.Status != ledger.MatchConfirmed || ch.Match.DecidedBy != actorRW || ch.Match.Unapplied != "5.00" || len(ch.Invoices) != 2 ||
		ch.Match.Reasons[0] != "lettered by hand by erp" {
		t.Fatalf("manual lettrage = %+v", ch)
	}
	for _, id := range []string{"F-1", "F-2"} {
		if inv := e.invoice(id); inv.Open.Minor != 0 || inv.Status != ledger.InvoicePaid {
			t.Fatalf("%s = %+v, want paid", id, inv)
		}
		if got := eventTypes(e.events("invoice", id)); !slices.Equal(got, []string{"lettrage.confirmed", "invoice.paid"}) {
			t.Fatalf("events of %s = %v", id, got)
		}
		rows := e.journal(id)
		if last := rows[len(rows)-1]; last.Action != "match.confirmed" || last.Actor != actorRW || last.Reason != "customer's remittance advice by email" {
			t.Fatalf("journal of %s ends with %+v", id, last)
		}
	}
	if ch.Learned == nil || ch.Learned.CustomerID != "C1" || ch.Learned.IBAN != payerIBAN || ch.Learned.Alias != "ACME GROUPE" {
		t.Fatalf("learned = %+v", ch.Learned)
	}
	// Reversed, both invoices are open again.
	e.post("/v1/matches/"+ch.Match.ID+"/reverse", `{"reason":"typo in the allocation"}`).want(t, http.StatusOK)
	if inv := e.invoice("F-2"); inv.Open != eurs(30050) || inv.Status != ledger.InvoiceOpen {
		t.Fatalf("F-2 after reversal = %+v", inv)
	}
	// The freed transaction can be lettered again.
	e.post("/v1/transactions/"+tx+"/letter", `{"allocations":[{"invoice_id":"F-1","amount":"1200.00"}],"unapplied":"305.50"}`).want(t, http.StatusCreated)
}

// testManualLetterProposal: lettering a transaction that has a pending
// proposal confirms that proposal with the amounts given; across two
// customers nothing is learned.
func testManualLetterProposal(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	tx := storeCredit(t, e.store, payment{ref: "U1", minor: 130000, payer: "FACTOR SA", iban: payerIBAN})
	p := saveMatch(t, e.store, tx, ledger.DecisionUnmatched, ledger.MatchProposed, 130000)
	var ch changeJSON
	e.post("/v1/transactions/"+tx+"/letter", `{"allocations":[{"invoice_id":"F-1","amount":"1200.00"},{"invoice_id":"F-3","amount":"99.99"}],"unapplied":"0.01"}`).
		want(t, http.StatusOK).decode(t, &ch)
	if ch.Match.ID != p.ID || ch.Match.Status != ledger.MatchConfirmed || ch.PreviousStatus != ledger.MatchProposed || ch.Match.Decision != ledger.DecisionUnmatched {
		t.Fatalf("letter over a pending proposal = %+v", ch)
	}
	if ch.Learned != nil {
		t.Fatalf("learned %+v from a payment spanning two customers", ch.Learned)
	}
	for _, c := range []string{"C1", "C2"} {
		cu, _ := e.store.GetCustomer(t.Context(), c)
		if slices.Contains(cu.IBANs, payerIBAN) {
			t.Fatalf("%s learned a factor's IBAN", c)
		}
	}
	if inv := e.invoice("F-3"); inv.Status != ledger.InvoicePaid {
		t.Fatalf("F-3 = %+v", inv)
	}
}

// testManualLetterRefusals: what a manual lettrage refuses, and that a
// refusal stores nothing.
func testManualLetterRefusals(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 50000, payer: "ACME"})
	lettered := storeCredit(t, e.store, payment{ref: "R2", minor: 9999, payer: "DUPONT"})
	auto := saveMatch(t, e.store, lettered, ledger.DecisionAuto, ledger.MatchApplied, 9999, alloc("F-3", 9999))
	path := "/v1/transactions/" + tx + "/letter"
	for _, tc := range []struct {
		name, path, body string
		status           int
		code, message    string
	}{
		{"no allocations", path, `{"allocations":[]}`, 422, "invalid", "at least one invoice"},
		{"no amount", path, `{"allocations":[{"invoice_id":"F-1"}]}`, 422, "invalid", "amount is required"},
		{"no invoice", path, `{"allocations":[{"amount":"500.00"}]}`, 422, "invalid", "invoice_id is required"},
		{"three decimals", path, `{"allocations":[{"invoice_id":"F-1","amount":"500.001"}]}`, 422, "invalid", "decimals"},
		{"comma", path, `{"allocations":[{"invoice_id":"F-1","amount":"500,00"}]}`, 422, "invalid", "allocations[0].amount"},
		{"negative", path, `{"allocations":[{"invoice_id":"F-1","amount":"-500.00"}]}`, 422, "invalid", "sign"},
		{"short of the credit", path, `{"allocations":[{"invoice_id":"F-1","amount":"400.00"}]}`, 422, "invalid", "≠ transaction amount"},
		{"same invoice twice", path, `{"allocations":[{"invoice_id":"F-1","amount":"250.00"},{"invoice_id":"F-1","amount":"250.00"}]}`, 422, "invalid", "twice"},
		{"unknown invoice", path, `{"allocations":[{"invoice_id":"F-404","amount":"500.00"}]}`, 404, "not_found", "F-404"},
		{"over the open amount", path, `{"allocations":[{"invoice_id":"F-2","amount":"500.00"}]}`, 409, "conflict", "exceeds open amount"},
		{"unknown transaction", "/v1/transactions/T-404/letter", `{"allocations":[{"invoice_id":"F-1","amount":"500.00"}]}`, 404, "not_found", "T-404"},
		{"already lettered", "/v1/transactions/" + lettered + "/letter", `{"allocations":[{"invoice_id":"F-1","amount":"99.99"}]}`, 409, "conflict", "reverse it first"},
		{"amount as a number", path, `{"allocations":[{"invoice_id":"F-1","amount":500}]}`, 400, "bad_request", "decimal strings"},
	} {
		a := e.post(tc.path, tc.body)
		if a.status != tc.status {
			t.Errorf("%s: %d, want %d: %s", tc.name, a.status, tc.status, a.body)
			continue
		}
		if got := a.errorOf(t); got.Code != tc.code || !strings.Contains(got.Message, tc.message) {
			t.Errorf("%s: %s %q, want %s containing %q", tc.name, got.Code, got.Message, tc.code, tc.message)
		}
	}
	a := e.post("/v1/transactions/"+lettered+"/letter", `{"allocations":[{"invoice_id":"F-1","amount":"99.99"}]}`)
	if d, _ := a.errorOf(t).Details.(map[string]any); d["match_id"] != auto.ID {
		t.Fatalf("conflict details %v, want the match lettering it", a.errorOf(t).Details)
	}
	ms, err := e.store.ListMatches(t.Context(), ledger.MatchFilter{TransactionID: tx})
	if err != nil || len(ms) != 0 {
		t.Fatalf("refused lettrages stored %d matches (%v)", len(ms), err)
	}
	for _, id := range []string{"F-1", "F-2"} {
		if inv := e.invoice(id); inv.Open != inv.Amount {
			t.Fatalf("%s moved: %+v", id, inv)
		}
	}
}

func testTransactions(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	free := storeCredit(t, e.store, payment{ref: "R1", minor: 100, payer: "A", iban: payerIBAN, remittance: "FA-2026-0001"})
	proposed := storeCredit(t, e.store, payment{ref: "R2", minor: 200, payer: "B"})
	p := saveMatch(t, e.store, proposed, ledger.DecisionReview, ledger.MatchProposed, 200, alloc("F-1", 200))
	ids := func(q string) []string {
		t.Helper()
		var l listJSON[transactionJSON]
		e.get("/v1/transactions"+q).want(t, http.StatusOK).decode(t, &l)
		var out []string
		for _, x := range l.Items {
			out = append(out, x.ID)
		}
		return out
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"", []string{free, proposed}},
		{"?unmatched=true", []string{free}},
		{"?unmatched=false", []string{free, proposed}},
		{"?direction=credit&status=booked", []string{free, proposed}},
		{"?direction=debit", nil},
		{"?status=pending", nil},
		{"?account_id=" + ownIBAN + "&limit=1", []string{free}},
	} {
		if got := ids(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("GET /v1/transactions%s = %v, want %v", tc.q, got, tc.want)
		}
	}
	e.get("/v1/transactions?unmatched=maybe").wantError(t, http.StatusBadRequest, "bad_request")

	var got transactionJSON
	e.get("/v1/transactions/"+proposed).want(t, http.StatusOK).decode(t, &got)
	if got.Amount != "2.00" || got.Direction != "credit" || got.Currency != eur || got.BookingDate != day(12) ||
		got.AccountID != ownIBAN || len(got.Matches) != 1 || got.Matches[0].ID != p.ID {
		t.Fatalf("GET transaction = %+v", got)
	}
	got = transactionJSON{}
	e.get("/v1/transactions/"+free).want(t, http.StatusOK).decode(t, &got)
	if got.Debtor == nil || got.Debtor.IBAN != payerIBAN || got.Remittance[0] != "FA-2026-0001" || got.EndToEndID != "E2E-R1" {
		t.Fatalf("GET transaction = %+v", got)
	}
	e.get("/v1/transactions/T-404").wantError(t, http.StatusNotFound, "not_found")
}

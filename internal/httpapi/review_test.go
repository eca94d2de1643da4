package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// eventData decodes the lettrage payload of an outbox event.
func eventData(t *testing.T, ev ledger.OutboxEvent) ledger.LettrageEventData {
	t.Helper()
	var d ledger.LettrageEventData
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		t.Fatalf("event %s data %s: %v", ev.Type, ev.Data, err)
	}
	return d
}

// queue returns the ids listed by a GET /v1/matches query.
func (e *env) queue(query string) ([]string, string) {
	e.t.Helper()
	var l listJSON[matchJSON]
	e.get("/v1/matches"+query).want(e.t, http.StatusOK).decode(e.t, &l)
	var ids []string
	for _, m := range l.Items {
		ids = append(ids, m.ID)
	}
	return ids, l.NextAfter
}

// testReviewConfirm is the review flow: a proposal created through the
// store is listed, confirmed through the API; the invoice's open amount is
// reduced, the events are in the outbox, the journal has the row with the
// token's name, and the customer learned the payer's IBAN and name.
func testReviewConfirm(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 120000, payer: "ACME HOLDING", iban: payerIBAN, remittance: "FACTURE FA-2026-0001"})
	m := saveMatch(t, e.store, tx, ledger.DecisionReview, ledger.MatchProposed, 120000, alloc("F-1", 120000))

	var q listJSON[matchJSON]
	e.get("/v1/matches?decision=review").want(t, http.StatusOK).decode(t, &q)
	if len(q.Items) != 1 || q.Items[0].ID != m.ID || q.Items[0].Status != ledger.MatchProposed {
		t.Fatalf("review queue = %+v", q.Items)
	}
	item := q.Items[0]
	if item.Transaction == nil || item.Transaction.BankRef != "R1" || item.Transaction.Amount != "1200.00" ||
		item.Transaction.Debtor == nil || item.Transaction.Debtor.Name != "ACME HOLDING" || item.Transaction.Remittance[0] != "FACTURE FA-2026-0001" ||
		!reflect.DeepEqual(item.Allocations, []allocationJSON{{InvoiceID: "F-1", Amount: "1200.00"}}) || item.Score != 0.81 {
		t.Fatalf("queue item = %+v / %+v", item, item.Transaction)
	}

	var ch changeJSON
	e.post("/v1/matches/"+m.ID+"/confirm", `{"reason":"remittance checked"}`).want(t, http.StatusOK).decode(t, &ch)
	if ch.Match.Status != ledger.MatchConfirmed || ch.Match.DecidedBy != actorRW || ch.PreviousStatus != ledger.MatchProposed {
		t.Fatalf("confirmed match = %+v (previous %s)", ch.Match, ch.PreviousStatus)
	}
	if len(ch.Invoices) != 1 || ch.Invoices[0].ID != "F-1" || ch.Invoices[0].OpenAmount != "0.00" || ch.Invoices[0].Status != ledger.InvoicePaid {
		t.Fatalf("invoices moved = %+v", ch.Invoices)
	}
	if want := (&learnedJSON{CustomerID: "C1", IBAN: payerIBAN, Alias: "ACME HOLDING"}); !reflect.DeepEqual(ch.Learned, want) || len(ch.Warnings) != 0 {
		t.Fatalf("learned = %+v, warnings %v; want %+v", ch.Learned, ch.Warnings, want)
	}

	// The invoice is paid in the store.
	if inv := e.invoice("F-1"); inv.Open != eurs(0) || inv.Status != ledger.InvoicePaid {
		t.Fatalf("F-1 = %+v", inv)
	}
	// The events are in the outbox, in order, about the invoice.
	evs := e.events("invoice", "F-1")
	if got := eventTypes(evs); !slices.Equal(got, []string{"lettrage.proposed", "lettrage.confirmed", "invoice.paid"}) {
		t.Fatalf("events of F-1 = %v", got)
	}
	d := eventData(t, evs[1])
	if d.Actor != actorRW || d.Reason != "remittance checked" || d.MatchID != m.ID || d.InvoiceID != "F-1" || d.InvoiceAmount != "1200.00" ||
		d.Amount != "1200.00" || d.BankRef != "R1" || d.PreviousStatus != ledger.MatchProposed || d.Status != ledger.MatchConfirmed ||
		len(d.Invoices) != 1 || d.Invoices[0].OpenAmount != "0.00" || d.Invoices[0].Status != ledger.InvoicePaid || d.Reasons[0] != "invoice number in remittance" {
		t.Fatalf("lettrage.confirmed data = %+v", d)
	}
	if !strings.Contains(string(evs[2].Data), `"paid_on":"2026-11-12"`) || !strings.Contains(string(evs[2].Data), `"open_amount":"0.00"`) {
		t.Fatalf("invoice.paid data = %s", evs[2].Data)
	}
	// The journal has the confirmation, by the token's name, with the reason.
	rows := e.journal("F-1")
	i := slices.IndexFunc(rows, func(r ledger.AuditRecord) bool { return r.Action == "match.confirmed" })
	if i < 0 || rows[i].Actor != actorRW || rows[i].Reason != "remittance checked" || rows[i].EntityID != m.ID {
		t.Fatalf("journal of F-1 = %+v", rows)
	}
	// The customer learned the payer.
	c, err := e.store.GetCustomer(t.Context(), "C1")
	if err != nil || !slices.Contains(c.IBANs, payerIBAN) || !slices.Contains(c.Aliases, "ACME HOLDING") {
		t.Fatalf("C1 = %+v, %v; want the payer's IBAN and name learned", c, err)
	}
	learned, err := e.store.ListAudit(t.Context(), ledger.AuditFilter{EntityType: "customer", EntityID: "C1"})
	if err != nil || len(learned) != 1 || learned[0].Action != "customer.learned" || learned[0].Actor != actorRW {
		t.Fatalf("customer journal = %+v, %v", learned, err)
	}

	// The queue is empty now; status=any still shows the decision.
	if ids, _ := e.queue("?decision=review"); len(ids) != 0 {
		t.Fatalf("queue after confirmation = %v", ids)
	}
	if ids, _ := e.queue("?decision=review&status=any"); !slices.Equal(ids, []string{m.ID}) {
		t.Fatalf("status=any = %v", ids)
	}
	// Confirming twice is a conflict and changes nothing.
	e.post("/v1/matches/"+m.ID+"/confirm", "").wantError(t, http.StatusConflict, "conflict")
	if got := eventTypes(e.events("invoice", "F-1")); len(got) != 3 {
		t.Fatalf("events after a refused confirmation = %v", got)
	}
	// GET /v1/matches/{id} shows the match with its transaction and invoice.
	var got matchJSON
	e.get("/v1/matches/"+m.ID).want(t, http.StatusOK).decode(t, &got)
	if got.Status != ledger.MatchConfirmed || got.Transaction == nil || got.Transaction.ID != tx || len(got.Invoices) != 1 || got.Invoices[0].OpenAmount != "0.00" {
		t.Fatalf("GET match = %+v", got)
	}
	e.get("/v1/matches/M-404").wantError(t, http.StatusNotFound, "not_found")
}

// testConfirmWithEdit: a person confirms a proposal with other
// allocations; a partial payment leaves the residual open.
func testConfirmWithEdit(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 10000, payer: "ACME SARL"})
	m := saveMatch(t, e.store, tx, ledger.DecisionReview, ledger.MatchProposed, 10000, alloc("F-1", 10000))
	e.post("/v1/matches/"+m.ID+"/confirm", `{"allocations":[{"invoice_id":"F-2","amount":"100.001"}]}`).wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/v1/matches/"+m.ID+"/confirm", `{"allocations":[{"invoice_id":"F-2","amount":"-100.00"}],"unapplied":"200.00"}`).
		wantError(t, http.StatusUnprocessableEntity, "invalid")

	var ch changeJSON
	e.post("/v1/matches/"+m.ID+"/confirm", `{"allocations":[{"invoice_id":"F-2","amount":"100.00"}]}`).want(t, http.StatusOK).decode(t, &ch)
	if !reflect.DeepEqual(ch.Match.Allocations, []allocationJSON{{InvoiceID: "F-2", Amount: "100.00"}}) || ch.Learned != nil {
		t.Fatalf("confirmed with edit = %+v, learned %+v", ch.Match, ch.Learned)
	}
	if inv := e.invoice("F-2"); inv.Open != eurs(20050) || inv.Status != ledger.InvoicePartiallyPaid {
		t.Fatalf("F-2 = %+v, want 200.50 open", inv)
	}
	if inv := e.invoice("F-1"); inv.Open != eurs(120000) || inv.Status != ledger.InvoiceOpen {
		t.Fatalf("F-1 = %+v, want untouched", inv)
	}
	if got := eventTypes(e.events("invoice", "F-2")); !slices.Equal(got, []string{"lettrage.confirmed"}) {
		t.Fatalf("events of F-2 = %v (a partial payment pays nothing)", got)
	}
}

// testConfirmAutomatic: an automatic lettrage confirmed by a person stays
// applied once (no second reduction, no second invoice.paid).
func testConfirmAutomatic(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 120000, payer: "ACME SARL", iban: payerIBAN})
	m := saveMatch(t, e.store, tx, ledger.DecisionAuto, ledger.MatchApplied, 120000, alloc("F-1", 120000))
	e.post("/v1/matches/"+m.ID+"/confirm", `{"allocations":[{"invoice_id":"F-1","amount":"1200.00"}]}`).wantError(t, http.StatusUnprocessableEntity, "invalid")
	var ch changeJSON
	e.post("/v1/matches/"+m.ID+"/confirm", `{}`).want(t, http.StatusOK).decode(t, &ch)
	if ch.Match.Status != ledger.MatchConfirmed || ch.PreviousStatus != ledger.MatchApplied || len(ch.Invoices) != 0 {
		t.Fatalf("confirmation of an automatic lettrage = %+v", ch)
	}
	if ch.Learned == nil || ch.Learned.IBAN != payerIBAN || ch.Learned.Alias != "" {
		t.Fatalf("learned = %+v, want the IBAN only (the payer's name is the legal name)", ch.Learned)
	}
	if got := eventTypes(e.events("invoice", "F-1")); !slices.Equal(got, []string{"lettrage.applied", "invoice.paid", "lettrage.confirmed"}) {
		t.Fatalf("events of F-1 = %v", got)
	}
	if inv := e.invoice("F-1"); inv.Open != eurs(0) {
		t.Fatalf("F-1 = %+v", inv)
	}
}

// testReviewQueuePaging lists the queue by decision, status and page.
func testReviewQueuePaging(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	var review []string
	for i, ref := range []string{"R1", "R2", "R3"} {
		tx := storeCredit(t, e.store, payment{ref: ref, minor: int64(1000 * (i + 1)), payer: "ACME"})
		review = append(review, saveMatch(t, e.store, tx, ledger.DecisionReview, ledger.MatchProposed, int64(1000*(i+1)), alloc("F-1", int64(1000*(i+1)))).ID)
	}
	txU := storeCredit(t, e.store, payment{ref: "U1", minor: 777, payer: "NOBODY"})
	unmatched := saveMatch(t, e.store, txU, ledger.DecisionUnmatched, ledger.MatchProposed, 777).ID
	txA := storeCredit(t, e.store, payment{ref: "A1", minor: 9999, payer: "DUPONT"})
	auto := saveMatch(t, e.store, txA, ledger.DecisionAuto, ledger.MatchApplied, 9999, alloc("F-3", 9999)).ID

	for _, tc := range []struct {
		query string
		want  []string
		next  string
	}{
		{"?decision=review", review, ""},
		{"?decision=review&limit=2", review[:2], review[1]},
		{"?decision=review&limit=2&after=" + review[1], review[2:], ""},
		{"?decision=unmatched", []string{unmatched}, ""},
		{"?decision=auto", []string{auto}, ""},
		{"?status=proposed", append(slices.Clone(review), unmatched), ""},
		{"?decision=review&status=confirmed", nil, ""},
		{"?invoice_id=F-3", []string{auto}, ""},
		{"?transaction_id=" + txU, []string{unmatched}, ""},
		{"", append(append(slices.Clone(review), unmatched), auto), ""},
	} {
		got, next := e.queue(tc.query)
		if !slices.Equal(got, tc.want) || next != tc.next {
			t.Errorf("GET /v1/matches%s = %v next %q, want %v next %q", tc.query, got, next, tc.want, tc.next)
		}
	}
}

// testReject: a rejected proposal leaves the invoice as it was, emits
// lettrage.rejected and frees the transaction.
func testReject(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 120000, payer: "ACME HOLDING", iban: payerIBAN})
	m := saveMatch(t, e.store, tx, ledger.DecisionReview, ledger.MatchProposed, 120000, alloc("F-1", 120000))
	e.post("/v1/matches/"+m.ID+"/reject", `{"reason":""}`).wantError(t, http.StatusUnprocessableEntity, "invalid")

	var ch changeJSON
	e.post("/v1/matches/"+m.ID+"/reject", `{"reason":"payer is a namesake"}`).want(t, http.StatusOK).decode(t, &ch)
	if ch.Match.Status != ledger.MatchRejected || ch.PreviousStatus != ledger.MatchProposed || len(ch.Invoices) != 0 || ch.Learned != nil {
		t.Fatalf("rejection = %+v", ch)
	}
	if inv := e.invoice("F-1"); inv.Open != eurs(120000) || inv.Status != ledger.InvoiceOpen {
		t.Fatalf("F-1 = %+v, want untouched", inv)
	}
	evs := e.events("invoice", "F-1")
	if got := eventTypes(evs); !slices.Equal(got, []string{"lettrage.proposed", "lettrage.rejected"}) {
		t.Fatalf("events of F-1 = %v", got)
	}
	if d := eventData(t, evs[1]); d.Actor != actorRW || d.Reason != "payer is a namesake" {
		t.Fatalf("lettrage.rejected data = %+v", d)
	}
	rows := e.journal("F-1")
	if last := rows[len(rows)-1]; last.Action != "match.rejected" || last.Actor != actorRW || last.Reason != "payer is a namesake" {
		t.Fatalf("last journal row = %+v", last)
	}
	c, _ := e.store.GetCustomer(t.Context(), "C1")
	if slices.Contains(c.IBANs, payerIBAN) {
		t.Fatal("a rejection taught the payer's IBAN")
	}
	// The transaction is free: listed as unmatched.
	var l listJSON[transactionJSON]
	e.get("/v1/transactions?unmatched=true").want(t, http.StatusOK).decode(t, &l)
	if len(l.Items) != 1 || l.Items[0].ID != tx {
		t.Fatalf("unmatched transactions = %+v", l.Items)
	}
	e.post("/v1/matches/"+m.ID+"/reject", `{"reason":"again"}`).wantError(t, http.StatusConflict, "conflict")
	// An applied lettrage is reversed, not rejected.
	tx2 := storeCredit(t, e.store, payment{ref: "R2", minor: 9999, payer: "DUPONT"})
	auto := saveMatch(t, e.store, tx2, ledger.DecisionAuto, ledger.MatchApplied, 9999, alloc("F-3", 9999))
	e.post("/v1/matches/"+auto.ID+"/reject", `{"reason":"x"}`).wantError(t, http.StatusConflict, "conflict")
}

// testReverse: reversing a lettrage is never silent: it needs a reason,
// gives the invoice its open amount back, is journaled and emits
// lettrage.reversed.
func testReverse(t *testing.T, open opener) {
	e := setup(t, open)
	e.importInvoices(invoicesCSV)
	tx := storeCredit(t, e.store, payment{ref: "R1", minor: 120000, payer: "ACME"})
	m := saveMatch(t, e.store, tx, ledger.DecisionAuto, ledger.MatchApplied, 120000, alloc("F-1", 120000))
	e.post("/v1/matches/"+m.ID+"/reverse", `{}`).wantError(t, http.StatusUnprocessableEntity, "invalid")
	if inv := e.invoice("F-1"); inv.Status != ledger.InvoicePaid {
		t.Fatalf("F-1 after a refused reversal = %+v", inv)
	}

	var ch changeJSON
	e.post("/v1/matches/"+m.ID+"/reverse", `{"reason":"bank recalled the payment"}`).want(t, http.StatusOK).decode(t, &ch)
	if ch.Match.Status != ledger.MatchReversed || ch.PreviousStatus != ledger.MatchApplied ||
		len(ch.Invoices) != 1 || ch.Invoices[0].OpenAmount != "1200.00" || ch.Invoices[0].Status != ledger.InvoiceOpen {
		t.Fatalf("reversal = %+v", ch)
	}
	if inv := e.invoice("F-1"); inv.Open != eurs(120000) || inv.Status != ledger.InvoiceOpen {
		t.Fatalf("F-1 = %+v, want its open amount back", inv)
	}
	evs := e.events("invoice", "F-1")
	if got := eventTypes(evs); !slices.Equal(got, []string{"lettrage.applied", "invoice.paid", "lettrage.reversed"}) {
		t.Fatalf("events of F-1 = %v", got)
	}
	if d := eventData(t, evs[2]); d.Actor != actorRW || d.Reason != "bank recalled the payment" || d.PreviousStatus != ledger.MatchApplied ||
		d.Invoices[0].OpenAmount != "1200.00" || evs[2].Sequence != 3 {
		t.Fatalf("lettrage.reversed = %+v (sequence %d)", d, evs[2].Sequence)
	}
	rows := e.journal("F-1")
	if last := rows[len(rows)-1]; last.Action != "match.reversed" || last.Actor != actorRW {
		t.Fatalf("last journal row = %+v", last)
	}
	e.post("/v1/matches/"+m.ID+"/reverse", `{"reason":"again"}`).wantError(t, http.StatusConflict, "conflict")
	tx2 := storeCredit(t, e.store, payment{ref: "R2", minor: 500, payer: "X"})
	p := saveMatch(t, e.store, tx2, ledger.DecisionReview, ledger.MatchProposed, 500, alloc("F-2", 500))
	e.post("/v1/matches/"+p.ID+"/reverse", `{"reason":"x"}`).wantError(t, http.StatusConflict, "conflict")
}

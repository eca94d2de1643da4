package httpapi

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/dunningrun"
	"github.com/lettrage/lettrage/internal/ledger"
)

// withDunning gives the API a dunning runner on its store, with the
// default policy and the API's clock.
func withDunning(t *testing.T) func(*Options) {
	return func(o *Options) {
		p, err := dunning.DefaultPolicy()
		if err != nil {
			t.Fatal(err)
		}
		r, err := dunningrun.New(dunningrun.Config{Store: o.Store.(ledger.Store), Policy: p, Location: o.Location, Clock: o.Clock})
		if err != nil {
			t.Fatal(err)
		}
		o.Dunning = r
	}
}

// stepsOf reads the kinds and targets of the steps of an answer.
func stepsOf(t *testing.T, a answer) []string {
	t.Helper()
	var body struct {
		Steps []dunningrun.Line `json:"steps"`
	}
	a.decode(t, &body)
	var out []string
	for _, s := range body.Steps {
		to := "-"
		if s.To != nil {
			to = *s.To
		}
		out = append(out, s.InvoiceID+" "+s.Kind+" "+to)
	}
	return out
}

func testDunning(t *testing.T, open opener) {
	e := setup(t, open, withDunning(t)) // today: 2026-11-20
	e.importInvoices(invoicesCSV)

	// The file of an invoice never chased: no case, today's evaluation.
	var file dunningFileJSON
	e.get("/v1/invoices/F-1/dunning").want(t, http.StatusOK).decode(t, &file)
	if file.Case != nil || len(file.History) != 0 || file.Preview == nil || file.Today != day(20) {
		t.Fatalf("file of F-1 = %+v", file)
	}
	// 20 days late in 2026-H2, for which the rate table has no row.
	p := file.Preview
	if p.Penalties != nil || p.PenaltiesNote != "unavailable: no rate for period 2026-H2" || p.Indemnity != "40.00" || len(p.Due) != 2 ||
		*p.Due[0].To != "courtesy" || p.Due[0].Action != "none" || *p.Due[1].To != "reminder_1" {
		t.Fatalf("preview = %+v", p)
	}

	// A dispute pauses the case at once, with its event.
	a := e.post("/v1/invoices/F-1/dunning/disputes", `{"reason":"quality","note":"damaged on delivery"}`).want(t, http.StatusCreated)
	if got := stepsOf(t, a); !reflect.DeepEqual(got, []string{"F-1 pause -"}) {
		t.Fatalf("open dispute steps %v", got)
	}
	var opened struct {
		Dispute dunning.Dispute `json:"dispute"`
	}
	a.decode(t, &opened)
	if opened.Dispute.Reason != "quality" || opened.Dispute.Opened != day(20) || opened.Dispute.ID == "" {
		t.Fatalf("dispute %+v", opened.Dispute)
	}
	e.post("/v1/invoices/F-1/dunning/disputes", `{"reason":"mood"}`).wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/v1/invoices/F-1/dunning/disputes", `{"reason":"price","opened":"20-11-2026"}`).wantError(t, http.StatusBadRequest, "bad_request")
	e.post("/v1/invoices/NOPE/dunning/disputes", `{"reason":"price"}`).wantError(t, http.StatusNotFound, "not_found")
	e.do(http.MethodPost, "/v1/invoices/F-1/dunning/disputes", tokenRO, "application/json", `{"reason":"price"}`).wantError(t, http.StatusForbidden, "forbidden")

	// Closing it resumes the case, and the stages due today go out.
	a = e.post("/v1/invoices/F-1/dunning/disputes/"+opened.Dispute.ID+"/close", `{"note":"credit note issued"}`).want(t, http.StatusOK)
	if got := stepsOf(t, a); !reflect.DeepEqual(got, []string{"F-1 resume -", "F-1 stage courtesy", "F-1 stage reminder_1"}) {
		t.Fatalf("close dispute steps %v", got)
	}
	e.post("/v1/invoices/F-1/dunning/disputes/"+opened.Dispute.ID+"/close", ``).wantError(t, http.StatusConflict, "conflict")
	e.post("/v1/invoices/F-1/dunning/disputes/NOPE/close", ``).wantError(t, http.StatusNotFound, "not_found")

	e.get("/v1/invoices/F-1/dunning").want(t, http.StatusOK).decode(t, &file)
	var acts []string
	for _, h := range file.History {
		acts = append(acts, h.Action)
		if h.AsOf == nil || *h.AsOf != day(20) || h.At.IsZero() {
			t.Errorf("history step without its dates: %+v", h)
		}
	}
	if !reflect.DeepEqual(acts, []string{"dispute_opened", "pause", "dispute_closed", "resume", "none", "email"}) {
		t.Errorf("history actions %v", acts)
	}
	if file.Case == nil || *file.Case.Stage != "reminder_1" || file.Case.Status != ledger.DunningActive || len(file.Disputes) != 1 ||
		file.Disputes[0].Closed != day(20) || file.History[0].Actor != actorRW {
		t.Errorf("file after the dispute = %+v", file)
	}
	if got := eventTypes(e.events("invoice", "F-1")); !reflect.DeepEqual(got, []string{ledger.EventDunningPaused, ledger.EventDunningResumed,
		ledger.EventDunningStageChanged, ledger.EventDunningStageChanged}) {
		t.Errorf("events of F-1: %v", got)
	}

	// A payment plan suspends dunning; one plan at a time; cancelling
	// resumes.
	a = e.post("/v1/invoices/F-2/dunning/plans", `{"installments":[{"due":"2026-12-01","amount":"150.00"},{"due":"2027-01-01","amount":"150.50"}]}`).
		want(t, http.StatusCreated)
	var plan struct {
		Plan dunning.PaymentPlan `json:"plan"`
	}
	a.decode(t, &plan)
	if got := stepsOf(t, a); !reflect.DeepEqual(got, []string{"F-2 pause -"}) || plan.Plan.GraceDays != 5 || len(plan.Plan.Installments) != 2 {
		t.Fatalf("plan %+v, steps %v", plan.Plan, got)
	}
	e.post("/v1/invoices/F-2/dunning/plans", `{"installments":[{"due":"2026-12-01","amount":"300.50"}]}`).wantError(t, http.StatusConflict, "conflict")
	e.post("/v1/invoices/F-2/dunning/plans", `{"installments":[]}`).wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/v1/invoices/F-2/dunning/plans", `{"installments":[{"due":"2026-12-01","amount":150}]}`).wantError(t, http.StatusBadRequest, "bad_request")
	a = e.post("/v1/invoices/F-2/dunning/plans/"+plan.Plan.ID+"/cancel", `{}`).want(t, http.StatusOK)
	if got := stepsOf(t, a); len(got) < 1 || got[0] != "F-2 resume -" {
		t.Fatalf("cancel plan steps %v", got)
	}

	// A customer-wide insolvency hold pauses every running case of C1.
	a = e.post("/v1/customers/C1/dunning/holds", `{"kind":"insolvency","reason":"redressement judiciaire","published":"2026-11-18"}`).want(t, http.StatusCreated)
	if got := stepsOf(t, a); !reflect.DeepEqual(got, []string{"F-1 pause -", "F-2 pause -"}) {
		t.Fatalf("hold steps %v", got)
	}
	var holds struct {
		Holds []customerHoldJSON `json:"holds"`
	}
	e.get("/v1/customers/C1/dunning/holds").want(t, http.StatusOK).decode(t, &holds)
	if len(holds.Holds) != 1 || holds.Holds[0].Kind != "insolvency" || holds.Holds[0].Until != nil {
		t.Fatalf("holds %+v", holds)
	}
	e.get("/v1/invoices/F-1/dunning").want(t, http.StatusOK).decode(t, &file)
	if file.Case.Status != ledger.DunningPaused || file.Case.PauseReason != "customer_hold:insolvency" || file.Preview.Indemnity != "0.00" {
		t.Errorf("held file: case %+v, indemnity %s", file.Case, file.Preview.Indemnity)
	}
	e.post("/v1/customers/C1/dunning/holds", `{"kind":"vacation"}`).wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/v1/customers/NOPE/dunning/holds", `{"kind":"manual"}`).wantError(t, http.StatusNotFound, "not_found")
	a = e.post("/v1/customers/C1/dunning/holds/lift", `{"reason":"plan de continuation"}`).want(t, http.StatusOK)
	if got := stepsOf(t, a); !reflect.DeepEqual(got, []string{"F-1 resume reminder_1", "F-2 resume reminder_1"}) {
		t.Fatalf("lift steps %v", got)
	}
	e.post("/v1/customers/C1/dunning/holds/lift", ``).wantError(t, http.StatusNotFound, "not_found")

	// Without a runner the routes say so.
	bare := setup(t, open)
	bare.get("/v1/invoices/F-1/dunning").wantError(t, http.StatusServiceUnavailable, "unavailable")
}

func testDunningScenario(t *testing.T, open opener) {
	e := setup(t, open, withDunning(t)) // today: 2026-11-20
	e.importInvoices(invoicesCSV)
	put := func(path, body string) answer { return e.do(http.MethodPut, path, tokenRW, "application/json", body) }
	// F-3 (C2, due 2026-12-01) is not chased yet: when its first stage is
	// due says which scenario it follows.
	nextDue := func() (string, string) {
		t.Helper()
		var file dunningFileJSON
		e.get("/v1/invoices/F-3/dunning").want(t, http.StatusOK).decode(t, &file)
		if file.Preview == nil || file.Preview.NextDue == nil {
			t.Fatalf("file of F-3 = %+v", file)
		}
		return file.Preview.Scenario, file.Preview.NextDue.String()
	}
	if sc, due := nextDue(); sc != "standard" || due != "2026-11-28" {
		t.Fatalf("F-3 by its segment: %s, first stage %s", sc, due)
	}

	var cust struct {
		CustomerID string   `json:"customer_id"`
		Scenario   *string  `json:"scenario"`
		Previous   *string  `json:"previous"`
		Cases      []string `json:"cases"`
	}
	put("/v1/customers/C2/dunning/scenario", `{"scenario":"risky","reason":"late twice"}`).want(t, http.StatusOK).decode(t, &cust)
	if cust.CustomerID != "C2" || cust.Scenario == nil || *cust.Scenario != "risky" || cust.Previous != nil || cust.Cases == nil {
		t.Fatalf("customer override %+v", cust)
	}
	if sc, due := nextDue(); sc != "risky" || due != "2026-11-24" {
		t.Fatalf("F-3 by its customer's override: %s, first stage %s", sc, due)
	}

	var inv struct {
		InvoiceID string  `json:"invoice_id"`
		Scenario  *string `json:"scenario"`
		Previous  *string `json:"previous"`
		Effective string  `json:"effective"`
	}
	put("/v1/invoices/F-3/dunning/scenario", `{"scenario":"strategic","reason":"key account"}`).want(t, http.StatusOK).decode(t, &inv)
	if inv.InvoiceID != "F-3" || inv.Scenario == nil || *inv.Scenario != "strategic" || inv.Previous != nil || inv.Effective != "strategic" {
		t.Fatalf("invoice override %+v", inv)
	}
	if sc, due := nextDue(); sc != "strategic" || due != "2026-11-26" {
		t.Fatalf("F-3 by its own override: %s, first stage %s", sc, due)
	}
	var file dunningFileJSON
	e.get("/v1/invoices/F-3/dunning").want(t, http.StatusOK).decode(t, &file)
	if file.ScenarioOverride == nil || *file.ScenarioOverride != "strategic" || file.CustomerScenario == nil || *file.CustomerScenario != "risky" {
		t.Errorf("overrides in the file: invoice %v, customer %v", file.ScenarioOverride, file.CustomerScenario)
	}
	if file.Case == nil || file.Case.Scenario != "strategic" || len(file.History) != 1 || file.History[0].Action != "scenario_set" ||
		file.History[0].Reason != "key account" || file.History[0].Actor != actorRW {
		t.Fatalf("file after the override: case %+v, history %+v", file.Case, file.History)
	}

	// Refusals.
	er := put("/v1/invoices/F-3/dunning/scenario", `{"scenario":"harsh"}`).wantError(t, http.StatusUnprocessableEntity, "invalid")
	if det, _ := er.Details.(map[string]any); det == nil || !reflect.DeepEqual(det["scenarios"], []any{"public_sector", "risky", "standard", "strategic"}) {
		t.Errorf("details of an unknown scenario: %v", er.Details)
	}
	put("/v1/customers/C2/dunning/scenario", `{"scenario":"harsh"}`).wantError(t, http.StatusUnprocessableEntity, "invalid")
	put("/v1/customers/C2/dunning/scenario", `{"reason":"no name"}`).wantError(t, http.StatusBadRequest, "bad_request")
	put("/v1/customers/C2/dunning/scenario", `{"scenario":"risky","until":"2027-01-01"}`).wantError(t, http.StatusBadRequest, "bad_request")
	put("/v1/customers/C2/dunning/scenario", ``).wantError(t, http.StatusBadRequest, "bad_request")
	put("/v1/customers/NOPE/dunning/scenario", `{"scenario":"risky"}`).wantError(t, http.StatusNotFound, "not_found")
	put("/v1/invoices/NOPE/dunning/scenario", `{"scenario":"risky"}`).wantError(t, http.StatusNotFound, "not_found")
	e.do(http.MethodPut, "/v1/invoices/F-3/dunning/scenario", tokenRO, "application/json", `{"scenario":"risky"}`).
		wantError(t, http.StatusForbidden, "forbidden")

	// Clearing: the invoice follows its customer's again, then its segment's.
	put("/v1/invoices/F-3/dunning/scenario", `{"scenario":""}`).want(t, http.StatusOK).decode(t, &inv)
	if inv.Scenario != nil || inv.Previous == nil || *inv.Previous != "strategic" || inv.Effective != "risky" {
		t.Fatalf("invoice override cleared %+v", inv)
	}
	put("/v1/customers/C2/dunning/scenario", `{"scenario":""}`).want(t, http.StatusOK).decode(t, &cust)
	if cust.Scenario != nil || cust.Previous == nil || *cust.Previous != "risky" || !reflect.DeepEqual(cust.Cases, []string{"F-3"}) {
		t.Fatalf("customer override cleared %+v", cust)
	}
	if sc, due := nextDue(); sc != "standard" || due != "2026-11-28" {
		t.Fatalf("F-3 with no override: %s, first stage %s", sc, due)
	}
	journal, err := e.store.ListAudit(t.Context(), ledger.AuditFilter{EntityType: "dunning_customer_scenario", EntityID: "C2"})
	if err != nil || len(journal) != 2 || journal[0].Reason != "late twice" || journal[0].Actor != actorRW {
		t.Errorf("journal of C2's scenario: %+v", journal)
	}
}

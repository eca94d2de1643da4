package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/dunningrun"
	"github.com/lettrage/lettrage/internal/ledger"
)

// The dunning routes: an invoice's dunning file (case, dated history,
// disputes, plans, holds, and what the machine says today), disputes and
// payment plans on an invoice, customer-wide holds. Each pause and
// resumption they cause is a stored transition with its journal row and
// event (internal/dunningrun).

// dunningCaseJSON is a stored case.
type dunningCaseJSON struct {
	ID          string               `json:"id"`
	Scenario    string               `json:"scenario"`
	Stage       *string              `json:"stage"`
	Status      ledger.DunningStatus `json:"status"`
	StageSince  *ledger.Date         `json:"stage_since"`
	PauseReason string               `json:"pause_reason,omitempty"`
	PausedUntil *ledger.Date         `json:"paused_until,omitempty"`
	Version     int64                `json:"version"`
	CreatedAt   time.Time            `json:"created_at"`
	UpdatedAt   time.Time            `json:"updated_at"`
}

// dunningStepJSON is one step of a case's history.
type dunningStepJSON struct {
	Seq        int64                `json:"seq"`
	Version    int64                `json:"version"`
	AsOf       *ledger.Date         `json:"as_of"`
	At         time.Time            `json:"at"`
	FromStage  string               `json:"from_stage"`
	ToStage    string               `json:"to_stage"`
	FromStatus ledger.DunningStatus `json:"from_status,omitempty"`
	ToStatus   ledger.DunningStatus `json:"to_status"`
	Action     string               `json:"action"`
	Actor      string               `json:"actor"`
	Reason     string               `json:"reason"`
	Details    json.RawMessage      `json:"details,omitempty"`
}

// customerHoldJSON is a customer-wide hold.
type customerHoldJSON struct {
	ID        string                   `json:"id"`
	Kind      dunning.CustomerHoldKind `json:"kind"`
	Since     ledger.Date              `json:"since"`
	Until     *ledger.Date             `json:"until"`
	Published *ledger.Date             `json:"published,omitempty"`
	Reason    string                   `json:"reason,omitempty"`
}

// holdJSON is a hold in force on a case.
type holdJSON struct {
	Reason dunning.HoldReason `json:"reason"`
	Ref    string             `json:"ref"`
	Kind   string             `json:"kind,omitempty"`
	Detail string             `json:"detail"`
	Since  *ledger.Date       `json:"since"`
	Until  *ledger.Date       `json:"until"`
}

// previewJSON is what the machine says of the case today (not stored).
type previewJSON struct {
	AsOf          ledger.Date       `json:"as_of"`
	Scenario      string            `json:"scenario"`
	Stage         *string           `json:"stage"`
	AmountDue     string            `json:"amount_due"`
	Penalties     *string           `json:"penalties"`
	PenaltiesNote string            `json:"penalties_note,omitempty"`
	Indemnity     string            `json:"indemnity"`
	Holds         []holdJSON        `json:"holds"`
	Due           []dunningrun.Line `json:"due"`
	NextStage     *string           `json:"next_stage"`
	NextDue       *ledger.Date      `json:"next_due"`
	Terminal      bool              `json:"terminal"`
}

// dunningFileJSON is GET /v1/invoices/{id}/dunning.
type dunningFileJSON struct {
	Invoice       invoiceJSON           `json:"invoice"`
	Case          *dunningCaseJSON      `json:"case"`
	Stages        []dunning.StageEntry  `json:"stages"`
	Disputes      []dunning.Dispute     `json:"disputes"`
	Plans         []dunning.PaymentPlan `json:"plans"`
	CustomerHolds []customerHoldJSON    `json:"customer_holds"`
	// ScenarioOverride and CustomerScenario are the invoice's and the
	// customer's scenario overrides (nil: none).
	ScenarioOverride *string           `json:"scenario_override"`
	CustomerScenario *string           `json:"customer_scenario"`
	History          []dunningStepJSON `json:"history"`
	Today            ledger.Date       `json:"today"`
	Preview          *previewJSON      `json:"preview"`
}

func datePtr(d ledger.Date) *ledger.Date {
	if d.IsZero() {
		return nil
	}
	return &d
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func holdsOf(hs []dunning.CustomerHold) []customerHoldJSON {
	out := make([]customerHoldJSON, 0, len(hs))
	for _, h := range hs {
		out = append(out, customerHoldJSON{ID: h.ID, Kind: h.Kind, Since: h.Since, Until: datePtr(h.Until), Published: datePtr(h.Published), Reason: h.Reason})
	}
	return out
}

func linesOf(steps []dunningrun.Step) []dunningrun.Line {
	out := make([]dunningrun.Line, 0, len(steps))
	for _, s := range steps {
		out = append(out, s.Line())
	}
	return out
}

// needDunning refuses the dunning routes when the daemon has no runner.
func (a *api) needDunning() error {
	if a.dunning == nil {
		return &requestError{kind: errUnavailable, msg: "dunning is not configured on this server"}
	}
	return nil
}

// invoiceDunning returns an invoice's dunning file: the case, every stored
// step with its business date and the time it was recorded (evidence), the
// stages entered, disputes, payment plans, the customer's holds, and what
// the machine would do today.
func (a *api) invoiceDunning(w http.ResponseWriter, r *http.Request) error {
	if err := checkParams(r.URL.Query()); err != nil {
		return err
	}
	if err := a.needDunning(); err != nil {
		return err
	}
	v, err := a.dunning.CaseView(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := dunningFileJSON{Invoice: invoiceOf(&v.Invoice), Stages: v.State.History, Disputes: v.State.Disputes, Plans: v.State.Plans,
		CustomerHolds: holdsOf(v.CustomerHolds), ScenarioOverride: strPtr(v.State.Scenario), CustomerScenario: strPtr(v.CustomerScenario),
		History: make([]dunningStepJSON, 0, len(v.History)), Today: v.Today}
	if out.Stages == nil {
		out.Stages = []dunning.StageEntry{}
	}
	if out.Disputes == nil {
		out.Disputes = []dunning.Dispute{}
	}
	if out.Plans == nil {
		out.Plans = []dunning.PaymentPlan{}
	}
	if c := v.Case; c != nil {
		out.Case = &dunningCaseJSON{ID: c.ID, Scenario: c.Scenario, Stage: strPtr(c.Stage), Status: c.Status, StageSince: datePtr(c.StageSince),
			PauseReason: c.PauseReason, PausedUntil: datePtr(c.PausedUntil), Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	}
	for _, s := range v.History {
		st := dunningStepJSON{Seq: s.Seq, Version: s.Version, AsOf: datePtr(s.AsOf), At: s.At.UTC(), FromStage: s.FromStage, ToStage: s.ToStage,
			FromStatus: s.FromStatus, ToStatus: s.ToStatus, Action: s.Action, Actor: s.Actor, Reason: s.Reason}
		if len(s.Details) > 0 && json.Valid(s.Details) {
			st.Details = s.Details
		}
		out.History = append(out.History, st)
	}
	if d := v.Preview; d != nil {
		p := &previewJSON{AsOf: d.AsOf, Scenario: d.Scenario, Stage: strPtr(d.Stage), AmountDue: d.AmountDue.String(), Indemnity: d.Indemnity.String(),
			Holds: []holdJSON{}, Due: []dunningrun.Line{}, NextStage: strPtr(d.NextStage), NextDue: datePtr(d.NextDue), Terminal: d.Terminal}
		if d.Indemnity.Currency == "" {
			p.Indemnity = ledger.Money{Currency: d.AmountDue.Currency}.String()
		}
		if d.AccruedKnown {
			p.Penalties = strPtr(d.Penalties.String())
		} else if d.Close == nil {
			p.PenaltiesNote = d.AccruedNote
		}
		for _, h := range d.Holds {
			p.Holds = append(p.Holds, holdJSON{Reason: h.Reason, Ref: h.Ref, Kind: h.Kind, Detail: h.Detail, Since: datePtr(h.Since), Until: datePtr(h.Until)})
		}
		for _, l := range d.Lines(false) {
			pen := strPtr(l.Penalties)
			if l.PenaltiesNote != "" {
				pen = nil
			}
			p.Due = append(p.Due, dunningrun.Line{InvoiceID: l.InvoiceID, CustomerID: l.CustomerID, AsOf: d.AsOf.String(), Kind: "preview",
				From: l.From, To: l.To, Action: l.Action, AmountDue: l.AmountDue, Penalties: pen, PenaltiesNote: l.PenaltiesNote,
				Indemnity: l.Indemnity, Deadline: l.Deadline, Route: l.Route, Reason: l.Reason})
		}
		out.Preview = p
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// optDate parses an optional "YYYY-MM-DD" field.
func optDate(field, s string) (ledger.Date, error) {
	if s == "" {
		return ledger.Date{}, nil
	}
	d, err := ledger.ParseDate(s)
	if err != nil {
		return d, badRequest("%s: %v", field, err)
	}
	return d, nil
}

type disputeInputJSON struct {
	Reason  string `json:"reason"`
	Opened  string `json:"opened"`
	Expires string `json:"expires"`
	Note    string `json:"note"`
}

// openDispute opens a dispute on an invoice; the case pauses.
func (a *api) openDispute(w http.ResponseWriter, r *http.Request) error {
	if err := a.needDunning(); err != nil {
		return err
	}
	var in disputeInputJSON
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if !dunning.DisputeReason(in.Reason).Valid() {
		return invalid("reason %q: want price, quality, delivery, administrative or other", in.Reason)
	}
	opened, err := optDate("opened", in.Opened)
	if err != nil {
		return err
	}
	expires, err := optDate("expires", in.Expires)
	if err != nil {
		return err
	}
	d, rep, err := a.dunning.OpenDispute(r.Context(), r.PathValue("id"), dunningrun.DisputeInput{Reason: dunning.DisputeReason(in.Reason),
		Opened: opened, Expires: expires, Note: in.Note}, actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"dispute": d, "steps": linesOf(rep.Steps)})
	return nil
}

type closeDisputeJSON struct {
	Closed string `json:"closed"`
	Note   string `json:"note"`
}

// closeDispute closes a dispute; the case resumes where it was.
func (a *api) closeDispute(w http.ResponseWriter, r *http.Request) error {
	if err := a.needDunning(); err != nil {
		return err
	}
	var in closeDisputeJSON
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	closed, err := optDate("closed", in.Closed)
	if err != nil {
		return err
	}
	d, rep, err := a.dunning.CloseDispute(r.Context(), r.PathValue("id"), r.PathValue("dispute"), closed, in.Note, actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"dispute": d, "steps": linesOf(rep.Steps)})
	return nil
}

type installmentInputJSON struct {
	Due    string `json:"due"`
	Amount string `json:"amount"`
}

type planInputJSON struct {
	Agreed       string                 `json:"agreed"`
	GraceDays    *int                   `json:"grace_days"`
	Installments []installmentInputJSON `json:"installments"`
}

// createPlan agrees a payment plan on an invoice; dunning is suspended
// while it is kept.
func (a *api) createPlan(w http.ResponseWriter, r *http.Request) error {
	if err := a.needDunning(); err != nil {
		return err
	}
	var in planInputJSON
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	agreed, err := optDate("agreed", in.Agreed)
	if err != nil {
		return err
	}
	if len(in.Installments) == 0 {
		return invalid("installments: at least one is required")
	}
	cur := a.dunning.Policy().Currency
	ins := make([]dunning.Installment, 0, len(in.Installments))
	for i, x := range in.Installments {
		due, err := ledger.ParseDate(x.Due)
		if err != nil {
			return badRequest("installments[%d].due: %v", i, err)
		}
		m, err := ledger.ParseMoney(x.Amount, cur)
		if err != nil {
			return badRequest("installments[%d].amount: %v", i, err)
		}
		if m.Minor <= 0 {
			return invalid("installments[%d].amount %s: want > 0", i, m)
		}
		ins = append(ins, dunning.Installment{Due: due, Amount: m})
	}
	pl, rep, err := a.dunning.CreatePlan(r.Context(), r.PathValue("id"), dunningrun.PlanInput{Agreed: agreed, Installments: ins, GraceDays: in.GraceDays}, actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"plan": pl, "steps": linesOf(rep.Steps)})
	return nil
}

type cancelPlanJSON struct {
	Cancelled string `json:"cancelled"`
}

// cancelPlan ends a payment plan; dunning resumes.
func (a *api) cancelPlan(w http.ResponseWriter, r *http.Request) error {
	if err := a.needDunning(); err != nil {
		return err
	}
	var in cancelPlanJSON
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	on, err := optDate("cancelled", in.Cancelled)
	if err != nil {
		return err
	}
	pl, rep, err := a.dunning.CancelPlan(r.Context(), r.PathValue("id"), r.PathValue("plan"), on, actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"plan": pl, "steps": linesOf(rep.Steps)})
	return nil
}

// customerHolds lists a customer's holds, past and present.
func (a *api) customerHolds(w http.ResponseWriter, r *http.Request) error {
	if err := checkParams(r.URL.Query()); err != nil {
		return err
	}
	if err := a.needDunning(); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := a.store.GetCustomer(r.Context(), id); err != nil {
		return err
	}
	hs, err := a.dunning.CustomerHolds(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"customer_id": id, "holds": holdsOf(hs)})
	return nil
}

type holdInputJSON struct {
	Kind      string `json:"kind"`
	Since     string `json:"since"`
	Until     string `json:"until"`
	Published string `json:"published"`
	Reason    string `json:"reason"`
}

// placeCustomerHold holds every invoice of a customer; an insolvency hold
// also forbids the 40 € indemnity.
func (a *api) placeCustomerHold(w http.ResponseWriter, r *http.Request) error {
	if err := a.needDunning(); err != nil {
		return err
	}
	var in holdInputJSON
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	kind := dunning.CustomerHoldKind(in.Kind)
	if kind != dunning.HoldInsolvency && kind != dunning.HoldManual {
		return invalid("kind %q: want insolvency or manual", in.Kind)
	}
	var dates [3]ledger.Date
	for i, f := range []struct{ name, v string }{{"since", in.Since}, {"until", in.Until}, {"published", in.Published}} {
		var err error
		if dates[i], err = optDate(f.name, f.v); err != nil {
			return err
		}
	}
	h, rep, err := a.dunning.PlaceCustomerHold(r.Context(), r.PathValue("id"), dunningrun.CustomerHoldInput{Kind: kind, Since: dates[0], Until: dates[1],
		Published: dates[2], Reason: in.Reason}, actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"hold": holdsOf([]dunning.CustomerHold{h})[0], "steps": linesOf(rep.Steps)})
	return nil
}

type liftInputJSON struct {
	On     string `json:"on"`
	Reason string `json:"reason"`
}

// liftCustomerHolds ends the customer's holds in force; its cases resume.
func (a *api) liftCustomerHolds(w http.ResponseWriter, r *http.Request) error {
	if err := a.needDunning(); err != nil {
		return err
	}
	var in liftInputJSON
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	on, err := optDate("on", in.On)
	if err != nil {
		return err
	}
	hs, rep, err := a.dunning.LiftCustomerHolds(r.Context(), r.PathValue("id"), on, in.Reason, actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"lifted": holdsOf(hs), "steps": linesOf(rep.Steps)})
	return nil
}

// scenarioInputJSON is the body of the scenario override routes.
type scenarioInputJSON struct {
	// Scenario is a name of the policy's scenarios, or "" to clear.
	Scenario *string `json:"scenario"`
	Reason   string  `json:"reason"`
}

// scenarioInput reads and checks a scenario override body: the name must be
// one of the policy's scenarios (422 invalid, with the names in details).
func (a *api) scenarioInput(r *http.Request) (scenarioInputJSON, error) {
	var in scenarioInputJSON
	if err := decodeJSON(r, &in, false); err != nil {
		return in, err
	}
	if in.Scenario == nil {
		return in, badRequest("request body: field scenario is required (a scenario name, or \"\" to clear)")
	}
	names := a.dunning.Policy().ScenarioNames()
	if *in.Scenario != "" && !slices.Contains(names, *in.Scenario) {
		return in, &requestError{kind: ledger.ErrInvalid, msg: fmt.Sprintf("scenario %q is not in the dunning policy", *in.Scenario),
			details: map[string]any{"scenarios": names}}
	}
	return in, nil
}

// setCustomerScenario sets or clears a customer's scenario override: its
// invoices follow it from the next run (an invoice's own override wins).
func (a *api) setCustomerScenario(w http.ResponseWriter, r *http.Request) error {
	if err := a.needDunning(); err != nil {
		return err
	}
	in, err := a.scenarioInput(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	ch, err := a.dunning.SetCustomerScenario(r.Context(), id, *in.Scenario, in.Reason, actorOf(r))
	if err != nil {
		return err
	}
	cases := ch.Cases
	if cases == nil {
		cases = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"customer_id": id, "scenario": strPtr(ch.Scenario), "previous": strPtr(ch.Previous), "cases": cases})
	return nil
}

// setInvoiceScenario sets or clears an invoice's scenario override, a step
// of its case; the next run follows it.
func (a *api) setInvoiceScenario(w http.ResponseWriter, r *http.Request) error {
	if err := a.needDunning(); err != nil {
		return err
	}
	in, err := a.scenarioInput(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	ch, err := a.dunning.SetInvoiceScenario(r.Context(), id, *in.Scenario, in.Reason, actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"invoice_id": id, "scenario": strPtr(ch.Scenario), "previous": strPtr(ch.Previous),
		"effective": ch.Effective})
	return nil
}

package storetest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// stageEvent emits dunning.stage_changed about the invoice.
func stageEvent(o ledger.DunningOutcome) ([]ledger.EventDraft, error) {
	data, err := json.Marshal(map[string]any{"invoice_id": o.Case.InvoiceID, "from": o.Step.FromStage, "to": o.Step.ToStage})
	return []ledger.EventDraft{{Type: "dunning.stage_changed", AggregateType: "invoice", AggregateID: o.Case.InvoiceID, Data: data}}, err
}

var dunningTests = []test{
	{"Dunning/Transitions", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		importInvoices(t, s, invoice("A", 10000))
		w := ledger.Write[ledger.DunningOutcome]{Actor: "dunning", Reason: "due date passed", Events: stageEvent}
		first, err := s.TransitionDunning(ctx, ledger.DunningTransition{InvoiceID: "A", AsOf: day(11), Action: "email",
			To:      ledger.DunningCase{Scenario: "standard", Stage: "reminder_1", Status: ledger.DunningActive, StageSince: day(11)},
			Details: []byte(`{"amount_due":"100.00"}`)}, w)
		ok(t, err)
		c := first.Case
		if c.Version != 1 || c.CustomerID != "C1" || c.Stage != "reminder_1" || c.InvoiceID != "A" || first.Step.FromStage != "" || first.Step.ToStage != "reminder_1" {
			t.Fatalf("first transition %+v", first)
		}
		_, err = s.TransitionDunning(ctx, ledger.DunningTransition{InvoiceID: "A", To: ledger.DunningCase{Stage: "reminder_1", Status: ledger.DunningActive}}, w)
		wantErr(t, err, ledger.ErrConflict, "create an existing case")
		state := []byte(`{"dispute":"quality"}`)
		second, err := s.TransitionDunning(ctx, ledger.DunningTransition{InvoiceID: "A", FromVersion: 1, AsOf: day(15), Action: "pause",
			To: ledger.DunningCase{Scenario: "standard", Stage: "reminder_1", Status: ledger.DunningPaused, StageSince: day(11),
				PauseReason: "dispute:quality", PausedUntil: day(30), State: state}}, w)
		ok(t, err)
		if second.Case.Version != 2 || second.Case.Status != ledger.DunningPaused || second.Step.FromStatus != ledger.DunningActive ||
			string(second.Case.State) != string(state) || second.Case.PausedUntil != day(30) {
			t.Fatalf("second transition %+v", second)
		}
		// A transition computed from version 1 is stale now.
		_, err = s.TransitionDunning(ctx, ledger.DunningTransition{InvoiceID: "A", FromVersion: 1,
			To: ledger.DunningCase{Stage: "reminder_2", Status: ledger.DunningActive}}, w)
		wantErr(t, err, ledger.ErrConflict, "stale transition")
		_, err = s.TransitionDunning(ctx, ledger.DunningTransition{InvoiceID: "Z", To: ledger.DunningCase{Status: ledger.DunningActive}}, w)
		wantErr(t, err, ledger.ErrNotFound, "case of unknown invoice")
		_, err = s.TransitionDunning(ctx, ledger.DunningTransition{InvoiceID: "A", FromVersion: 2, To: ledger.DunningCase{Status: "bogus"}}, w)
		wantErr(t, err, ledger.ErrInvalid, "unknown status")
		got, err := s.GetDunningCase(ctx, "A")
		ok(t, err)
		if got.Version != 2 || got.PauseReason != "dispute:quality" || got.StageSince != day(11) {
			t.Fatalf("stored case %+v", got)
		}
		_, err = s.GetDunningCase(ctx, "Z")
		wantErr(t, err, ledger.ErrNotFound, "unknown case")
		hist, err := s.DunningHistory(ctx, "A")
		ok(t, err)
		if len(hist) != 2 || hist[0].Version != 1 || hist[1].Action != "pause" || hist[0].AsOf != day(11) || hist[0].Actor != "dunning" ||
			string(hist[0].Details) != `{"amount_due":"100.00"}` {
			t.Fatalf("history %+v", hist)
		}
		paused, err := s.ListDunningCases(ctx, ledger.DunningFilter{Status: ledger.DunningPaused})
		ok(t, err)
		active, err := s.ListDunningCases(ctx, ledger.DunningFilter{Status: ledger.DunningActive})
		ok(t, err)
		if len(paused) != 1 || len(active) != 0 {
			t.Fatalf("paused %+v active %+v", paused, active)
		}
		evs, err := s.ListEvents(ctx, ledger.EventFilter{AggregateType: "invoice", AggregateID: "A"})
		ok(t, err)
		if len(evs) != 2 || evs[1].Sequence != 2 {
			t.Fatalf("dunning events %+v", evs)
		}
		journal, err := s.ListAudit(ctx, ledger.AuditFilter{InvoiceID: "A"})
		ok(t, err)
		if len(journal) != 3 || journal[2].Action != "dunning.transition" {
			t.Fatalf("journal %+v", journal)
		}
	}},
}

// dunningSettledTests: the cases a payment or a withdrawal should close
// are listed by themselves.
var dunningSettledTests = []test{
	{"Dunning/SettledFilter", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		paid := invoice("P", 10000)
		paid.Open = eurs(0)
		importInvoices(t, s, invoice("A", 10000), invoice("B", 20000), paid)
		w := ledger.Write[ledger.DunningOutcome]{Actor: "dunning", Reason: "due date passed"}
		for _, id := range []string{"A", "B", "P"} {
			status := ledger.DunningActive
			if id == "B" {
				status = ledger.DunningPaused
			}
			_, err := s.TransitionDunning(ctx, ledger.DunningTransition{InvoiceID: id, AsOf: day(11), Action: "email",
				To: ledger.DunningCase{Scenario: "standard", Stage: "reminder_1", Status: status, StageSince: day(11)}}, w)
			ok(t, err)
		}
		list := func(f ledger.DunningFilter) string {
			t.Helper()
			cs, err := s.ListDunningCases(ctx, f)
			ok(t, err)
			var ids []string
			for _, c := range cs {
				ids = append(ids, c.InvoiceID)
			}
			return strings.Join(ids, ",")
		}
		if got := list(ledger.DunningFilter{Settled: true}); got != "P" {
			t.Fatalf("settled cases %q, want P (paid at import)", got)
		}
		if got := list(ledger.DunningFilter{Settled: true, Status: ledger.DunningPaused}); got != "" {
			t.Fatalf("settled paused cases %q, want none", got)
		}
		if got := list(ledger.DunningFilter{}); got != "A,B,P" {
			t.Fatalf("all cases %q", got)
		}
		// B withdrawn by the accounting system: settled too.
		_, err := s.UpsertInvoices(ctx, ledger.InvoiceImport{Source: "test", Invoices: []ledger.Invoice{func() ledger.Invoice {
			b := invoice("B", 20000)
			b.Status = ledger.InvoiceCancelled
			return b
		}()}}, anyWrite[ledger.ImportResult]("import"))
		ok(t, err)
		if st := getInvoice(t, s, "B").Status; st != ledger.InvoiceCancelled {
			t.Fatalf("B imported as cancelled is %s", st)
		}
		if got := list(ledger.DunningFilter{Settled: true, After: "A"}); got != "B,P" {
			t.Fatalf("settled cases after A %q, want B,P", got)
		}
	}},
}

var dunningHoldTests = []test{
	{"Dunning/CustomerHolds", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		importInvoices(t, s, invoice("A", 10000))
		w := ledger.Write[ledger.DunningHold]{Actor: "credit", Reason: "redressement judiciaire"}
		_, err := s.PlaceDunningHold(ctx, ledger.DunningHold{CustomerID: "NOPE", Kind: "manual", Since: day(10)}, w)
		wantErr(t, err, ledger.ErrNotFound, "hold of an unknown customer")
		_, err = s.PlaceDunningHold(ctx, ledger.DunningHold{CustomerID: "C1", Since: day(10)}, w)
		wantErr(t, err, ledger.ErrInvalid, "hold without a kind")
		_, err = s.PlaceDunningHold(ctx, ledger.DunningHold{CustomerID: "C1", Kind: "manual"}, w)
		wantErr(t, err, ledger.ErrInvalid, "hold without a first day")
		_, err = s.PlaceDunningHold(ctx, ledger.DunningHold{CustomerID: "C1", Kind: "manual", Since: day(10), Until: day(10)}, w)
		wantErr(t, err, ledger.ErrInvalid, "hold ending on its first day")

		ins, err := s.PlaceDunningHold(ctx, ledger.DunningHold{CustomerID: "C1", Kind: "insolvency", Note: "RJ", Since: day(10), Published: day(12)}, w)
		ok(t, err)
		if ins.ID == "" || ins.PlacedBy != "credit" || ins.PlacedAt.IsZero() || ins.Lifted() || !ins.End().IsZero() {
			t.Fatalf("placed %+v", ins)
		}
		man, err := s.PlaceDunningHold(ctx, ledger.DunningHold{CustomerID: "C1", Kind: "manual", Since: day(11), Until: day(20)},
			ledger.Write[ledger.DunningHold]{Actor: "credit"})
		ok(t, err)
		got, err := s.GetDunningHold(ctx, ins.ID)
		ok(t, err)
		if got.Kind != "insolvency" || got.Note != "RJ" || got.Since != day(10) || got.Published != day(12) || !got.Until.IsZero() ||
			!got.PlacedAt.Equal(ins.PlacedAt) || got.CustomerID != "C1" {
			t.Fatalf("stored hold %+v, placed %+v", got, ins)
		}
		_, err = s.GetDunningHold(ctx, "nope")
		wantErr(t, err, ledger.ErrNotFound, "unknown hold")

		// Listing: all, active, active on a day (the manual hold ends on day 20).
		ids := func(hs []ledger.DunningHold) string {
			var out []string
			for _, h := range hs {
				out = append(out, h.ID)
			}
			return strings.Join(out, ",")
		}
		all, err := s.ListDunningHolds(ctx, ledger.DunningHoldFilter{CustomerID: "C1"})
		ok(t, err)
		if ids(all) != ins.ID+","+man.ID {
			t.Fatalf("holds of C1: %+v", all)
		}
		onDay25, err := s.ListDunningHolds(ctx, ledger.DunningHoldFilter{Active: true, On: day(25)})
		ok(t, err)
		if ids(onDay25) != ins.ID {
			t.Fatalf("active on day 25: %+v", onDay25)
		}
		page, err := s.ListDunningHolds(ctx, ledger.DunningHoldFilter{After: ins.ID, Limit: 1})
		ok(t, err)
		if ids(page) != man.ID {
			t.Fatalf("page after %s: %+v", ins.ID, page)
		}

		lw := ledger.Write[ledger.DunningHold]{Actor: "credit", Reason: "plan de continuation"}
		_, err = s.LiftDunningHold(ctx, "nope", day(30), lw)
		wantErr(t, err, ledger.ErrNotFound, "lift an unknown hold")
		_, err = s.LiftDunningHold(ctx, ins.ID, day(9), lw)
		wantErr(t, err, ledger.ErrInvalid, "lift before the first day")
		_, err = s.LiftDunningHold(ctx, ins.ID, ledger.Date{}, lw)
		wantErr(t, err, ledger.ErrInvalid, "lift without a day")
		lifted, err := s.LiftDunningHold(ctx, ins.ID, day(30), lw)
		ok(t, err)
		if !lifted.Lifted() || lifted.LiftedOn != day(30) || lifted.LiftedBy != "credit" || lifted.LiftNote != "plan de continuation" ||
			lifted.LiftedAt.IsZero() || lifted.End() != day(30) {
			t.Fatalf("lifted %+v", lifted)
		}
		_, err = s.LiftDunningHold(ctx, ins.ID, day(31), lw)
		wantErr(t, err, ledger.ErrConflict, "lift twice")
		got, err = s.GetDunningHold(ctx, ins.ID)
		ok(t, err)
		if got.LiftedOn != day(30) || !got.LiftedAt.Equal(lifted.LiftedAt) || got.Kind != "insolvency" {
			t.Fatalf("stored after lift %+v", got)
		}
		active, err := s.ListDunningHolds(ctx, ledger.DunningHoldFilter{CustomerID: "C1", Active: true})
		ok(t, err)
		if ids(active) != man.ID {
			t.Fatalf("active holds of C1 after the lift: %+v", active)
		}
		all, err = s.ListDunningHolds(ctx, ledger.DunningHoldFilter{CustomerID: "C1"})
		ok(t, err)
		if len(all) != 2 {
			t.Fatalf("all holds after the lift: %+v", all)
		}

		// Each change is journaled, in the form the hold entity always had.
		journal, err := s.ListAudit(ctx, ledger.AuditFilter{EntityType: "dunning_customer_hold", EntityID: "C1"})
		ok(t, err)
		if len(journal) != 3 || journal[0].Action != "dunning.customer_hold.placed" || journal[2].Action != "dunning.customer_hold.lifted" ||
			journal[0].Reason != "redressement judiciaire" || journal[2].Actor != "credit" {
			t.Fatalf("journal %+v", journal)
		}
		var det map[string]string
		ok(t, json.Unmarshal(journal[2].Details, &det))
		if det["hold_id"] != ins.ID || det["until"] != day(30).String() {
			t.Fatalf("lift journal details %s", journal[2].Details)
		}
	}},
	{"Dunning/CustomerScenarios", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		importInvoices(t, s, invoice("A", 10000))
		w := ledger.Write[ledger.CustomerScenarioChange]{Actor: "credit", Reason: "public buyer"}
		_, err := s.SetCustomerScenario(ctx, "NOPE", "public_sector", w)
		wantErr(t, err, ledger.ErrNotFound, "scenario of an unknown customer")
		ch, err := s.SetCustomerScenario(ctx, "C1", "public_sector", w)
		ok(t, err)
		if ch.Previous != "" || ch.Scenario != "public_sector" {
			t.Fatalf("first set %+v", ch)
		}
		ch, err = s.SetCustomerScenario(ctx, "C1", "risky", ledger.Write[ledger.CustomerScenarioChange]{Actor: "boss", Reason: "late twice"})
		ok(t, err)
		if ch.Previous != "public_sector" || ch.Scenario != "risky" {
			t.Fatalf("second set %+v", ch)
		}
		list, err := s.ListCustomerScenarios(ctx, ledger.CustomerScenarioFilter{})
		ok(t, err)
		if len(list) != 1 || list[0].CustomerID != "C1" || list[0].Scenario != "risky" || list[0].SetBy != "boss" || list[0].Reason != "late twice" ||
			list[0].SetAt.IsZero() {
			t.Fatalf("overrides %+v", list)
		}
		ch, err = s.SetCustomerScenario(ctx, "C1", "", w)
		ok(t, err)
		if ch.Previous != "risky" || ch.Scenario != "" {
			t.Fatalf("clear %+v", ch)
		}
		list, err = s.ListCustomerScenarios(ctx, ledger.CustomerScenarioFilter{CustomerID: "C1"})
		ok(t, err)
		if len(list) != 0 {
			t.Fatalf("overrides after clearing %+v", list)
		}
		journal, err := s.ListAudit(ctx, ledger.AuditFilter{EntityType: "dunning_customer_scenario", EntityID: "C1"})
		ok(t, err)
		if len(journal) != 3 || journal[0].Action != "dunning.customer_scenario.set" || journal[2].Action != "dunning.customer_scenario.cleared" ||
			journal[1].Actor != "boss" {
			t.Fatalf("journal %+v", journal)
		}
	}},
}

package storetest

import (
	"encoding/json"
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

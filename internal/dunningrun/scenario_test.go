package dunningrun

import (
	"errors"
	"reflect"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/storetest/engines"
)

// TestScenarioOverrides: a customer override moves every invoice of the
// customer to another scenario (risky: reminder_2 on J+8, not J+15), an
// invoice override wins over the customer's (strategic: the call first),
// a customer switched mid-course follows the new scenario from the stage
// its cases are at, a switch to a scenario lacking a case's stage is
// refused whole, and names not in the policy are refused.
func TestScenarioOverrides(t *testing.T) {
	engines.ForEach(t, "the dunning runner", func(t *testing.T, e engines.Engine) {
		s, _ := e.Open(t)
		ctx := t.Context()
		importInvoices(t, s, inv("A", "C1", "1000.00", "2026-03-31"), inv("B", "C1", "1000.00", "2026-03-31"), inv("X", "C2", "1000.00", "2026-03-31"))
		r := newRunner(t, s, "2026-03-20")
		_, err := r.SetCustomerScenario(ctx, "C1", "nope", "", "credit")
		if !errors.Is(err, ledger.ErrInvalid) {
			t.Fatalf("unknown scenario for a customer: %v", err)
		}
		_, err = r.SetInvoiceScenario(ctx, "B", "nope", "", "credit")
		if !errors.Is(err, ledger.ErrInvalid) {
			t.Fatalf("unknown scenario for an invoice: %v", err)
		}
		if _, err = r.SetCustomerScenario(ctx, "C404", "risky", "", "credit"); !errors.Is(err, ledger.ErrNotFound) {
			t.Fatalf("unknown customer: %v", err)
		}
		ch, err := r.SetCustomerScenario(ctx, "C1", "risky", "paid late twice", "credit")
		if err != nil || ch.Scenario != "risky" || ch.Previous != "" || len(ch.Cases) != 0 {
			t.Fatalf("customer override %+v %v", ch, err)
		}
		ch, err = r.SetInvoiceScenario(ctx, "B", "strategic", "key account", "credit")
		if err != nil || ch.Effective != "strategic" || ch.Previous != "" {
			t.Fatalf("invoice override %+v %v", ch, err)
		}
		if c, err := s.GetDunningCase(ctx, "B"); err != nil || c.Scenario != "strategic" || c.Stage != "" {
			t.Fatalf("case of B after its override %+v %v", c, err)
		}

		steps := runDays(t, r, "2026-03-20", "2026-03-25", nil)
		// A is at courtesy now, which public_sector lacks: C1 cannot switch,
		// and nothing is stored.
		if _, err := r.SetCustomerScenario(ctx, "C1", "public_sector", "", "credit"); !errors.Is(err, ledger.ErrConflict) {
			t.Fatalf("C1 to public_sector with A at courtesy: %v", err)
		}
		if cs, err := s.ListCustomerScenarios(ctx, ledger.CustomerScenarioFilter{CustomerID: "C1"}); err != nil || len(cs) != 1 || cs[0].Scenario != "risky" {
			t.Fatalf("C1 override after a refused switch %+v %v", cs, err)
		}
		steps = append(steps, runDays(t, r, "2026-03-26", "2026-04-01", nil)...)
		want := []got{
			{"2026-03-24", "A", "stage", "courtesy"}, // risky: J-7
			{"2026-03-26", "B", "stage", "courtesy"}, // strategic: J-5, the invoice's override
			{"2026-03-28", "X", "stage", "courtesy"}, // standard: J-3
			{"2026-04-01", "A", "stage", "reminder_1"},
			{"2026-04-01", "X", "stage", "reminder_1"},
		}
		if g := gotOf(steps); !reflect.DeepEqual(g, want) {
			t.Fatalf("steps\n got %v\nwant %v", g, want)
		}
		// A scenario lacking the stage a case is at is refused: B is at
		// courtesy, which public_sector does not have.
		r2 := newRunner(t, s, "2026-04-02")
		if _, err := r2.SetInvoiceScenario(ctx, "B", "public_sector", "", "credit"); !errors.Is(err, ledger.ErrConflict) {
			t.Fatalf("B at courtesy to public_sector: %v", err)
		}
		if c, err := s.GetDunningCase(ctx, "B"); err != nil || c.Scenario != "strategic" {
			t.Fatalf("case of B after a refused override %+v %v", c, err)
		}
		// X is switched mid-course: its customer becomes risky, whose call
		// is J+4 (no earlier than 3 days after reminder_1), not J+8.
		ch, err = r2.SetCustomerScenario(ctx, "C2", "risky", "judgment pending", "credit")
		if err != nil || !reflect.DeepEqual(ch.Cases, []string{"X"}) {
			t.Fatalf("C2 override %+v %v", ch, err)
		}
		if c, err := s.GetDunningCase(ctx, "X"); err != nil || c.Scenario != "risky" || c.Stage != "reminder_1" {
			t.Fatalf("case of X after its customer's override %+v %v", c, err)
		}
		hist, err := s.DunningHistory(ctx, "X")
		if err != nil || hist[len(hist)-1].Action != "customer_scenario_changed" || hist[len(hist)-1].Reason != "judgment pending" ||
			hist[len(hist)-1].Actor != "credit" {
			t.Fatalf("history of X %+v %v", hist, err)
		}
		steps = runDays(t, r, "2026-04-02", "2026-04-15", nil)
		want = []got{
			{"2026-04-03", "B", "stage", "call"}, // strategic J+3
			{"2026-04-04", "A", "stage", "call"}, // risky J+4
			{"2026-04-04", "X", "stage", "call"}, // risky now
			{"2026-04-08", "A", "stage", "reminder_2"},
			{"2026-04-08", "X", "stage", "reminder_2"},
			{"2026-04-10", "B", "stage", "reminder_1"},
			{"2026-04-15", "A", "stage", "formal_notice"},
			{"2026-04-15", "X", "stage", "formal_notice"},
		}
		if g := gotOf(steps); !reflect.DeepEqual(g, want) {
			t.Fatalf("steps\n got %v\nwant %v", g, want)
		}
		for _, m := range eventsOf(t, s, "B") {
			if m["scenario"] != "strategic" {
				t.Errorf("event of B: %v", m)
			}
		}
		// Clearing the invoice override: B follows its customer's (risky),
		// and clearing the customer's brings C1 back to its segment's.
		r3 := newRunner(t, s, "2026-04-16")
		ch, err = r3.SetInvoiceScenario(ctx, "B", "", "", "credit")
		if err != nil || ch.Previous != "strategic" || ch.Effective != "risky" {
			t.Fatalf("clear B %+v %v", ch, err)
		}
		ch, err = r3.SetCustomerScenario(ctx, "C1", "", "", "credit")
		if err != nil || ch.Previous != "risky" || !reflect.DeepEqual(ch.Cases, []string{"A", "B"}) {
			t.Fatalf("clear C1 %+v %v", ch, err)
		}
		for id, sc := range map[string]string{"A": "standard", "B": "standard", "X": "risky"} {
			if c, err := s.GetDunningCase(ctx, id); err != nil || c.Scenario != sc {
				t.Errorf("case of %s %+v %v, want scenario %s", id, c, err, sc)
			}
		}
	})
}

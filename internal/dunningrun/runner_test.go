package dunningrun

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/storetest/engines"
)

// TestStagesOfAStandardCase walks an unpaid invoice through every stage of
// the standard scenario, running every day twice, and checks the day of
// each stage, the letter data of the events (penalties hand-computed) and
// that the second run of a day stores nothing.
func TestStagesOfAStandardCase(t *testing.T) {
	engines.ForEach(t, "the dunning runner", func(t *testing.T, e engines.Engine) {
		s, _ := e.Open(t)
		importInvoices(t, s, inv("A", "C1", "1200.00", "2026-03-31"))
		r := newRunner(t, s, "2026-03-25")
		steps := runDays(t, r, "2026-03-25", "2026-05-20", nil)
		want := []got{
			{"2026-03-28", "A", "stage", "courtesy"},
			{"2026-04-01", "A", "stage", "reminder_1"},
			{"2026-04-08", "A", "stage", "call"},
			{"2026-04-15", "A", "stage", "reminder_2"},
			{"2026-04-30", "A", "stage", "formal_notice"},
			{"2026-05-15", "A", "stage", "legal"},
		}
		if g := gotOf(steps); !reflect.DeepEqual(g, want) {
			t.Fatalf("steps\n got %v\nwant %v", g, want)
		}
		evs := eventsOf(t, s, "A")
		if len(evs) != 6 {
			t.Fatalf("%d events, want 6: %v", len(evs), evs)
		}
		// 1200.00 × 12.15 % (ECB 2.15 + 10, above 3 × 2.62) × 15 days ÷ 365 = 5.9918…
		r2 := evs[3]
		if r2["type"] != ledger.EventDunningStageChanged || r2["to"] != "reminder_2" || r2["action"] != "letter" || r2["penalties"] != "5.99" ||
			r2["indemnity"] != "40.00" || r2["amount_due"] != "1200.00" || r2["invoice_number"] != "FA-A" || r2["due_date"] != "2026-03-31" ||
			r2["issue_date"] != "2026-03-01" || r2["rate_percent"] != "12.15" || r2["total"] != "1245.99" || r2["case_version"] != float64(4) {
			t.Errorf("reminder_2 event = %v", r2)
		}
		// 30 days: 11.9836… ; the mise en demeure gives 8 days.
		fn := evs[4]
		if fn["to"] != "formal_notice" || fn["action"] != "registered_letter" || fn["penalties"] != "11.98" || fn["deadline"] != "2026-05-08" || fn["letter_bearing"] != true {
			t.Errorf("formal_notice event = %v", fn)
		}
		if lg := evs[5]; lg["route"] != "procedure_simplifiee" || lg["penalties"] != "17.98" {
			t.Errorf("legal event = %v", lg)
		}
		hist, err := s.DunningHistory(t.Context(), "A")
		if err != nil || len(hist) != 6 || hist[4].AsOf != day("2026-04-30") || hist[4].Actor != Actor || hist[4].Action != "registered_letter" {
			t.Fatalf("history %+v %v", hist, err)
		}
		c, err := s.GetDunningCase(t.Context(), "A")
		if err != nil || c.Stage != "legal" || c.Status != ledger.DunningActive || c.StageSince != day("2026-05-15") || c.Scenario != "standard" {
			t.Fatalf("case %+v %v", c, err)
		}
		// A run dated before the last change is refused for the case.
		rep, err := r.Run(t.Context(), day("2026-05-01"), Options{})
		if err != nil || len(rep.Steps) != 0 || len(rep.Skipped) != 1 {
			t.Fatalf("run in the past: %+v %v", rep, err)
		}
	})
}

// TestDisputePartialPaymentReversal: a dispute pauses and resumes the case
// where it was (time stands still while paused), a partial payment keeps
// it open on the residual, full payment closes it with what accrued, and
// the reversed lettrage reopens it at its stage.
func TestDisputePartialPaymentReversal(t *testing.T) {
	engines.ForEach(t, "the dunning runner", func(t *testing.T, e engines.Engine) {
		s, _ := e.Open(t)
		importInvoices(t, s, inv("B", "C2", "1000.00", "2026-03-31"))
		r := newRunner(t, s, "2026-03-25")
		var disputeID, fullMatch string
		var actions []Step
		runDays(t, r, "2026-03-25", "2026-05-12", func(d ledger.Date) {
			var rep Report
			var err error
			switch d.String() {
			case "2026-04-05":
				var dis = struct{ ID string }{}
				dd, rp, e := r.OpenDispute(t.Context(), "B", DisputeInput{Reason: "quality", Opened: d, Note: "broken parts"}, "erp")
				dis.ID, rep, err = dd.ID, rp, e
				disputeID = dis.ID
			case "2026-04-15":
				_, rep, err = r.CloseDispute(t.Context(), "B", disputeID, d, "credit note agreed", "erp")
			case "2026-04-20":
				letter(t, s, "PAY-1", "B", "300.00", d)
			case "2026-04-28":
				fullMatch = letter(t, s, "PAY-2", "B", "700.00", d)
			case "2026-05-02":
				if _, err := s.ReverseMatch(t.Context(), fullMatch, ledger.Write[ledger.MatchOutcome]{Actor: "erp", Reason: "returned"}); err != nil {
					t.Fatal(err)
				}
			}
			if err != nil {
				t.Fatalf("%s: %v", d, err)
			}
			actions = append(actions, rep.Steps...)
		})
		if g, want := gotOf(actions), []got{{"2026-04-05", "B", "pause", ""}, {"2026-04-15", "B", "resume", "reminder_1"}}; !reflect.DeepEqual(g, want) {
			t.Errorf("API steps %v, want %v", g, want)
		}
		type ev struct{ Type, Kind, To string }
		var seq []ev
		evs := eventsOf(t, s, "B")
		for _, m := range evs {
			to, _ := m["to"].(string)
			kind, _ := m["kind"].(string)
			seq = append(seq, ev{m["type"].(string), kind, to})
		}
		want := []ev{
			{ledger.EventDunningStageChanged, "stage", "courtesy"},
			{ledger.EventDunningStageChanged, "stage", "reminder_1"},
			{ledger.EventDunningPaused, "pause", ""},
			{ledger.EventDunningResumed, "resume", "reminder_1"},
			{ledger.EventDunningStageChanged, "stage", "call"},
			{ledger.EventDunningStageChanged, "stage", "reminder_2"},
			{ledger.EventDunningStageChanged, "close", "closed"},
			{ledger.EventDunningStageChanged, "reopen", "reminder_2"},
			{ledger.EventDunningStageChanged, "stage", "formal_notice"},
		}
		if !reflect.DeepEqual(seq, want) {
			t.Fatalf("events\n got %v\nwant %v", seq, want)
		}
		at := func(i int, key string) any { return evs[i][key] }
		if at(2, "as_of") != "2026-04-05" || at(3, "as_of") != "2026-04-15" || at(4, "as_of") != "2026-04-18" || at(5, "as_of") != "2026-04-25" {
			t.Errorf("pause/resume/stage days: %v %v %v %v", at(2, "as_of"), at(3, "as_of"), at(4, "as_of"), at(5, "as_of"))
		}
		if h, _ := at(2, "hold").(map[string]any); h["reason"] != "dispute" || h["kind"] != "quality" {
			t.Errorf("pause event hold = %v", at(2, "hold"))
		}
		// Residual 700 after 300 on 04-20: (1000 × 20 d + 700 × 5 d) × 12.15 % ÷ 365 = 7.8226…
		if at(5, "amount_due") != "700.00" || at(5, "penalties") != "7.82" {
			t.Errorf("reminder_2 on the residual: %v", evs[5])
		}
		// Paid in full on 04-28: (1000 × 20 + 700 × 8) × 12.15 % ÷ 365 = 8.5216…
		cl, _ := at(6, "closure").(map[string]any)
		if at(6, "penalties") != "8.52" || at(6, "indemnity") != "40.00" || cl["disposition"] != "review" || cl["paid_on"] != "2026-04-28" {
			t.Errorf("closing event = %v", evs[6])
		}
		if at(7, "as_of") != "2026-05-02" || at(7, "from") != "closed" || at(7, "amount_due") != "700.00" {
			t.Errorf("reopening event = %v", evs[7])
		}
		// formal_notice nominally due 04-30, plus the 10 paused days.
		if at(8, "as_of") != "2026-05-10" || at(8, "deadline") != "2026-05-18" {
			t.Errorf("formal_notice event = %v", evs[8])
		}
		hist, err := s.DunningHistory(t.Context(), "B")
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, h := range hist {
			acts = append(acts, h.Action)
		}
		wantActs := []string{"email", "email", "dispute_opened", "pause", "dispute_closed", "resume", "phone_task", "letter", "close", "reopen", "registered_letter"}
		if !reflect.DeepEqual(acts, wantActs) {
			t.Errorf("journal actions %v, want %v", acts, wantActs)
		}
		if hist[2].Actor != "erp" || hist[3].Actor != "erp" {
			t.Errorf("dispute steps by %q and %q, want erp", hist[2].Actor, hist[3].Actor)
		}
	})
}

// TestNeverChaseWhatMayBePaid: a review proposal on the invoice or an
// unmatched credit from the same payer holds escalation for the grace
// period (5 days), then the stage goes out; a credit from someone else
// does not hold.
func TestNeverChaseWhatMayBePaid(t *testing.T) {
	tests := []struct {
		name   string
		signal func(t *testing.T, s ledger.Store)
		held   bool
	}{
		{"review proposal", func(t *testing.T, s ledger.Store) {
			propose(t, s, "CR-1", "P", "1000.00", day("2026-03-30"), ledger.Party{Name: "X"})
		}, true},
		{"unmatched credit from a known IBAN", func(t *testing.T, s ledger.Store) {
			if err := s.UpsertCustomers(t.Context(), []ledger.Customer{{ID: "C3", IBANs: []string{payerIBAN}}}); err != nil {
				t.Fatal(err)
			}
			propose(t, s, "CR-1", "", "1000.00", day("2026-03-30"), ledger.Party{Name: "Whoever", IBAN: payerIBAN})
		}, true},
		{"unmatched credit under the customer's name", func(t *testing.T, s ledger.Store) {
			propose(t, s, "CR-1", "", "990.00", day("2026-03-30"), ledger.Party{Name: "CLIENT C3 SARL"})
		}, true},
		{"unmatched credit of another payer", func(t *testing.T, s ledger.Store) {
			propose(t, s, "CR-1", "", "1000.00", day("2026-03-30"), ledger.Party{Name: "Other Company", IBAN: "FR1420041010050500013M02606"})
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			engines.ForEach(t, "the dunning runner", func(t *testing.T, e engines.Engine) {
				s, _ := e.Open(t)
				importInvoices(t, s, inv("P", "C3", "1000.00", "2026-03-31"))
				tt.signal(t, s)
				r := newRunner(t, s, "2026-03-25")
				steps := runDays(t, r, "2026-03-25", "2026-04-06", nil)
				want := []got{{"2026-03-28", "P", "stage", "courtesy"}, {"2026-04-01", "P", "stage", "reminder_1"}}
				if tt.held {
					want = []got{{"2026-03-28", "P", "stage", "courtesy"}, {"2026-03-30", "P", "pause", ""},
						{"2026-04-04", "P", "resume", "courtesy"}, {"2026-04-04", "P", "stage", "reminder_1"}}
				}
				if g := gotOf(steps); !reflect.DeepEqual(g, want) {
					t.Fatalf("steps\n got %v\nwant %v", g, want)
				}
			})
		})
	}
}

// TestNoRateForTheHalfYear: the shipped table stops at 2026-H1; a letter
// reaching into 2026-H2 still goes out, with its penalties marked
// unavailable, never guessed.
func TestNoRateForTheHalfYear(t *testing.T) {
	engines.ForEach(t, "the dunning runner", func(t *testing.T, e engines.Engine) {
		s, _ := e.Open(t)
		importInvoices(t, s, inv("H", "C4", "800.00", "2026-06-20"))
		r := newRunner(t, s, "2026-06-15")
		steps := runDays(t, r, "2026-06-15", "2026-07-06", nil)
		if g, want := gotOf(steps), []got{{"2026-06-17", "H", "stage", "courtesy"}, {"2026-06-21", "H", "stage", "reminder_1"},
			{"2026-06-28", "H", "stage", "call"}, {"2026-07-05", "H", "stage", "reminder_2"}}; !reflect.DeepEqual(g, want) {
			t.Fatalf("steps\n got %v\nwant %v", g, want)
		}
		last := steps[3]
		if last.PenaltiesNote != "unavailable: no rate for period 2026-H2" || last.Line().Penalties != nil {
			t.Errorf("reminder_2 step = %+v", last)
		}
		evs := eventsOf(t, s, "H")
		ev := evs[3]
		if _, ok := ev["penalties"]; !ok || ev["penalties"] != nil || ev["penalties_note"] != "unavailable: no rate for period 2026-H2" ||
			ev["indemnity"] != "40.00" || ev["total"] != nil || ev["rate_percent"] != nil {
			t.Errorf("reminder_2 event = %v", ev)
		}
		if evs[2]["penalties"] != "2.13" { // 800 × 12.15 % × 8 d ÷ 365 = 2.1304… — all in 2026-H1
			t.Errorf("call event penalties = %v", evs[2]["penalties"])
		}
	})
}

// TestInsolvencyHold: a customer-wide insolvency hold pauses every case of
// the customer, lifting it resumes them where they were, and the 40 €
// indemnity is never claimed from that customer again.
func TestInsolvencyHold(t *testing.T) {
	engines.ForEach(t, "the dunning runner", func(t *testing.T, e engines.Engine) {
		s, _ := e.Open(t)
		importInvoices(t, s, inv("I1", "C5", "500.00", "2026-03-31"), inv("I2", "C5", "700.00", "2026-03-31"), inv("J", "C6", "900.00", "2026-03-31"))
		r := newRunner(t, s, "2026-03-25")
		var api []Step
		runDays(t, r, "2026-03-25", "2026-04-26", func(d ledger.Date) {
			switch d.String() {
			case "2026-04-03":
				_, rep, err := r.PlaceCustomerHold(t.Context(), "C5", CustomerHoldInput{Kind: "insolvency", Since: d, Published: d, Reason: "redressement judiciaire"}, "erp")
				if err != nil {
					t.Fatal(err)
				}
				api = append(api, rep.Steps...)
			case "2026-04-13":
				_, rep, err := r.LiftCustomerHolds(t.Context(), "C5", d, "plan de continuation", "erp")
				if err != nil {
					t.Fatal(err)
				}
				api = append(api, rep.Steps...)
			}
		})
		if g, want := gotOf(api), []got{{"2026-04-03", "I1", "pause", ""}, {"2026-04-03", "I2", "pause", ""},
			{"2026-04-13", "I1", "resume", "reminder_1"}, {"2026-04-13", "I2", "resume", "reminder_1"}}; !reflect.DeepEqual(g, want) {
			t.Fatalf("hold steps\n got %v\nwant %v", g, want)
		}
		evs := eventsOf(t, s, "I1")
		var call, r2 map[string]any
		for _, m := range evs {
			switch m["to"] {
			case "call":
				call = m
			case "reminder_2":
				r2 = m
			}
		}
		if call == nil || call["as_of"] != "2026-04-18" || r2 == nil || r2["as_of"] != "2026-04-25" || r2["indemnity"] != "0.00" {
			t.Errorf("after the hold: call %v, reminder_2 %v", call, r2)
		}
		for _, m := range eventsOf(t, s, "J") {
			if m["to"] == "reminder_2" && (m["indemnity"] != "40.00" || m["as_of"] != "2026-04-15") {
				t.Errorf("another customer's letter: %v", m)
			}
		}
		holds, err := r.CustomerHolds(t.Context(), "C5")
		if err != nil || len(holds) != 1 || holds[0].Until != day("2026-04-13") || holds[0].Kind != "insolvency" {
			t.Fatalf("holds %+v %v", holds, err)
		}
		// The hold is a row of its own, lifted once.
		stored, err := s.GetDunningHold(t.Context(), holds[0].ID)
		if err != nil || stored.LiftedOn != day("2026-04-13") || stored.LiftedBy != "erp" || stored.LiftNote != "plan de continuation" ||
			stored.Note != "redressement judiciaire" || stored.PlacedBy != "erp" {
			t.Fatalf("stored hold %+v %v", stored, err)
		}
		if _, _, err := r.LiftCustomerHolds(t.Context(), "C5", day("2026-04-20"), "", "erp"); !errors.Is(err, ledger.ErrNotFound) {
			t.Fatalf("lifting again: %v", err)
		}
	})
}

// TestDryRunStoresNothing: a dry run reports what a real run stores, and
// stores nothing.
func TestDryRunStoresNothing(t *testing.T) {
	engines.ForEach(t, "the dunning runner", func(t *testing.T, e engines.Engine) {
		s, _ := e.Open(t)
		importInvoices(t, s, inv("D1", "C7", "100.00", "2026-03-31"), inv("D2", "C7", "200.00", "2026-02-28"))
		r := newRunner(t, s, "2026-04-02")
		dry, err := r.Run(t.Context(), day("2026-04-02"), Options{DryRun: true, Explain: true})
		if err != nil {
			t.Fatal(err)
		}
		cs, err := s.ListDunningCases(t.Context(), ledger.DunningFilter{})
		if err != nil || len(cs) != 0 {
			t.Fatalf("dry run stored cases %+v %v", cs, err)
		}
		real, err := r.Run(t.Context(), day("2026-04-02"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(dry.Steps) == 0 || !reflect.DeepEqual(gotOf(dry.Steps), gotOf(real.Steps)) {
			t.Fatalf("dry %v, real %v", gotOf(dry.Steps), gotOf(real.Steps))
		}
		// First run after the due dates: the courtesy reminder lapses, then
		// one stage that acts per run, never skipped (D2 is 33 days late).
		if g := gotOf(real.Steps); !reflect.DeepEqual(g, []got{{"2026-04-02", "D1", "stage", "courtesy"}, {"2026-04-02", "D1", "stage", "reminder_1"},
			{"2026-04-02", "D2", "stage", "courtesy"}, {"2026-04-02", "D2", "stage", "reminder_1"}}) {
			t.Errorf("steps %v", g)
		}
	})
}

// TestConcurrentRunnersStoreOnce: two runners (two stores on one database
// on PostgreSQL) evaluating the same day at once store each transition
// once; the loser of a race evaluates again from the new state.
func TestConcurrentRunnersStoreOnce(t *testing.T) {
	engines.ForEach(t, "concurrent dunning runners", func(t *testing.T, e engines.Engine) {
		s1, reopen := e.Open(t)
		s2 := s1
		if e.Name == "postgres" {
			s2 = reopen()
		}
		var invs []ledger.Invoice
		for i := 0; i < 30; i++ {
			invs = append(invs, inv("K"+string(rune('A'+i/10))+string(rune('0'+i%10)), "C8", "100.00", "2026-03-31"))
		}
		importInvoices(t, s1, invs...)
		r1, r2 := newRunner(t, s1, "2026-04-01"), newRunner(t, s2, "2026-04-01")
		var wg sync.WaitGroup
		reps := make([]Report, 2)
		errs := make([]error, 2)
		for i, r := range []*Runner{r1, r2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				reps[i], errs[i] = r.Run(t.Context(), day("2026-04-01"), Options{})
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || len(reps[0].Failed)+len(reps[1].Failed) != 0 {
			t.Fatalf("runs: %v %v %v %v", errs[0], errs[1], reps[0].Failed, reps[1].Failed)
		}
		// Each invoice: courtesy lapsed and reminder_1, stored once.
		if n := len(reps[0].Steps) + len(reps[1].Steps); n != 60 {
			t.Errorf("%d steps stored in all, want 60 (conflicts %d + %d)", n, reps[0].Conflicts, reps[1].Conflicts)
		}
		for _, iv := range invs {
			h, err := s1.DunningHistory(t.Context(), iv.ID)
			if err != nil || len(h) != 2 {
				t.Errorf("history of %s: %d steps %v", iv.ID, len(h), err)
			}
		}
	})
}

// TestSchedulerOneReplicaPerTick: two schedulers on one PostgreSQL
// database (two processes' stores) waking for the same tick run it once.
func TestSchedulerOneReplicaPerTick(t *testing.T) {
	s1, reopen := engines.Postgres(t, "the dunning schedule across replicas")
	s2 := reopen()
	importInvoices(t, s1, inv("S1", "C9", "100.00", "2026-03-31"), inv("S2", "C9", "100.00", "2026-03-20"))
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	var scheds []*Scheduler
	var ms []*Metrics
	for _, s := range []ledger.Store{s1, s2} {
		r := newRunner(t, s, "2026-04-01")
		m, err := NewMetrics(prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
		sc, err := NewScheduler(r, s, "0 8 * * 1-5", paris, zerolog.Nop(), m)
		if err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, sc)
	}
	// 08:00 in Paris on Wednesday 1 April 2026 (UTC+2), seen by two
	// replicas a few milliseconds apart.
	tick := time.Date(2026, 4, 1, 6, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	ran := make([]bool, 2)
	reps := make([]Report, 2)
	for i, sc := range scheds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			ran[i], reps[i], err = sc.Tick(t.Context(), tick.Add(time.Duration(i)*7*time.Millisecond))
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ran[0] == ran[1] {
		t.Fatalf("ran = %v: want exactly one replica to run the tick", ran)
	}
	n := len(reps[0].Steps) + len(reps[1].Steps)
	if n == 0 || (reps[0].AsOf.String() != "2026-04-01" && reps[1].AsOf.String() != "2026-04-01") {
		t.Fatalf("the run: %+v %+v", reps[0], reps[1])
	}
	// Later, a replica waking late for the same tick does not run it again.
	for _, sc := range scheds {
		again, _, err := sc.Tick(t.Context(), tick.Add(30*time.Second))
		if err != nil || again {
			t.Fatalf("late tick ran=%v err=%v", again, err)
		}
	}
	var ok, skipped float64
	for _, m := range ms {
		ok += counterValue(t, m.runs.WithLabelValues("ok"))
		skipped += counterValue(t, m.runs.WithLabelValues("skipped"))
	}
	if ok != 1 || skipped != 3 {
		t.Errorf("runs metric: ok %v skipped %v, want 1 and 3", ok, skipped)
	}
	if got := scheds[0].Slot(tick); got != "2026-04-01T08:00" {
		t.Errorf("slot %q", got)
	}
	evs, err := s1.ListEvents(t.Context(), ledger.EventFilter{Type: ledger.EventDunningStageChanged})
	if err != nil || len(evs) != n {
		t.Fatalf("%d stage events for %d steps: %v", len(evs), n, err)
	}
}

// TestSchedulerRunsOnItsSchedule: the cron schedule fires real runs (dated
// today in the time zone) and stops when the daemon drains.
func TestSchedulerRunsOnItsSchedule(t *testing.T) {
	s, _ := engines.SQLite(t)
	today := dunningToday()
	importInvoices(t, s, inv("T", "C1", "100.00", today.AddDays(-5).String()))
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := NewScheduler(newRunner(t, s, today.String()), s, "@every 1s", time.UTC, zerolog.Nop(), m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewScheduler(newRunner(t, s, today.String()), s, "every day", time.UTC, zerolog.Nop(), nil); err == nil {
		t.Error("a bad cron spec was accepted")
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- sc.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		// The lapsed courtesy reminder, then reminder_1: two transitions.
		if c, err := s.GetDunningCase(t.Context(), "T"); err == nil && c.Stage == "reminder_1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no scheduled run reached reminder_1 within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the scheduler did not stop")
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// dunningToday is today's civil date in UTC, the schedule's zone here.
func dunningToday() ledger.Date { return ledger.DateOf(time.Now().UTC()) }

package dunning

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

func stepsString(ss []step) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.On + " " + s.To)
		if s.Lapsed {
			b.WriteString(" (lapsed)")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func wantSteps(t *testing.T, got []step, want ...string) {
	t.Helper()
	w := strings.Join(want, "\n")
	if len(want) > 0 {
		w += "\n"
	}
	if g := stepsString(got); g != w {
		t.Errorf("transitions:\n%s\nwant:\n%s", g, w)
	}
}

// TestScenarios runs each shipped scenario day by day over a quarter for an
// invoice of 1200.00 due on Monday 2025-03-31. The expected days are the
// policy's offsets worked out by hand (e.g. standard: J-3 = 03-28, J+1 =
// 04-01, J+8 = 04-08, J+15 = 04-15, J+30 = 04-30 with an 8-day deadline to
// 05-08, J+45 = 05-15).
func TestScenarios(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	tests := []struct {
		segment string
		want    []string
		route   Route
	}{
		{"standard", []string{"2025-03-28 courtesy", "2025-04-01 reminder_1", "2025-04-08 call", "2025-04-15 reminder_2",
			"2025-04-30 formal_notice", "2025-05-15 legal"}, RouteProcedureSimplifiee},
		{"", []string{"2025-03-28 courtesy", "2025-04-01 reminder_1", "2025-04-08 call", "2025-04-15 reminder_2",
			"2025-04-30 formal_notice", "2025-05-15 legal"}, RouteProcedureSimplifiee},
		// J-5 = 03-26, J+3 = 04-03, J+10, J+25, J+45 (15-day deadline to 05-30), J+75 = 06-14.
		{"strategic", []string{"2025-03-26 courtesy", "2025-04-03 call", "2025-04-10 reminder_1", "2025-04-25 reminder_2",
			"2025-05-15 formal_notice", "2025-06-14 legal"}, RouteProcedureSimplifiee},
		// J-7 = 03-24, J+1, J+4, J+8, J+15 (deadline 04-23), then 10 days after
		// the mise en demeure = 04-25.
		{"risky", []string{"2025-03-24 courtesy", "2025-04-01 reminder_1", "2025-04-04 call", "2025-04-08 reminder_2",
			"2025-04-15 formal_notice", "2025-04-25 legal"}, RouteProcedureSimplifiee},
		// No courtesy, J+1, J+15, J+30, J+45; no automatic hand-off.
		{"public_sector", []string{"2025-04-01 reminder_1", "2025-04-15 call", "2025-04-30 reminder_2",
			"2025-05-15 formal_notice"}, ""},
	}
	for _, tt := range tests {
		t.Run("segment "+tt.segment, func(t *testing.T) {
			t.Parallel()
			steps, c, ds := simulate(t, newCase("2025-03-31", "1200.00", tt.segment), p, "2025-03-01", "2025-06-30", nil, nil)
			wantSteps(t, steps, tt.want...)
			last := ds[len(ds)-1]
			if !last.Terminal || last.NextDue != (ledger.Date{}) {
				t.Errorf("final decision: Terminal %t NextDue %s, want terminal", last.Terminal, last.NextDue)
			}
			if len(c.History) != len(tt.want) {
				t.Errorf("history has %d entries, want %d", len(c.History), len(tt.want))
			}
			var route Route
			for _, d := range ds {
				for _, tr := range d.Transitions {
					if tr.Action == ActionLegalHandoff {
						route = tr.Route
					}
				}
			}
			if route != tt.route {
				t.Errorf("route %q, want %q", route, tt.route)
			}
		})
	}
}

// TestWeekdaysOnly evaluates only on weekdays, as the default schedule
// "0 8 * * 1-5" does: a stage due on a weekend is entered on Monday, and
// none is skipped. Invoice due Friday 2025-04-04: J+1 is Saturday 04-05 →
// Monday 04-07; J+8 Saturday 04-12 → 04-14; J+15 Saturday 04-19 → 04-21;
// J+30 Sunday 05-04 → 05-05 (deadline 05-13); J+45 Monday 05-19.
func TestWeekdaysOnly(t *testing.T) {
	t.Parallel()
	weekday := func(d ledger.Date) bool {
		wd := d.Time().Weekday()
		return wd != time.Saturday && wd != time.Sunday
	}
	steps, _, _ := simulate(t, newCase("2025-04-04", "1200.00", "standard"), defaultPolicy(t), "2025-03-01", "2025-06-30", weekday, nil)
	wantSteps(t, steps, "2025-04-01 courtesy", "2025-04-07 reminder_1", "2025-04-14 call", "2025-04-21 reminder_2",
		"2025-05-05 formal_notice", "2025-05-19 legal")
}

// TestDowntimeCatchUp: first evaluated on 2025-05-20, when every stage is
// overdue. The courtesy reminder lapses; then one stage per evaluation,
// spaced by min_days_between_stages (3), and the hand-off waits for the
// mise en demeure deadline (05-29 + 8 = 06-06, so 06-07). No stage skipped.
func TestDowntimeCatchUp(t *testing.T) {
	t.Parallel()
	steps, c, ds := simulate(t, newCase("2025-03-31", "1200.00", "standard"), defaultPolicy(t), "2025-05-20", "2025-06-30", nil, nil)
	wantSteps(t, steps, "2025-05-20 courtesy (lapsed)", "2025-05-20 reminder_1", "2025-05-23 call", "2025-05-26 reminder_2",
		"2025-05-29 formal_notice", "2025-06-07 legal")
	first := ds[0]
	if first.Transitions[0].Action != ActionNone || !strings.Contains(first.Transitions[0].Reason, "lapsed") {
		t.Errorf("lapsed transition = %+v", first.Transitions[0])
	}
	if r := first.Transitions[1].Reason; !strings.Contains(r, "4 later stage(s) also due") {
		t.Errorf("catch-up reason %q does not report the 4 overdue stages", r)
	}
	if first.NextStage != "call" || first.NextDue != day("2025-05-23") {
		t.Errorf("NextStage/NextDue = %s %s, want call 2025-05-23", first.NextStage, first.NextDue)
	}
	if !c.History[0].Lapsed || c.History[1].Lapsed {
		t.Errorf("history lapsed flags wrong: %+v", c.History)
	}
	if c.History[4].Deadline != day("2025-06-06") {
		t.Errorf("mise en demeure deadline %s, want 2025-06-06", c.History[4].Deadline)
	}
}

// TestMonthEnd: due 2025-01-31; J+30 is 03-02 (February has 28 days).
func TestMonthEnd(t *testing.T) {
	t.Parallel()
	steps, _, _ := simulate(t, newCase("2025-01-31", "1200.00", "standard"), defaultPolicy(t), "2025-01-15", "2025-03-31", nil, nil)
	wantSteps(t, steps, "2025-01-28 courtesy", "2025-02-01 reminder_1", "2025-02-08 call", "2025-02-15 reminder_2",
		"2025-03-02 formal_notice", "2025-03-17 legal")
}

// TestDaylightSaving evaluates at 00:30 Paris time every night across the
// spring (2026-03-29) and autumn (2025-10-26) clock changes. The civil date
// in Paris decides; at 00:30 Paris the UTC date is still the day before, so
// evaluating in UTC would be a day late.
func TestDaylightSaving(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation(DefaultTimeZone)
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	p := defaultPolicy(t)
	tests := []struct {
		due, first, last string
		changeDay        string
		want             []string
	}{
		{"2026-03-28", "2026-03-20", "2026-04-20", "2026-03-29",
			[]string{"2026-03-25 courtesy", "2026-03-29 reminder_1", "2026-04-05 call", "2026-04-12 reminder_2"}},
		{"2025-10-25", "2025-10-15", "2025-11-15", "2025-10-26",
			[]string{"2025-10-22 courtesy", "2025-10-26 reminder_1", "2025-11-02 call", "2025-11-09 reminder_2"}},
	}
	for _, tt := range tests {
		c := newCase(tt.due, "1200.00", "standard")
		var got []step
		for d := day(tt.first); !d.After(day(tt.last)); d = d.AddDays(1) {
			instant := time.Date(d.Year, d.Month, d.Day, 0, 30, 0, 0, paris)
			now := Today(instant, paris)
			if now != d {
				t.Fatalf("Today(%s) = %s, want %s", instant, now, d)
			}
			if utc := Today(instant, time.UTC); utc != d.AddDays(-1) {
				t.Fatalf("Today(%s, UTC) = %s, want the day before", instant, utc)
			}
			dec, err := Next(c, now, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range dec.Transitions {
				got = append(got, step{On: now.String(), To: tr.To})
			}
			c.History = append(c.History, dec.Entries()...)
		}
		wantSteps(t, got, tt.want...)
		// The day of the change has 23 or 25 hours; still one civil day.
		a := time.Date(day(tt.changeDay).Year, day(tt.changeDay).Month, day(tt.changeDay).Day, 0, 0, 0, 0, paris)
		b := a.AddDate(0, 0, 1)
		if h := b.Sub(a).Hours(); h == 24 {
			t.Errorf("%s is not a clock-change day in Paris", tt.changeDay)
		}
		if Today(b.Add(-time.Second), paris) != day(tt.changeDay) || Today(b, paris) != day(tt.changeDay).AddDays(1) {
			t.Errorf("Today around the end of %s is wrong", tt.changeDay)
		}
	}
}

// TestDisputePauseResume: a dispute on 04-05 pauses the case at
// reminder_1; time stands still while it lasts, so the case resumes where
// it was.
func TestDisputePauseResume(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	tests := []struct {
		name    string
		dispute Dispute
		want    []string
		lifted  string
	}{
		{
			// Closed 04-20: paused 04-05..04-19 = 15 days. Call (J+8 = 04-08)
			// → 04-23; reminder_2 04-15 → 04-30; J+30 → 05-15; J+45 → 05-30.
			name:    "closed",
			dispute: Dispute{ID: "D1", Reason: DisputeQuality, Opened: day("2025-04-05"), Closed: day("2025-04-20")},
			want: []string{"2025-03-28 courtesy", "2025-04-01 reminder_1", "2025-04-23 call", "2025-04-30 reminder_2",
				"2025-05-15 formal_notice", "2025-05-30 legal"},
			lifted: "2025-04-20",
		},
		{
			// Expires 04-12: paused 04-05..04-11 = 7 days: 04-15, 04-22,
			// 05-07, 05-22.
			name:    "expired",
			dispute: Dispute{ID: "D1", Reason: DisputePrice, Opened: day("2025-04-05"), Expires: day("2025-04-12")},
			want: []string{"2025-03-28 courtesy", "2025-04-01 reminder_1", "2025-04-15 call", "2025-04-22 reminder_2",
				"2025-05-07 formal_notice", "2025-05-22 legal"},
			lifted: "2025-04-12",
		},
		{
			// Closed before its expiry: the earlier end wins (04-20).
			name:    "closed before expiry",
			dispute: Dispute{ID: "D1", Reason: DisputeAdministrative, Opened: day("2025-04-05"), Expires: day("2025-05-05"), Closed: day("2025-04-20")},
			want: []string{"2025-03-28 courtesy", "2025-04-01 reminder_1", "2025-04-23 call", "2025-04-30 reminder_2",
				"2025-05-15 formal_notice", "2025-05-30 legal"},
			lifted: "2025-04-20",
		},
		{
			name:    "open",
			dispute: Dispute{ID: "D1", Reason: DisputeDelivery, Opened: day("2025-04-05")},
			want:    []string{"2025-03-28 courtesy", "2025-04-01 reminder_1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCase("2025-03-31", "1200.00", "standard")
			c.Disputes = []Dispute{tt.dispute}
			steps, _, ds := simulate(t, c, p, "2025-03-01", "2025-06-30", nil, nil)
			wantSteps(t, steps, tt.want...)
			var placed, lifted []string
			for _, d := range ds {
				for _, h := range d.Placed {
					placed = append(placed, d.AsOf.String()+" "+string(h.Reason)+" "+h.Ref)
				}
				for _, k := range d.Lifted {
					lifted = append(lifted, d.AsOf.String()+" "+string(k.Reason)+" "+k.Ref)
				}
				if !d.AsOf.Before(day("2025-04-05")) && (tt.lifted == "" || d.AsOf.Before(day(tt.lifted))) {
					if len(d.Holds) != 1 || d.Holds[0].Reason != HoldDispute || len(d.Transitions) != 0 {
						t.Errorf("%s: holds %+v transitions %+v, want held by the dispute", d.AsOf, d.Holds, d.Transitions)
					}
				}
			}
			if want := []string{"2025-04-05 dispute D1"}; !reflect.DeepEqual(placed, want) {
				t.Errorf("placed %v, want %v", placed, want)
			}
			var wantLifted []string
			if tt.lifted != "" {
				wantLifted = []string{tt.lifted + " dispute D1"}
			}
			if !reflect.DeepEqual(lifted, wantLifted) {
				t.Errorf("lifted %v, want %v", lifted, wantLifted)
			}
		})
	}
}

// TestLegalRoutes checks the route of the hand-off against the shipped
// rules: collection agency up to 300.00, procédure simplifiée up to
// 5000.00 principal + penalties when never disputed, injonction de payer
// when never disputed, assignation otherwise. Penalties at the hand-off
// (J+45, 45 days at 13.15 %) are amount × 0.1315 × 45 / 365.
func TestLegalRoutes(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	tests := []struct {
		amount   string
		disputed bool
		want     Route
	}{
		{"250.00", false, RouteCollectionAgency}, // 250 + 4.05 = 254.05
		{"250.00", true, RouteCollectionAgency},  // the agency takes disputed small claims too
		{"2000.00", false, RouteProcedureSimplifiee},
		{"2000.00", true, RouteAssignation},
		// 4950 × 0.1315 × 45 / 365 = 80.25: principal alone is under 5000,
		// principal + interest is not.
		{"4950.00", false, RouteInjonctionDePayer},
		{"4900.00", false, RouteProcedureSimplifiee}, // 4900 + 79.44 = 4979.44
		{"80000.00", false, RouteInjonctionDePayer},
		{"80000.00", true, RouteAssignation},
	}
	for _, tt := range tests {
		c := newCase("2025-03-31", tt.amount, "standard")
		c.History = []StageEntry{{Stage: "formal_notice", Entered: day("2025-04-30"), Deadline: day("2025-05-08")}}
		if tt.disputed {
			// A dispute long closed still counts: the claim was contested.
			c.Disputes = []Dispute{{ID: "D0", Reason: DisputePrice, Opened: day("2025-03-01"), Closed: day("2025-03-02")}}
		}
		d, err := Next(c, day("2025-05-15"), p)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Transitions) != 1 || d.Transitions[0].Route != tt.want {
			t.Errorf("%s disputed=%t: transitions %+v, want route %s", tt.amount, tt.disputed, d.Transitions, tt.want)
		}
	}
}

// TestPaymentPlans: a plan agreed on 04-10 for 3 × 400.00 due 04-30,
// 05-31 and 06-30, grace 5 days.
func TestPaymentPlans(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	plan := PaymentPlan{ID: "P1", Agreed: day("2025-04-10"), GraceDays: 5, Installments: []Installment{
		{day("2025-04-30"), eur("400.00")}, {day("2025-05-31"), eur("400.00")}, {day("2025-06-30"), eur("400.00")},
	}}
	pay := func(payments map[string]string) func(ledger.Date, *Case) {
		return func(now ledger.Date, c *Case) {
			if now == day("2025-04-10") {
				c.Plans = []PaymentPlan{plan}
			}
			if a, ok := payments[now.String()]; ok {
				c.Payments = append(c.Payments, Payment{Date: now, Amount: eur(a), Ref: "PAY-" + now.String()})
				open, _ := c.Invoice.Open.Add(ledger.Money{Minor: -eur(a).Minor, Currency: "EUR"})
				c.Invoice.Open = open
			}
		}
	}

	t.Run("kept", func(t *testing.T) {
		t.Parallel()
		// The second installment arrives on 06-03, within its grace (06-05).
		steps, _, ds := simulate(t, newCase("2025-03-31", "1200.00", "standard"), p, "2025-03-01", "2025-07-15", nil,
			pay(map[string]string{"2025-04-29": "400.00", "2025-06-03": "400.00", "2025-06-30": "400.00"}))
		wantSteps(t, steps, "2025-03-28 courtesy", "2025-04-01 reminder_1", "2025-04-08 call")
		var closed *Decision
		for i, d := range ds {
			if d.AsOf.After(day("2025-04-09")) && d.AsOf.Before(day("2025-06-30")) {
				if len(d.Holds) != 1 || d.Holds[0].Reason != HoldPaymentPlan {
					t.Fatalf("%s: holds %+v, want the plan", d.AsOf, d.Holds)
				}
			}
			if d.Close != nil {
				closed = &ds[i]
			}
		}
		if closed == nil || closed.AsOf != day("2025-06-30") {
			t.Fatalf("case not closed on 2025-06-30: %+v", closed)
		}
		// Outstanding 1200 on 04-01..04-29 (29 d), 800 on 04-30..06-03
		// (35 d), 400 on 06-04..06-30 (27 d), all at 13.15 %:
		// (34800 + 28000 + 10800) × 0.1315 / 365 = 9678.4 / 365 = 26.5162… → 26.52
		cl := closed.Close
		if cl.Reason != ClosePaid || cl.PaidOn != day("2025-06-30") || cl.DaysLate != 91 ||
			cl.Penalties != eur("26.52") || cl.Indemnity != eur("40.00") || cl.Disposition != DispositionReview {
			t.Errorf("closure = %+v", cl)
		}
		if !reflect.DeepEqual(closed.Lifted, []HoldKey{{HoldPaymentPlan, "P1"}}) {
			t.Errorf("closing lifts %v, want the plan hold", closed.Lifted)
		}
	})

	t.Run("broken", func(t *testing.T) {
		t.Parallel()
		// The second installment never comes: its grace ends 06-05, the plan
		// breaks on 06-06 and the case goes straight to the mise en demeure
		// (on_break_stage), on the 800.00 that remain. The hand-off: J+45
		// (05-15) + 57 days paused under the plan (04-10..06-05) = 07-11.
		steps, _, ds := simulate(t, newCase("2025-03-31", "1200.00", "standard"), p, "2025-03-01", "2025-07-31", nil,
			pay(map[string]string{"2025-04-29": "400.00"}))
		wantSteps(t, steps, "2025-03-28 courtesy", "2025-04-01 reminder_1", "2025-04-08 call",
			"2025-06-06 formal_notice", "2025-07-11 legal")
		for _, d := range ds {
			if d.AsOf != day("2025-06-06") {
				continue
			}
			tr := d.Transitions[0]
			if tr.From != "call" || tr.Deadline != day("2025-06-14") || tr.Letter.AmountDue != eur("800.00") {
				t.Errorf("break transition = %+v", tr)
			}
			if !strings.Contains(tr.Reason, "payment plan P1 broken on 2025-06-06: installment 2 of 400.00 due 2025-05-31") ||
				!strings.Contains(tr.Reason, "paid 400.00 of 800.00") {
				t.Errorf("reason %q", tr.Reason)
			}
			if !reflect.DeepEqual(d.Lifted, []HoldKey{{HoldPaymentPlan, "P1"}}) {
				t.Errorf("lifted %v, want the plan", d.Lifted)
			}
		}
	})

	t.Run("broken past the break stage", func(t *testing.T) {
		t.Parallel()
		// Already at the hand-off: a broken plan never moves a case back.
		c := newCase("2025-03-31", "800.00", "standard")
		c.History = []StageEntry{{Stage: "legal", Entered: day("2025-04-09")}}
		c.Plans = []PaymentPlan{plan}
		d, err := Next(c, day("2025-06-10"), p)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Transitions) != 0 || len(d.Holds) != 0 || !d.Terminal {
			t.Errorf("decision = %+v, want terminal with nothing to do", d)
		}
	})
}

// TestPartialPayment: 500.00 paid on 04-18 changes neither the stage nor
// the schedule (no restart, no skip), only the amounts.
func TestPartialPayment(t *testing.T) {
	t.Parallel()
	change := func(now ledger.Date, c *Case) {
		if now == day("2025-04-20") { // lettered two days after the payment
			c.Payments = []Payment{{Date: day("2025-04-18"), Amount: eur("500.00")}}
			c.Invoice.Open = eur("700.00")
			c.Invoice.Status = ledger.InvoicePartiallyPaid
		}
	}
	steps, _, ds := simulate(t, newCase("2025-03-31", "1200.00", "standard"), defaultPolicy(t), "2025-03-01", "2025-06-30", nil, change)
	wantSteps(t, steps, "2025-03-28 courtesy", "2025-04-01 reminder_1", "2025-04-08 call", "2025-04-15 reminder_2",
		"2025-04-30 formal_notice", "2025-05-15 legal")
	for _, d := range ds {
		if d.AsOf != day("2025-04-30") {
			continue
		}
		// 1200 on 04-01..04-18 (18 d), 700 on 04-19..04-30 (12 d), 13.15 %:
		// (21600 + 8400) × 0.1315 / 365 = 3945 / 365 = 10.8082… → 10.81
		l := d.Transitions[0].Letter
		if l.AmountDue != eur("700.00") || l.Amount != eur("1200.00") || l.Penalties != eur("10.81") ||
			l.Indemnity != eur("40.00") || l.Total != eur("750.81") || l.DaysLate != 30 || l.Rate != pct("13.15") {
			t.Errorf("letter = %+v", l)
		}
	}
}

// TestReversalReopens: paid in full on 04-10 (closed, penalties and
// indemnity kept for a decision), then the lettrage is reversed on 04-25:
// the case reopens at the call stage and walks on from there.
func TestReversalReopens(t *testing.T) {
	t.Parallel()
	change := func(now ledger.Date, c *Case) {
		switch now {
		case day("2025-04-10"):
			c.Payments = []Payment{{Date: now, Amount: eur("1200.00"), Ref: "M1"}}
			c.Invoice.Open = eur("0.00")
			c.Invoice.Status = ledger.InvoicePaid
		case day("2025-04-25"):
			c.Payments = nil
			c.Invoice.Open = eur("1200.00")
			c.Invoice.Status = ledger.InvoiceOpen
		}
	}
	steps, c, ds := simulate(t, newCase("2025-03-31", "1200.00", "standard"), defaultPolicy(t), "2025-03-01", "2025-06-30", nil, change)
	wantSteps(t, steps, "2025-03-28 courtesy", "2025-04-01 reminder_1", "2025-04-08 call", "2025-04-25 reminder_2",
		"2025-04-30 formal_notice", "2025-05-15 legal")
	if c.Closed {
		t.Error("case still closed")
	}
	for _, d := range ds {
		switch {
		case d.AsOf == day("2025-04-10"):
			// 10 days late × 1200 × 0.1315 / 365 = 1578 / 365 = 4.323… → 4.32
			if d.Close == nil || d.Close.Penalties != eur("4.32") || d.Close.Indemnity != eur("40.00") || d.Close.Disposition != DispositionReview {
				t.Errorf("closure on 04-10 = %+v", d.Close)
			}
		case d.AsOf.After(day("2025-04-10")) && d.AsOf.Before(day("2025-04-25")):
			if d.Close != nil || len(d.Transitions) != 0 || d.Reopen {
				t.Errorf("%s: a closed case must stay quiet: %+v", d.AsOf, d)
			}
		case d.AsOf == day("2025-04-25"):
			if !d.Reopen || len(d.Transitions) != 1 || d.Transitions[0].From != "call" {
				t.Errorf("reopening = %+v", d)
			}
			ls := d.Lines(false)
			if len(ls) != 1 || !strings.HasPrefix(ls[0].Reason, "reopened") {
				t.Errorf("reopen lines = %+v", ls)
			}
		}
	}
}

// TestPendingPayment: a sign that the invoice may be paid holds escalation
// for the grace period (5 days), then dunning resumes.
func TestPendingPayment(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"proposal", "unmatched credit"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			c := newCase("2025-03-31", "1200.00", "standard")
			sig := []Signal{{Ref: "TX-9", Seen: day("2025-04-14")}}
			if kind == "proposal" {
				c.PendingProposals = sig
			} else {
				c.UnmatchedCredits = sig
			}
			// reminder_2 (04-15) waits until 04-19; the rest keeps its days.
			steps, _, ds := simulate(t, c, defaultPolicy(t), "2025-03-01", "2025-06-30", nil, nil)
			wantSteps(t, steps, "2025-03-28 courtesy", "2025-04-01 reminder_1", "2025-04-08 call", "2025-04-19 reminder_2",
				"2025-04-30 formal_notice", "2025-05-15 legal")
			for _, d := range ds {
				if d.AsOf == day("2025-04-14") && (len(d.Placed) != 1 || d.Placed[0].Reason != HoldPendingPayment || d.Placed[0].Until != day("2025-04-19")) {
					t.Errorf("placed on 04-14 = %+v", d.Placed)
				}
				if d.AsOf == day("2025-04-19") && !reflect.DeepEqual(d.Lifted, []HoldKey{{HoldPendingPayment, "TX-9"}}) {
					t.Errorf("lifted on 04-19 = %+v", d.Lifted)
				}
			}
		})
	}
}

// TestCustomerHold: insolvency proceedings stop dunning and forbid the 40 €
// indemnity, even once the hold is lifted; a manual hold only pauses.
func TestCustomerHold(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)

	t.Run("insolvency", func(t *testing.T) {
		t.Parallel()
		c := newCase("2025-03-31", "1200.00", "standard")
		c.CustomerHolds = []CustomerHold{{ID: "H1", Kind: HoldInsolvency, Since: day("2025-04-03"), Published: day("2025-04-05"), Reason: "redressement judiciaire"}}
		steps, _, ds := simulate(t, c, p, "2025-03-01", "2025-06-30", nil, nil)
		wantSteps(t, steps, "2025-03-28 courtesy", "2025-04-01 reminder_1")
		last := ds[len(ds)-1]
		if len(last.Holds) != 1 || last.Holds[0].Reason != HoldCustomer || !strings.Contains(last.Holds[0].Detail, "declare the claim by 2025-06-05") {
			t.Errorf("holds = %+v", last.Holds)
		}
	})

	t.Run("insolvency lifted", func(t *testing.T) {
		t.Parallel()
		c := newCase("2025-03-31", "1200.00", "standard")
		c.CustomerHolds = []CustomerHold{{ID: "H1", Kind: HoldInsolvency, Since: day("2025-04-03"), Until: day("2025-04-10")}}
		// Paused 04-03..04-09 = 7 days: call 04-15, reminder_2 04-22, …
		steps, _, ds := simulate(t, c, p, "2025-03-01", "2025-06-30", nil, nil)
		wantSteps(t, steps, "2025-03-28 courtesy", "2025-04-01 reminder_1", "2025-04-15 call", "2025-04-22 reminder_2",
			"2025-05-07 formal_notice", "2025-05-22 legal")
		for _, d := range ds {
			for _, tr := range d.Transitions {
				if tr.Letter.Indemnity.Minor != 0 {
					t.Errorf("%s %s claims an indemnity of %s from a customer in collective proceedings", d.AsOf, tr.To, tr.Letter.Indemnity)
				}
			}
		}
		// Paid late after the proceedings: penalties yes, indemnity no.
		c.Payments = []Payment{{Date: day("2025-05-01"), Amount: eur("1200.00")}}
		c.Invoice.Open = eur("0.00")
		d, err := Next(c, day("2025-05-02"), p)
		if err != nil {
			t.Fatal(err)
		}
		if d.Close == nil || d.Close.Indemnity.Minor != 0 || d.Close.Penalties.Minor == 0 {
			t.Errorf("closure = %+v", d.Close)
		}
	})

	t.Run("manual", func(t *testing.T) {
		t.Parallel()
		c := newCase("2025-03-31", "1200.00", "standard")
		c.CustomerHolds = []CustomerHold{{ID: "H2", Kind: HoldManual, Since: day("2025-04-03"), Until: day("2025-04-10")}}
		_, _, ds := simulate(t, c, p, "2025-03-01", "2025-06-30", nil, nil)
		for _, d := range ds {
			for _, tr := range d.Transitions {
				if tr.Letter.DaysLate > 0 && tr.Letter.Indemnity != eur("40.00") {
					t.Errorf("%s: indemnity %s, want 40.00", tr.To, tr.Letter.Indemnity)
				}
			}
		}
	})
}

// TestOffsetsFromPreviousStage: stages counted from the previous one follow
// the day it was actually entered, and a mise en demeure's deadline always
// passes before the next stage.
func TestOffsetsFromPreviousStage(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	p.Scenarios = map[string]Scenario{
		"chain": {Stages: []Stage{
			{ID: "reminder_1", OffsetDays: 1, From: FromDueDate, Action: ActionEmail},
			{ID: "call", OffsetDays: 5, From: FromPreviousStage, Action: ActionPhoneTask},
			{ID: "formal_notice", OffsetDays: 10, From: FromPreviousStage, Action: ActionRegisteredLetter, DeadlineDays: 15},
			{ID: "legal", OffsetDays: 31, From: FromDueDate, Action: ActionLegalHandoff},
		}},
	}
	p.DefaultScenario = "chain"
	p.Segments = nil
	p.PaymentPlans.OnBreakStage = ""
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	c := newCase("2025-03-31", "1200.00", "")
	// A pending payment holds 04-05..04-09: the call (nominal 04-06) comes
	// on 04-10 (a pending payment is a wait, not a pause: it does not move
	// the schedule, only gates it); the mise en demeure 10 days after the
	// call: 04-20, deadline 05-05; the hand-off (J+31 = 05-01) waits for
	// the deadline to pass: 05-06.
	c.UnmatchedCredits = []Signal{{Ref: "TX-1", Seen: day("2025-04-05")}}
	steps, _, ds := simulate(t, c, p, "2025-03-01", "2025-06-30", nil, nil)
	wantSteps(t, steps, "2025-04-01 reminder_1", "2025-04-10 call", "2025-04-20 formal_notice", "2025-05-06 legal")
	for _, d := range ds {
		if d.AsOf == day("2025-04-20") && d.NextDue != day("2025-05-06") {
			t.Errorf("after the mise en demeure NextDue = %s, want 2025-05-06", d.NextDue)
		}
	}
}

func TestOverrides(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	tests := []struct {
		name                       string
		segment, customer, invoice string
		want                       string
		wantErr                    bool
	}{
		{"segment", "risky", "", "", "risky", false},
		{"no segment", "", "", "", "standard", false},
		{"customer override beats segment", "risky", "public_sector", "", "public_sector", false},
		{"invoice override beats customer", "risky", "public_sector", "strategic", "strategic", false},
		{"unknown segment", "vip", "", "", "", true},
		{"unknown override", "", "", "nope", "", true},
	}
	for _, tt := range tests {
		c := newCase("2025-03-31", "1200.00", tt.segment)
		c.CustomerScenario, c.Scenario = tt.customer, tt.invoice
		d, err := Next(c, day("2025-04-01"), p)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v, wantErr %t", tt.name, err, tt.wantErr)
			continue
		}
		if err != nil {
			if !errors.Is(err, ledger.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", tt.name, err)
			}
			continue
		}
		if d.Scenario != tt.want {
			t.Errorf("%s: scenario %q, want %q", tt.name, d.Scenario, tt.want)
		}
	}
}

func TestSmallCasesAndClosing(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)

	t.Run("below minimum", func(t *testing.T) {
		c := newCase("2025-03-31", "1200.00", "standard")
		c.Invoice.Open = eur("3.00")
		d, err := Next(c, day("2025-04-20"), p)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Holds) != 1 || d.Holds[0].Reason != HoldBelowMinimum || len(d.Transitions) != 0 {
			t.Errorf("decision = %+v", d)
		}
	})
	t.Run("paid on time", func(t *testing.T) {
		c := newCase("2025-03-31", "1200.00", "standard")
		c.History = []StageEntry{{Stage: "courtesy", Entered: day("2025-03-28")}}
		c.Payments = []Payment{{Date: day("2025-03-31"), Amount: eur("1200.00")}}
		c.Invoice.Open = eur("0.00")
		d, err := Next(c, day("2025-04-02"), p)
		if err != nil {
			t.Fatal(err)
		}
		if d.Close == nil || d.Close.Penalties.Minor != 0 || d.Close.Indemnity.Minor != 0 || d.Close.Disposition != "" || len(d.Transitions) != 0 {
			t.Errorf("closure = %+v", d.Close)
		}
		ls := d.Lines(false)
		if len(ls) != 1 || ls[0].Action != "close" || *ls[0].To != StageClosed || *ls[0].From != "courtesy" {
			t.Errorf("lines = %+v", ls)
		}
	})
	t.Run("paid, date unknown", func(t *testing.T) {
		c := newCase("2025-03-31", "1200.00", "standard")
		c.Invoice.Open = eur("0.00")
		d, err := Next(c, day("2025-05-02"), p)
		if err != nil {
			t.Fatal(err)
		}
		if d.Close == nil || d.Close.Disposition != DispositionReview {
			t.Errorf("closure = %+v, want review", d.Close)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		c := newCase("2025-03-31", "1200.00", "standard")
		c.Invoice.Status = ledger.InvoiceCancelled
		c.ActiveHolds = []HoldKey{{HoldDispute, "D1"}}
		d, err := Next(c, day("2025-05-02"), p)
		if err != nil {
			t.Fatal(err)
		}
		if d.Close == nil || d.Close.Reason != CloseCancelled || len(d.Lifted) != 1 {
			t.Errorf("decision = %+v", d)
		}
		c.Closed = true
		if d, _ := Next(c, day("2025-05-03"), p); d.Close != nil {
			t.Errorf("closed twice: %+v", d.Close)
		}
	})
	t.Run("terminal", func(t *testing.T) {
		c := newCase("2025-03-31", "1200.00", "standard")
		c.History = []StageEntry{{Stage: "legal", Entered: day("2025-05-15")}}
		d, err := Next(c, day("2025-06-15"), p)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Terminal || len(d.Transitions) != 0 || !d.NextDue.IsZero() {
			t.Errorf("decision = %+v", d)
		}
	})
	t.Run("courtesy before the due date", func(t *testing.T) {
		c := newCase("2025-03-31", "1200.00", "standard")
		d, err := Next(c, day("2025-03-28"), p)
		if err != nil {
			t.Fatal(err)
		}
		l := d.Transitions[0].Letter
		if d.Transitions[0].Action != ActionEmail || l.Penalties != eur("0.00") || l.Indemnity != eur("0.00") || l.DaysLate != 0 || l.Total != eur("1200.00") {
			t.Errorf("courtesy = %+v", d.Transitions[0])
		}
		if d.NextStage != "reminder_1" || d.NextDue != day("2025-04-01") {
			t.Errorf("next = %s %s", d.NextStage, d.NextDue)
		}
	})
}

func TestNextErrors(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	tests := []struct {
		name   string
		mutate func(*Case)
		now    string
		target error
	}{
		{"as-of before the last stage change", func(c *Case) {
			c.History = []StageEntry{{Stage: "reminder_1", Entered: day("2025-04-01")}}
		}, "2025-03-31", ledger.ErrInvalid},
		{"stage not in the scenario", func(c *Case) {
			c.History = []StageEntry{{Stage: "relance_3", Entered: day("2025-04-01")}}
		}, "2025-04-02", ledger.ErrInvalid},
		{"history out of order", func(c *Case) {
			c.History = []StageEntry{{Stage: "courtesy", Entered: day("2025-04-02")}, {Stage: "reminder_1", Entered: day("2025-04-01")}}
		}, "2025-04-03", ledger.ErrInvalid},
		{"invoice in another currency", func(c *Case) {
			c.Invoice.Amount = ledger.Money{Minor: 100, Currency: "USD"}
			c.Invoice.Open = c.Invoice.Amount
		}, "2025-04-02", ledger.ErrCurrencyMismatch},
		{"payment in another currency", func(c *Case) {
			c.Payments = []Payment{{Date: day("2025-04-01"), Amount: ledger.Money{Minor: 1, Currency: "CHF"}}}
		}, "2025-04-02", ledger.ErrCurrencyMismatch},
		{"no due date", func(c *Case) { c.Invoice.DueDate = ledger.Date{} }, "2025-04-02", ledger.ErrInvalid},
		{"bad dispute reason", func(c *Case) {
			c.Disputes = []Dispute{{ID: "D", Reason: "mood", Opened: day("2025-04-01")}}
		}, "2025-04-02", ledger.ErrInvalid},
		{"plan without installments", func(c *Case) {
			c.Plans = []PaymentPlan{{ID: "P", Agreed: day("2025-04-01")}}
		}, "2025-04-02", ledger.ErrInvalid},
		{"plan with a negative installment", func(c *Case) {
			c.Plans = []PaymentPlan{{ID: "P", Agreed: day("2025-04-01"), Installments: []Installment{{day("2025-05-01"), eur("-1.00")}}}}
		}, "2025-04-02", ledger.ErrInvalid},
	}
	for _, tt := range tests {
		c := newCase("2025-03-31", "1200.00", "standard")
		tt.mutate(&c)
		_, err := Next(c, day(tt.now), p)
		if !errors.Is(err, tt.target) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.target)
		}
	}
	// A letter in a half-year without a rate row still goes out: the stage
	// moves, the penalties are marked unavailable, never guessed.
	c0 := newCase("2026-06-20", "1200.00", "standard")
	c0.History = []StageEntry{{Stage: "courtesy", Entered: day("2026-06-17")}}
	d0, err := Next(c0, day("2026-07-01"), p)
	if err != nil {
		t.Fatalf("letter in a half-year with no rate: %v", err)
	}
	if len(d0.Transitions) != 1 {
		t.Fatalf("transitions = %+v", d0.Transitions)
	}
	l0 := d0.Transitions[0].Letter
	if d0.Transitions[0].To != "reminder_1" || l0.PenaltiesUnavailable != "unavailable: no rate for period 2026-H2" ||
		l0.Penalties != eur("0.00") || l0.Rate != 0 || l0.Indemnity != eur("40.00") || l0.Total != eur("1240.00") {
		t.Errorf("letter without a rate = %+v", l0)
	}
	if ln := d0.Lines(false); len(ln) != 1 || ln[0].PenaltiesNote != l0.PenaltiesUnavailable {
		t.Errorf("run lines = %+v", ln)
	}
	// Paid in full in 2026-H2: closed, penalties unavailable, a human decides.
	paid := c0
	paid.Invoice.Open = eur("0.00")
	paid.Invoice.Status = ledger.InvoicePaid
	paid.Payments = []Payment{{Date: day("2026-07-10"), Amount: eur("1200.00")}}
	dp, err := Next(paid, day("2026-07-11"), p)
	if err != nil {
		t.Fatalf("closing in a half-year with no rate: %v", err)
	}
	if dp.Close == nil || dp.Close.Disposition != DispositionReview || dp.Close.PenaltiesUnavailable == "" || dp.Close.Indemnity != eur("40.00") {
		t.Errorf("closure without a rate = %+v", dp.Close)
	}
	// A held case needs no rate: no letter goes out.
	c := newCase("2026-06-20", "1200.00", "standard")
	c.Disputes = []Dispute{{ID: "D", Reason: DisputeOther, Opened: day("2026-06-25")}}
	d, err := Next(c, day("2026-07-01"), p)
	if err != nil {
		t.Fatalf("held case in a half-year with no rate: %v", err)
	}
	if d.AccruedKnown || !strings.Contains(d.Lines(true)[0].Reason, "penalties unknown: ") || d.AccruedNote != "unavailable: no rate for period 2026-H2" {
		t.Errorf("held decision = %+v", d)
	}
}

// TestDeterministic: Next gives the same decision for the same inputs and
// never changes the case it is given.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	build := func() Case {
		c := newCase("2025-03-31", "1200.00", "standard")
		c.History = []StageEntry{{Stage: "courtesy", Entered: day("2025-03-28")}, {Stage: "reminder_1", Entered: day("2025-04-01")}}
		c.Payments = []Payment{{Date: day("2025-04-20"), Amount: eur("100.00")}, {Date: day("2025-04-02"), Amount: eur("100.00")}}
		c.Invoice.Open = eur("1000.00")
		c.Disputes = []Dispute{{ID: "D1", Reason: DisputePrice, Opened: day("2025-04-03"), Closed: day("2025-04-06")}}
		c.Plans = []PaymentPlan{{ID: "P", Agreed: day("2025-04-07"), Cancelled: day("2025-04-09"), Installments: []Installment{
			{day("2025-05-30"), eur("500.00")}, {day("2025-04-30"), eur("500.00")}}}}
		c.ActiveHolds = []HoldKey{{HoldPaymentPlan, "P"}}
		return c
	}
	c := build()
	a, errA := Next(c, day("2025-05-20"), p)
	b, errB := Next(c, day("2025-05-20"), p)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two evaluations differ:\n%+v\n%+v", a, b)
	}
	if !reflect.DeepEqual(c, build()) {
		t.Error("Next changed its input case")
	}
	if len(a.Transitions) != 1 || a.Transitions[0].To != "call" || !reflect.DeepEqual(a.Lifted, []HoldKey{{HoldPaymentPlan, "P"}}) {
		t.Errorf("decision = %+v", a)
	}
}

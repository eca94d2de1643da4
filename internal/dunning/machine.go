package dunning

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Next decides what should happen to case c on day now (the civil date in
// the dunning time zone, see Today) under policy p, which must be valid.
// It is a pure, deterministic function of its inputs: it recomputes
// everything from the case's dates every time and never depends on when it
// last ran.
//
// The rules, in order:
//
//  1. A cancelled invoice closes (nothing accrued is claimed). An invoice
//     whose open amount is zero closes, with the penalties and indemnity
//     accrued up to its last payment and the policy's disposition for them
//     (never dropped silently). A closed case whose invoice is open again (a
//     reversed lettrage) reopens at the stage it had and is evaluated on.
//  2. Holds: a customer hold, an open dispute (until closed or expired), a
//     payment plan being kept, a pending payment within the grace period,
//     an open amount below the minimum. Any hold means no transition; the
//     decision lists them, with those newly placed and those lifted since
//     the recorded ActiveHolds.
//  3. A broken payment plan (the latest plan) moves the case to the
//     policy's on_break_stage if it is further on, in one transition.
//  4. Otherwise the next stage is entered once it is due. Its day is its
//     offset from the due date or from the day the previous stage was
//     entered, pushed back by the days the case was paused (disputes,
//     plans, customer holds) after that anchor (and after the due date), so
//     a case resumes where it was: time stands still during a pause. A
//     pending payment or an amount below the minimum only waits: it gates
//     the stage without moving the schedule. The day is also never less
//     than min_days_between_stages after the previous stage, nor before the
//     payment deadline of a mise en demeure has passed.
//
// Catch-up rule (Kill Bill #2297): at most one stage that acts is entered
// per evaluation, never more, so a case several stages behind after
// downtime walks through every stage, one per run, spaced by
// min_days_between_stages; no stage is ever skipped. The one exception is a
// stage marked only_before_due reached after the due date: it lapses
// (recorded as a transition with action none, nothing sent) and the next
// stage is considered in the same evaluation.
//
// Partial payments change the amounts, never the stage or the schedule,
// which counts from the invoice's own due date.
func Next(c Case, now ledger.Date, p Policy) (Decision, error) {
	inv := c.Invoice
	d := Decision{InvoiceID: inv.ID, CustomerID: inv.CustomerID, AsOf: now, Stage: c.Stage(), AmountDue: inv.Open}
	fail := func(err error) (Decision, error) {
		return Decision{}, fmt.Errorf("dunning %s on %s: %w", inv.ID, now, err)
	}
	if err := checkCase(c, now, p); err != nil {
		return fail(err)
	}
	sc, err := p.ScenarioFor(c)
	if err != nil {
		return fail(err)
	}
	d.Scenario = sc.Name
	cur := -1
	entry, started := c.Current()
	if started {
		if cur = sc.index(entry.Stage); cur < 0 {
			return fail(fmt.Errorf("current stage %q is not in scenario %q: %w", entry.Stage, sc.Name, ledger.ErrInvalid))
		}
	}
	terms := p.lateFees(sc)

	switch {
	case inv.Status == ledger.InvoiceCancelled:
		d.Lifted = c.ActiveHolds
		if !c.Closed {
			d.Close = &Closure{Reason: CloseCancelled, Note: "invoice cancelled by the accounting system"}
		}
		return d, nil
	case inv.Open.Minor <= 0:
		d.Lifted = c.ActiveHolds
		if !c.Closed {
			cl, err := closure(c, terms, p)
			if err != nil {
				return fail(err)
			}
			d.Close = &cl
		}
		return d, nil
	}
	d.Reopen = c.Closed

	// What is accrued to date, for reports and held cases; a missing rate
	// row only matters when a letter goes out (enter fails then).
	if pen, err := accrued(c, now, terms, p.Rates); err == nil {
		d.Penalties, d.AccruedKnown = pen, true
		d.Indemnity = Indemnity(terms.Indemnity, inv.DueDate, now, c.IndemnityForbidden())
	} else if !errors.Is(err, ErrMissingRate) {
		return fail(err)
	} else {
		d.AccruedNote = PenaltiesUnavailable(err)
		d.Indemnity = Indemnity(terms.Indemnity, inv.DueDate, now, c.IndemnityForbidden())
	}

	d.Holds = holdsOn(c, now, p)
	d.Placed, d.Lifted = diffHolds(c.ActiveHolds, d.Holds)
	if len(d.Holds) > 0 {
		return d, nil
	}

	pauses := pauseIntervals(c, now, p)
	m := machine{c: c, now: now, p: p, sc: sc, terms: terms, pauses: pauses}

	if j, reason, ok := m.planBreak(cur); ok {
		t, err := m.enter(cur, j, now, reason)
		if err != nil {
			return fail(err)
		}
		d.Transitions = append(d.Transitions, t)
		d.Stage = t.To
		d.NextStage, d.NextDue = m.following(j, t)
		d.Terminal = j == len(sc.Stages)-1
		return d, nil
	}

	var prev *StageEntry
	if started {
		prev = &entry
	}
	for k := cur + 1; k < len(sc.Stages); k++ {
		st := sc.Stages[k]
		due, why := m.dueDay(k, prev)
		if now.Before(due) {
			d.NextStage, d.NextDue = st.ID, due
			break
		}
		from := ""
		if k > 0 {
			from = sc.Stages[k-1].ID
		}
		if st.OnlyBeforeDue && now.After(inv.DueDate) {
			t := Transition{From: from, To: st.ID, Action: ActionNone, Lapsed: true, DueSince: due,
				Reason: fmt.Sprintf("%s lapsed: meant for before the due date %s, reached on %s; not sent", st.ID, inv.DueDate, now)}
			d.Transitions = append(d.Transitions, t)
			prev = &StageEntry{Stage: st.ID, Entered: now, Lapsed: true}
			continue
		}
		reason := fmt.Sprintf("%s due since %s (%s)", st.ID, due, why)
		if n := m.behind(k); n > 0 {
			reason += fmt.Sprintf("; %d later stage(s) also due, entered one per evaluation", n)
		}
		t, err := m.enter(k-1, k, due, reason)
		if err != nil {
			return fail(err)
		}
		d.Transitions = append(d.Transitions, t)
		d.NextStage, d.NextDue = m.following(k, t)
		break
	}
	if n := len(d.Transitions); n > 0 {
		d.Stage = d.Transitions[n-1].To
	}
	d.Terminal = d.Stage != "" && sc.index(d.Stage) == len(sc.Stages)-1
	return d, nil
}

// machine holds what one evaluation of Next works with.
type machine struct {
	c      Case
	now    ledger.Date
	p      Policy
	sc     Scenario
	terms  LateFeeTerms
	pauses [][2]ledger.Date
}

// dueDay returns the day stage k becomes due given the entry of the stage
// before it (nil when none), and why, in words.
func (m machine) dueDay(k int, prev *StageEntry) (ledger.Date, string) {
	st := m.sc.Stages[k]
	dueDate := m.c.Invoice.DueDate
	var nominal ledger.Date
	var why []string
	if st.From == FromPreviousStage && prev != nil {
		nominal = prev.Entered.AddDays(st.OffsetDays)
		why = append(why, fmt.Sprintf("previous stage entered %s %+d days", prev.Entered, st.OffsetDays))
	} else {
		nominal = dueDate.AddDays(st.OffsetDays)
		why = append(why, fmt.Sprintf("due date %s %+d days", dueDate, st.OffsetDays))
	}
	// Days paused after the anchor do not count (only days after the due
	// date, when the customer is late): the least day D with
	// D = nominal + paused(start, D].
	start := dueDate
	if st.From == FromPreviousStage && prev != nil && prev.Entered.After(start) {
		start = prev.Entered
	}
	day := nominal
	for {
		upTo := day
		if m.now.Before(upTo) {
			upTo = m.now
		}
		next := nominal.AddDays(pausedDays(m.pauses, start, upTo))
		if next == day {
			break
		}
		day = next
	}
	if n := day.DaysSince(nominal); n > 0 {
		why = append(why, fmt.Sprintf("+%d paused days", n))
	}
	if prev != nil && !prev.Lapsed {
		if g := prev.Entered.AddDays(m.p.MinDaysBetweenStages); g.After(day) {
			day = g
			why = append(why, fmt.Sprintf("at least %d days after the previous stage", m.p.MinDaysBetweenStages))
		}
		if i := m.sc.index(prev.Stage); i >= 0 && m.sc.Stages[i].Action == ActionRegisteredLetter {
			deadline := prev.Deadline
			if deadline.IsZero() {
				deadline = prev.Entered.AddDays(m.sc.Stages[i].DeadlineDays)
			}
			if after := deadline.AddDays(1); after.After(day) {
				day = after
				why = append(why, fmt.Sprintf("after the mise en demeure deadline %s", deadline))
			}
		}
	}
	return day, strings.Join(why, ", ")
}

// behind counts the stages after k, counted from the due date, that are
// already due too (a backlog after downtime).
func (m machine) behind(k int) int {
	n := 0
	for _, st := range m.sc.Stages[k+1:] {
		if st.From == FromDueDate && !m.now.Before(m.c.Invoice.DueDate.AddDays(st.OffsetDays)) {
			n++
		}
	}
	return n
}

// following returns the stage after k and the day it becomes due once the
// transition t is applied today.
func (m machine) following(k int, t Transition) (string, ledger.Date) {
	if k+1 >= len(m.sc.Stages) {
		return "", ledger.Date{}
	}
	e := StageEntry{Stage: t.To, Entered: m.now, Deadline: t.Deadline}
	day, _ := m.dueDay(k+1, &e)
	return m.sc.Stages[k+1].ID, day
}

// planBreak reports whether the latest payment plan is broken and the case
// must go to the policy's on_break_stage (index j, further than cur).
func (m machine) planBreak(cur int) (j int, reason string, ok bool) {
	stage := m.p.PaymentPlans.OnBreakStage
	if stage == "" || len(m.c.Plans) == 0 {
		return 0, "", false
	}
	pl := m.c.Plans[len(m.c.Plans)-1]
	st := evalPlan(pl, m.c.Payments, m.now, m.p.MinimumAmount.Minor)
	if st.state != planBroken {
		return 0, "", false
	}
	if j = m.sc.index(stage); j <= cur {
		return 0, "", false
	}
	reason = fmt.Sprintf("payment plan %s broken on %s: installment %d of %s due %s not paid within %d days (paid %s of %s due by then); on_break_stage %s",
		pl.ID, st.end, st.missedIndex+1, st.missed.Amount, st.missed.Due, pl.GraceDays, st.paid, st.required, stage)
	return j, reason, true
}

// enter builds the transition from stage i (-1: none) to stage k, entered
// today, with the letter data as of today.
func (m machine) enter(i, k int, dueSince ledger.Date, reason string) (Transition, error) {
	st := m.sc.Stages[k]
	t := Transition{To: st.ID, Action: st.Action, DueSince: dueSince, MentionPenalties: st.MentionPenalties, Reason: reason}
	if i >= 0 {
		t.From = m.sc.Stages[i].ID
	}
	if st.Action == ActionRegisteredLetter {
		t.Deadline = m.now.AddDays(st.DeadlineDays)
	}
	l, err := m.letter()
	if err != nil {
		return Transition{}, fmt.Errorf("stage %s: %w", st.ID, err)
	}
	l.Deadline = t.Deadline
	t.Letter = l
	if st.Action == ActionLegalHandoff {
		claim, err := l.AmountDue.Add(l.Penalties)
		if err != nil {
			return Transition{}, fmt.Errorf("stage %s: claim: %w", st.ID, err)
		}
		if t.Route, err = m.p.RouteFor(claim, m.c.disputed()); err != nil {
			return Transition{}, fmt.Errorf("stage %s: %w", st.ID, err)
		}
		if l.PenaltiesUnavailable != "" {
			t.Reason += fmt.Sprintf("; route %s for a claim of %s (principal only: penalties %s)", t.Route, claim, l.PenaltiesUnavailable)
		} else {
			t.Reason += fmt.Sprintf("; route %s for a claim of %s (principal and penalties)", t.Route, claim)
		}
	}
	return t, nil
}

// letter returns what the invoice owes as of today. A half-year without a
// rate row does not stop the letter: its penalties (and rate) are left at
// zero and PenaltiesUnavailable says why; no rate is ever guessed.
func (m machine) letter() (Letter, error) {
	inv := m.c.Invoice
	l := Letter{InvoiceID: inv.ID, InvoiceNumber: inv.Number, CustomerID: inv.CustomerID, CustomerName: inv.CustomerName,
		IssueDate: inv.IssueDate, DueDate: inv.DueDate, Amount: inv.Amount, AmountDue: inv.Open}
	pen, err := accrued(m.c, m.now, m.terms, m.p.Rates)
	switch note := PenaltiesUnavailable(err); {
	case note != "":
		l.Penalties, l.PenaltiesUnavailable = ledger.Money{Currency: inv.Open.Currency}, note
	case err != nil:
		return Letter{}, err
	default:
		l.Penalties = pen
	}
	l.Indemnity = Indemnity(m.terms.Indemnity, inv.DueDate, m.now, m.c.IndemnityForbidden())
	if m.now.After(inv.DueDate) {
		l.DaysLate = m.now.DaysSince(inv.DueDate)
		h := HalfYearOf(m.now)
		if m.terms.Rate.Reference == FirstHalfYear {
			h = HalfYearOf(inv.DueDate.AddDays(1))
		}
		rate, err := m.terms.Rate.AnnualRate(m.p.Rates, h)
		switch note := PenaltiesUnavailable(err); {
		case note != "":
			if l.PenaltiesUnavailable == "" {
				l.PenaltiesUnavailable = note
			}
		case err != nil:
			return Letter{}, err
		default:
			l.Rate = rate
		}
	}
	total, err := l.AmountDue.Add(l.Penalties)
	if err == nil {
		total, err = total.Add(l.Indemnity)
	}
	if err != nil {
		return Letter{}, fmt.Errorf("total: %w", err)
	}
	l.Total = total
	return l, nil
}

// accrued returns the penalties of the case's invoice up to asOf.
func accrued(c Case, asOf ledger.Date, terms LateFeeTerms, table RateTable) (ledger.Money, error) {
	inv := c.Invoice
	if !asOf.After(inv.DueDate) {
		return ledger.Money{Currency: inv.Open.Currency}, nil
	}
	steps, err := OutstandingSteps(inv.Open, inv.DueDate, c.Payments)
	if err != nil {
		return ledger.Money{}, err
	}
	return Penalties(steps, inv.DueDate, asOf, terms.Rate, table)
}

// closure computes the closing of a fully paid case.
func closure(c Case, terms LateFeeTerms, p Policy) (Closure, error) {
	inv := c.Invoice
	cl := Closure{Reason: ClosePaid, Penalties: ledger.Money{Currency: inv.Open.Currency}, Indemnity: ledger.Money{Currency: terms.Indemnity.Currency}}
	for _, pay := range c.Payments {
		if pay.Date.After(cl.PaidOn) {
			cl.PaidOn = pay.Date
		}
	}
	switch {
	case cl.PaidOn.IsZero():
		cl.Disposition = DispositionReview
		cl.Note = "paid in full, payment date unknown: penalties and indemnity not computed, review"
		return cl, nil
	case !cl.PaidOn.After(inv.DueDate):
		cl.Note = fmt.Sprintf("paid in full on %s, on time", cl.PaidOn)
		return cl, nil
	}
	cl.DaysLate = cl.PaidOn.DaysSince(inv.DueDate)
	pen, err := accrued(c, cl.PaidOn, terms, p.Rates)
	if note := PenaltiesUnavailable(err); note != "" {
		cl.PenaltiesUnavailable = note
	} else if err != nil {
		return Closure{}, err
	}
	cl.Penalties.Minor = pen.Minor
	cl.Indemnity = Indemnity(terms.Indemnity, inv.DueDate, cl.PaidOn, c.IndemnityForbidden())
	switch {
	case cl.PenaltiesUnavailable != "":
		// Never dropped silently, never guessed: a human decides once the
		// rate row exists.
		cl.Disposition = DispositionReview
		cl.Note = fmt.Sprintf("paid in full on %s, %d days late; penalties %s, indemnity %s: %s",
			cl.PaidOn, cl.DaysLate, cl.PenaltiesUnavailable, cl.Indemnity, cl.Disposition)
		return cl, nil
	case cl.Penalties.Minor > 0 || cl.Indemnity.Minor > 0:
		cl.Disposition = terms.OnPaidLate
	}
	cl.Note = fmt.Sprintf("paid in full on %s, %d days late; penalties %s and indemnity %s: %s",
		cl.PaidOn, cl.DaysLate, cl.Penalties, cl.Indemnity, orNone(cl.Disposition))
	return cl, nil
}

func orNone(d Disposition) string {
	if d == "" {
		return "nothing to claim"
	}
	return string(d)
}

// checkCase refuses a case Next cannot reason about.
func checkCase(c Case, now ledger.Date, p Policy) error {
	inv := c.Invoice
	switch {
	case now.IsZero():
		return fmt.Errorf("no evaluation date: %w", ledger.ErrInvalid)
	case inv.DueDate.IsZero():
		return fmt.Errorf("invoice has no due date: %w", ledger.ErrInvalid)
	case inv.Open.Currency != p.Currency || inv.Amount.Currency != p.Currency:
		return fmt.Errorf("invoice in %s, policy in %s (policy amounts cannot be compared): %w", inv.Open.Currency, p.Currency, ledger.ErrCurrencyMismatch)
	}
	for _, pay := range c.Payments {
		if pay.Amount.Currency != inv.Open.Currency {
			return fmt.Errorf("payment %s in %s on an invoice in %s: %w", pay.Ref, pay.Amount.Currency, inv.Open.Currency, ledger.ErrCurrencyMismatch)
		}
	}
	for i, e := range c.History {
		if i > 0 && e.Entered.Before(c.History[i-1].Entered) {
			return fmt.Errorf("history entry %d (%s, %s) is before the entry before it: %w", i, e.Stage, e.Entered, ledger.ErrInvalid)
		}
	}
	if e, ok := c.Current(); ok && e.Entered.After(now) {
		return fmt.Errorf("evaluation date %s is before the last stage change (%s on %s): %w", now, e.Stage, e.Entered, ledger.ErrInvalid)
	}
	for _, d := range c.Disputes {
		if !d.Reason.Valid() {
			return fmt.Errorf("dispute %s: reason %q, want price, quality, delivery, administrative or other: %w", d.ID, d.Reason, ledger.ErrInvalid)
		}
	}
	for _, pl := range c.Plans {
		if len(pl.Installments) == 0 || pl.GraceDays < 0 || pl.Agreed.IsZero() {
			return fmt.Errorf("payment plan %s: want an agreement date, installments and a grace ≥ 0: %w", pl.ID, ledger.ErrInvalid)
		}
		for _, in := range pl.Installments {
			if in.Amount.Currency != inv.Open.Currency {
				return fmt.Errorf("payment plan %s: installment in %s: %w", pl.ID, in.Amount.Currency, ledger.ErrCurrencyMismatch)
			}
			if in.Amount.Minor <= 0 || in.Due.IsZero() {
				return fmt.Errorf("payment plan %s: installment %s due %s, want a positive amount and a due date: %w", pl.ID, in.Amount, in.Due, ledger.ErrInvalid)
			}
		}
	}
	return nil
}

package dunning

import (
	"fmt"
	"sort"

	"github.com/lettrage/lettrage/internal/ledger"
)

// HoldReason is why a case does not escalate now.
type HoldReason string

// Hold reasons, in the order Next reports them.
const (
	// HoldCustomer: a customer-wide hold (insolvency proceedings, manual).
	HoldCustomer HoldReason = "customer_hold"
	// HoldDispute: an open litige on the invoice.
	HoldDispute HoldReason = "dispute"
	// HoldPaymentPlan: an échéancier being kept.
	HoldPaymentPlan HoldReason = "payment_plan"
	// HoldPendingPayment: the invoice may be paid already (a review
	// proposal, an unmatched credit from the payer), within the grace period.
	HoldPendingPayment HoldReason = "pending_payment"
	// HoldBelowMinimum: the open amount is below the policy's minimum.
	HoldBelowMinimum HoldReason = "below_minimum"
)

// HoldKey identifies a hold across evaluations: its reason and the id of
// the record behind it (dispute, plan, customer hold, signal).
type HoldKey struct {
	Reason HoldReason
	Ref    string
}

// Hold is one reason a case is not escalated now.
type Hold struct {
	HoldKey
	Since ledger.Date
	// Until is the first day the hold no longer applies if nothing changes,
	// zero when it lasts until someone lifts it.
	Until ledger.Date
	// Kind refines the reason: the dispute reason, the customer hold kind.
	Kind   string
	Detail string
}

// planState is where a payment plan stands on a day.
type planState int

const (
	planNotStarted planState = iota
	planActive
	planCompleted // every installment paid on time; the plan is over
	planBroken    // an installment missed past its grace
	planCancelled
)

// planStatus is the evaluation of a payment plan on a day.
type planStatus struct {
	state planState
	// end is the first day the plan no longer suspends dunning (zero while
	// active).
	end ledger.Date
	// missed is the first installment missed, for a broken plan.
	missed      Installment
	missedIndex int
	paid        ledger.Money // paid under the plan by the missed deadline
	required    ledger.Money // cumulative installments due by then
	next        Installment  // next installment, for an active plan
}

// evalPlan evaluates pl on day now given the payments lettered to the
// invoice. Installment i is kept when the payments made from the day the
// plan was agreed up to its due date plus the grace cover the installments
// 1..i, within tolerance (minor units). The first installment not kept
// breaks the plan on the day after its grace ends.
func evalPlan(pl PaymentPlan, payments []Payment, now ledger.Date, tolerance int64) planStatus {
	if now.Before(pl.Agreed) {
		return planStatus{state: planNotStarted}
	}
	inst := append([]Installment(nil), pl.Installments...)
	sort.SliceStable(inst, func(i, j int) bool { return inst[i].Due.Before(inst[j].Due) })
	var cum int64
	st := planStatus{state: planActive}
	for i, in := range inst {
		cum += in.Amount.Minor
		deadline := in.Due.AddDays(pl.GraceDays)
		if !now.After(deadline) {
			st.next = in
			break
		}
		var paid int64
		for _, p := range payments {
			if !p.Date.Before(pl.Agreed) && !p.Date.After(deadline) {
				paid += p.Amount.Minor
			}
		}
		if cum-paid > tolerance {
			st = planStatus{state: planBroken, end: deadline.AddDays(1), missed: in, missedIndex: i,
				paid: ledger.Money{Minor: paid, Currency: in.Amount.Currency}, required: ledger.Money{Minor: cum, Currency: in.Amount.Currency}}
			break
		}
		if i == len(inst)-1 {
			st = planStatus{state: planCompleted, end: deadline.AddDays(1)}
		}
	}
	if !pl.Cancelled.IsZero() && !now.Before(pl.Cancelled) && (st.end.IsZero() || pl.Cancelled.Before(st.end)) {
		return planStatus{state: planCancelled, end: pl.Cancelled}
	}
	return st
}

// holdsOn returns the holds in effect for c on day now, in the order of the
// HoldReason constants.
func holdsOn(c Case, now ledger.Date, p Policy) []Hold {
	var hs []Hold
	active := func(since, end ledger.Date) bool {
		return !now.Before(since) && (end.IsZero() || now.Before(end))
	}
	for _, h := range c.CustomerHolds {
		if active(h.Since, h.Until) {
			detail := string(h.Kind)
			if h.Reason != "" {
				detail += ": " + h.Reason
			}
			if h.Kind == HoldInsolvency && !h.Published.IsZero() {
				detail += fmt.Sprintf("; declare the claim by %s (2 months from BODACC publication %s)", addMonths(h.Published, 2), h.Published)
			}
			hs = append(hs, Hold{HoldKey: HoldKey{HoldCustomer, h.ID}, Since: h.Since, Until: h.Until, Kind: string(h.Kind), Detail: detail})
		}
	}
	for _, d := range c.Disputes {
		if active(d.Opened, d.end()) {
			detail := "dispute (" + string(d.Reason) + ")"
			if d.Note != "" {
				detail += ": " + d.Note
			}
			hs = append(hs, Hold{HoldKey: HoldKey{HoldDispute, d.ID}, Since: d.Opened, Until: d.end(), Kind: string(d.Reason), Detail: detail})
		}
	}
	for _, pl := range c.Plans {
		st := evalPlan(pl, c.Payments, now, p.MinimumAmount.Minor)
		if st.state == planActive {
			detail := fmt.Sprintf("payment plan of %d installments", len(pl.Installments))
			if !st.next.Due.IsZero() {
				detail += fmt.Sprintf("; next installment %s due %s", st.next.Amount, st.next.Due)
			}
			hs = append(hs, Hold{HoldKey: HoldKey{HoldPaymentPlan, pl.ID}, Since: pl.Agreed, Detail: detail})
		}
	}
	grace := p.PendingPaymentGraceDays
	for _, s := range c.PendingProposals {
		if until := s.Seen.AddDays(grace); active(s.Seen, until) {
			hs = append(hs, Hold{HoldKey: HoldKey{HoldPendingPayment, s.Ref}, Since: s.Seen, Until: until,
				Detail: fmt.Sprintf("a payment proposal awaits review since %s", s.Seen)})
		}
	}
	for _, s := range c.UnmatchedCredits {
		if until := s.Seen.AddDays(grace); active(s.Seen, until) {
			hs = append(hs, Hold{HoldKey: HoldKey{HoldPendingPayment, s.Ref}, Since: s.Seen, Until: until,
				Detail: fmt.Sprintf("an unmatched credit from the payer was seen on %s", s.Seen)})
		}
	}
	if open := c.Invoice.Open; open.Minor > 0 && open.Minor < p.MinimumAmount.Minor {
		hs = append(hs, Hold{HoldKey: HoldKey{HoldBelowMinimum, "minimum_amount"},
			Detail: fmt.Sprintf("open amount %s is below the minimum %s", open, p.MinimumAmount)})
	}
	return hs
}

// pauseIntervals returns the periods [start, end) during which the case was
// paused by a record that keeps its history (customer holds, disputes,
// payment plans), as of now; an ongoing pause ends after now.
func pauseIntervals(c Case, now ledger.Date, p Policy) [][2]ledger.Date {
	var iv [][2]ledger.Date
	add := func(start, end ledger.Date) {
		if end.IsZero() || end.After(now) {
			end = now.AddDays(1)
		}
		if start.Before(end) {
			iv = append(iv, [2]ledger.Date{start, end})
		}
	}
	for _, h := range c.CustomerHolds {
		add(h.Since, h.Until)
	}
	for _, d := range c.Disputes {
		add(d.Opened, d.end())
	}
	for _, pl := range c.Plans {
		st := evalPlan(pl, c.Payments, now, p.MinimumAmount.Minor)
		if st.state != planNotStarted {
			add(pl.Agreed, st.end)
		}
	}
	return iv
}

// pausedDays counts the days d with after < d ≤ upTo that fall in at least
// one of the intervals.
func pausedDays(iv [][2]ledger.Date, after, upTo ledger.Date) int {
	lo, hi := after.AddDays(1), upTo.AddDays(1) // [lo, hi)
	var clipped [][2]ledger.Date
	for _, x := range iv {
		s, e := maxDate(x[0], lo), x[1]
		if hi.Before(e) {
			e = hi
		}
		if s.Before(e) {
			clipped = append(clipped, [2]ledger.Date{s, e})
		}
	}
	sort.Slice(clipped, func(i, j int) bool { return clipped[i][0].Before(clipped[j][0]) })
	n := 0
	var curS, curE ledger.Date
	for i, x := range clipped {
		switch {
		case i == 0:
			curS, curE = x[0], x[1]
		case x[0].After(curE):
			n += curE.DaysSince(curS)
			curS, curE = x[0], x[1]
		case x[1].After(curE):
			curE = x[1]
		}
	}
	if len(clipped) > 0 {
		n += curE.DaysSince(curS)
	}
	return n
}

// diffHolds returns the holds of now that were not recorded, and the
// recorded holds that no longer apply.
func diffHolds(recorded []HoldKey, now []Hold) (placed []Hold, lifted []HoldKey) {
	was := map[HoldKey]bool{}
	for _, k := range recorded {
		was[k] = true
	}
	is := map[HoldKey]bool{}
	for _, h := range now {
		is[h.HoldKey] = true
		if !was[h.HoldKey] {
			placed = append(placed, h)
		}
	}
	for _, k := range recorded {
		if !is[k] {
			lifted = append(lifted, k)
		}
	}
	return placed, lifted
}

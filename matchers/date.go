package matchers

import (
	"fmt"
	"math"
)

// DatePlausibility is the strategy of dates: a payment booked before the
// invoice was issued is implausible (bitsBeforeIssue); otherwise the
// invoice whose due date is nearest the payment loses least (at most
// bitsRecencyMax over a year), which only breaks ties.
type DatePlausibility struct{}

// Name returns "date".
func (DatePlausibility) Name() string { return "date" }

// Evaluate returns one piece of evidence per candidate when the payment
// has a date.
func (s DatePlausibility) Evaluate(p *Payment, cands []Invoice) []Evidence {
	if p.Date.IsZero() {
		return nil
	}
	out := make([]Evidence, 0, len(cands))
	for _, inv := range cands {
		ev := DateEvidence(days(p.Date), days(inv.IssueDate), days(inv.DueDate))
		ev.InvoiceRef, ev.InvoiceID = inv.Ref, inv.ID
		ev.CustomerRef, ev.CustomerID = inv.CustomerRef, inv.CustomerID
		if ev.Reason == "" {
			continue
		}
		out = append(out, ev)
	}
	return out
}

// DateEvidence weighs a payment on day pay (days since 1970-01-01; 0 =
// unknown) against an invoice issued on day issue and due on day due.
func DateEvidence(pay, issue, due int64) Evidence {
	ev := Evidence{Kind: KindDate, InvoiceRef: -1}
	if pay == 0 {
		return ev
	}
	if issue != 0 && pay < issue {
		ev.Weight = bitsBeforeIssue
		ev.Reason = fmt.Sprintf("payment on %s precedes the invoice's issue date %s", dayString(pay), dayString(issue))
		return ev
	}
	ref := due
	if ref == 0 {
		ref = issue
	}
	if ref == 0 {
		return ev
	}
	gap := math.Abs(float64(pay - ref))
	ev.Weight = -bitsRecencyMax * math.Min(1, gap/365)
	ev.Reason = fmt.Sprintf("payment %d days from the due date", int64(gap))
	return ev
}

// dayString formats a day number as YYYY-MM-DD.
func dayString(d int64) string {
	return unixDay(d).Format("2006-01-02")
}

// DateWeight is DateEvidence's weight alone, without writing its reason.
func DateWeight(pay, issue, due int64) float64 {
	if pay == 0 {
		return 0
	}
	if issue != 0 && pay < issue {
		return bitsBeforeIssue
	}
	ref := due
	if ref == 0 {
		ref = issue
	}
	if ref == 0 {
		return 0
	}
	return -bitsRecencyMax * math.Min(1, math.Abs(float64(pay-ref))/365)
}

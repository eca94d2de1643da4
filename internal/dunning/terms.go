package dunning

import (
	"fmt"

	"github.com/lettrage/lettrage/internal/ledger"
)

// TermsCheck is the outcome of checking an invoice's payment term against
// the legal maximum (Code de commerce L441-10 I).
type TermsCheck struct {
	// Flagged is true when the due date is later than the law allows, or
	// earlier than the invoice date.
	Flagged bool
	// TermDays is the number of days from the invoice date to the due date.
	TermDays int
	// Limit is the latest due date allowed.
	Limit  ledger.Date
	Reason string
}

// CheckPaymentTerms checks the due date of an invoice issued on issue
// against t: at most MaxDays (60) after the invoice date or, when the
// contracts stipulate the derogation, 45 days end of month counted by t's
// method, whichever is later. The invoice import calls it and flags what it
// reports; an exceeded term is an administrative-fine risk (up to 75 000 €
// / 2 M€), not a reason to refuse the invoice.
func CheckPaymentTerms(issue, due ledger.Date, t PaymentTerms) (TermsCheck, error) {
	if issue.IsZero() || due.IsZero() {
		return TermsCheck{}, fmt.Errorf("payment terms: invoice date and due date are both required: %w", ledger.ErrInvalid)
	}
	c := TermsCheck{TermDays: due.DaysSince(issue), Limit: issue.AddDays(t.MaxDays)}
	rule := fmt.Sprintf("%d days from the invoice date", t.MaxDays)
	if t.EndOfMonth45 {
		eom := endOfMonth45(issue, t.EndOfMonthMethod)
		if eom.After(c.Limit) {
			c.Limit = eom
			rule = "45 days end of month (" + string(t.EndOfMonthMethod) + ")"
		}
	}
	switch {
	case due.Before(issue):
		c.Flagged = true
		c.Reason = fmt.Sprintf("due date %s is before the invoice date %s", due, issue)
	case due.After(c.Limit):
		c.Flagged = true
		c.Reason = fmt.Sprintf("payment term of %d days exceeds the legal maximum: due %s, latest allowed %s (%s, L441-10)", c.TermDays, due, c.Limit, rule)
	}
	return c, nil
}

// endOfMonth45 returns the "45 jours fin de mois" limit of an invoice
// issued on issue, by either method the DGCCRF accepts.
func endOfMonth45(issue ledger.Date, m EndOfMonthMethod) ledger.Date {
	if m == EndOfMonthThenPlusDays {
		return endOfMonth(issue).AddDays(45)
	}
	return endOfMonth(issue.AddDays(45))
}

// endOfMonth returns the last day of d's month.
func endOfMonth(d ledger.Date) ledger.Date {
	return addMonths(ledger.NewDate(d.Year, d.Month, 1), 1).AddDays(-1)
}

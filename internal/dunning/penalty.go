package dunning

import (
	"errors"
	"fmt"
	"math/big"
	"sort"

	"github.com/lettrage/lettrage/internal/ledger"
)

// daysPerYear is the divisor of contract.md's penalty formula: the annual
// rate is spread over 365 days, leap years included.
const daysPerYear = 365

// Outstanding is one step of an invoice's outstanding amount over time:
// Amount is what remains due on every day from From (inclusive) until the
// From of the next step.
type Outstanding struct {
	From   ledger.Date
	Amount ledger.Money
}

// OutstandingSteps returns the steps of the outstanding amount of an
// invoice whose open amount is now open, given the payments lettered to it.
// A payment dated D still leaves its amount outstanding on day D (interest
// runs up to and including the day of payment) and reduces it from D+1.
//
// Before the first payment the outstanding is open plus all the payments:
// what the invoice owed before the payments we know of. A reduction we have
// no dated payment for (an open amount imported lower than the invoice
// total, a credit note) therefore counts as if it had always been there,
// which never claims more than is owed.
func OutstandingSteps(open ledger.Money, due ledger.Date, payments []Payment) ([]Outstanding, error) {
	ps := append([]Payment(nil), payments...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Date.Before(ps[j].Date) })
	total := open
	for _, p := range ps {
		var err error
		if total, err = total.Add(p.Amount); err != nil {
			return nil, fmt.Errorf("outstanding: payment %s: %w", p.Date, err)
		}
	}
	steps := []Outstanding{{From: due.AddDays(1), Amount: total}}
	for _, p := range ps {
		from := p.Date.AddDays(1)
		next, err := steps[len(steps)-1].Amount.Add(ledger.Money{Minor: -p.Amount.Minor, Currency: p.Amount.Currency})
		if err != nil {
			return nil, fmt.Errorf("outstanding: payment %s: %w", p.Date, err)
		}
		if next.Minor < 0 {
			next.Minor = 0
		}
		switch last := &steps[len(steps)-1]; {
		case !from.After(last.From):
			// Paid on or before the due date, or several payments on one day:
			// the step that starts then simply holds less.
			last.Amount = next
		default:
			steps = append(steps, Outstanding{From: from, Amount: next})
		}
	}
	return steps, nil
}

// Penalties returns the late-payment penalties of contract.md: for each day
// after the due date up to and including asOf, the outstanding amount of
// that day × the annual rate of that day ÷ 365, summed exactly and rounded
// half-up to the minor unit at the end.
//
// steps must be in strictly increasing From order, in one currency, with
// non-negative amounts; days before the first step count as nothing owed.
// A day with something owed and no rate row for its half-year is an error
// wrapping ErrMissingRate: no interest is ever guessed.
func Penalties(steps []Outstanding, due, asOf ledger.Date, rule RateRule, table RateTable) (ledger.Money, error) {
	if len(steps) == 0 {
		return ledger.Money{}, errors.New("penalties: no outstanding amount")
	}
	cur := steps[0].Amount.Currency
	for i, s := range steps {
		switch {
		case s.Amount.Currency != cur:
			return ledger.Money{}, fmt.Errorf("penalties: step %d: %w", i, ledger.ErrCurrencyMismatch)
		case s.Amount.Minor < 0:
			return ledger.Money{}, fmt.Errorf("penalties: step %d: negative outstanding %s", i, s.Amount)
		case i > 0 && !s.From.After(steps[i-1].From):
			return ledger.Money{}, fmt.Errorf("penalties: step %d: starts %s, not after step %d (%s)", i, s.From, i-1, steps[i-1].From)
		}
	}
	zero := ledger.Money{Currency: cur}
	start := due.AddDays(1)
	if asOf.Before(start) {
		return zero, nil
	}
	ref := rule.Reference
	firstHalf := HalfYearOf(start)
	// sum is Σ outstanding(minor) × rate(millionths) × days; the penalty is
	// sum ÷ (365 × 1 000 000), rounded once.
	sum := new(big.Int)
	var term, tmp big.Int
	for i, s := range steps {
		from := s.From
		if from.Before(start) {
			from = start
		}
		to := asOf
		if i+1 < len(steps) {
			if end := steps[i+1].From.AddDays(-1); end.Before(to) {
				to = end
			}
		}
		if to.Before(from) || s.Amount.Minor == 0 {
			continue
		}
		for day := from; !day.After(to); {
			h := HalfYearOf(day)
			last := h.Last()
			if to.Before(last) {
				last = to
			}
			rh := h
			if ref == FirstHalfYear {
				rh = firstHalf
			}
			rate, err := rule.AnnualRate(table, rh)
			if err != nil {
				return ledger.Money{}, fmt.Errorf("penalties for %s to %s: %w", day, last, err)
			}
			days := int64(last.DaysSince(day) + 1)
			term.SetInt64(s.Amount.Minor)
			term.Mul(&term, tmp.SetInt64(int64(rate)))
			term.Mul(&term, tmp.SetInt64(days))
			sum.Add(sum, &term)
			day = last.AddDays(1)
		}
	}
	v, err := roundHalfUp(sum, big.NewInt(daysPerYear*rateScale))
	if err != nil {
		return ledger.Money{}, fmt.Errorf("penalties: %w", err)
	}
	return ledger.Money{Minor: v, Currency: cur}, nil
}

// roundHalfUp returns n ÷ d rounded half away from zero, for n ≥ 0, d > 0.
func roundHalfUp(n, d *big.Int) (int64, error) {
	// floor((2n + d) / 2d)
	num := new(big.Int).Lsh(n, 1)
	num.Add(num, d)
	den := new(big.Int).Lsh(d, 1)
	q := num.Quo(num, den)
	if !q.IsInt64() {
		return 0, ledger.ErrOverflow
	}
	return q.Int64(), nil
}

// Indemnity returns the fixed recovery indemnity (indemnité forfaitaire pour
// frais de recouvrement, L441-10 II and D441-5: 40 €) owed for one invoice:
// amount when the invoice was paid late or is late at asOf (asOf after the
// due date), zero otherwise or when forbidden (the customer is in
// collective proceedings).
func Indemnity(amount ledger.Money, due, asOf ledger.Date, forbidden bool) ledger.Money {
	if forbidden || !asOf.After(due) {
		return ledger.Money{Currency: amount.Currency}
	}
	return amount
}

package dunning

import (
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// day parses a "2006-01-02" date or panics (test literals only).
func day(s string) ledger.Date {
	d, err := ledger.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// eur parses a decimal euro amount or panics (test literals only).
func eur(s string) ledger.Money {
	m, err := ledger.ParseMoney(s, "EUR")
	if err != nil {
		panic(err)
	}
	return m
}

// pct parses a percentage or panics (test literals only).
func pct(s string) Rate {
	r, err := Percent(s)
	if err != nil {
		panic(err)
	}
	return r
}

// defaultPolicy returns the shipped policy, failing the test if it does not
// load.
func defaultPolicy(t testing.TB) Policy {
	t.Helper()
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newCase returns an open invoice of amount euros due on due, issued 30
// days before, for customer C1 in the given segment.
func newCase(due, amount, segment string) Case {
	m := eur(amount)
	return Case{Invoice: ledger.Invoice{
		ID: "INV-1", Number: "FA-2025-0001", CustomerID: "C1", CustomerName: "Acme SAS",
		Amount: m, Open: m, IssueDate: day(due).AddDays(-30), DueDate: day(due),
		Segment: segment, Status: ledger.InvoiceOpen,
	}}
}

// step is one transition seen by simulate: the day and the stage entered.
type step struct {
	On     string
	To     string
	Lapsed bool
}

// simulate is a minimal in-memory runner: it evaluates c every day from
// first to last (only on the days keep accepts, when not nil), applies each
// decision as the real runner will (history, holds, closed flag), and
// returns the transitions in order along with the final case. change, when
// not nil, may alter the case before each evaluation (payments arriving,
// disputes opening) to drive a story.
func simulate(t *testing.T, c Case, p Policy, first, last string, keep func(ledger.Date) bool, change func(ledger.Date, *Case)) ([]step, Case, []Decision) {
	t.Helper()
	var steps []step
	var ds []Decision
	for now := day(first); !now.After(day(last)); now = now.AddDays(1) {
		if keep != nil && !keep(now) {
			continue
		}
		if change != nil {
			change(now, &c)
		}
		d, err := Next(c, now, p)
		if err != nil {
			t.Fatalf("Next on %s: %v", now, err)
		}
		ds = append(ds, d)
		for _, tr := range d.Transitions {
			steps = append(steps, step{On: now.String(), To: tr.To, Lapsed: tr.Lapsed})
		}
		c.History = append(c.History, d.Entries()...)
		c.ActiveHolds = d.ActiveHolds()
		if d.Close != nil {
			c.Closed = true
		}
		if d.Reopen {
			c.Closed = false
		}
	}
	return steps, c, ds
}

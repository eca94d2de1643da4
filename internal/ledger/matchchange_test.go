package ledger

import (
	"errors"
	"testing"
)

func TestMatchChecks(t *testing.T) {
	eur := func(m int64) Money { return Money{m, "EUR"} }
	credit := eur(12000)
	for _, tc := range []struct {
		name   string
		m      Match
		signed Money
		ok     bool
	}{
		{"exact", Match{Decision: DecisionAuto, Status: MatchApplied, Allocations: []Allocation{{"A", eur(10000)}, {"B", eur(2000)}}}, credit, true},
		{"overpayment kept unapplied", Match{Decision: DecisionAuto, Status: MatchApplied, Allocations: []Allocation{{"A", eur(10000)}}, Unapplied: eur(2000)}, credit, true},
		{"short payment written off", Match{Decision: DecisionAuto, Status: MatchApplied, Allocations: []Allocation{{"A", eur(12050)}}, WriteOff: eur(50)}, credit, true},
		{"unmatched", Match{Decision: DecisionUnmatched, Status: MatchProposed, Unapplied: credit}, credit, true},
		{"credit note in the batch", Match{Decision: DecisionReview, Status: MatchProposed, Allocations: []Allocation{{"A", eur(13000)}, {"AV", eur(-1000)}}}, credit, true},
		{"refund of a credit note", Match{Decision: DecisionReview, Status: MatchProposed, Allocations: []Allocation{{"AV", eur(-500)}}}, eur(-500), true},
		{"does not add up", Match{Decision: DecisionAuto, Status: MatchApplied, Allocations: []Allocation{{"A", eur(10000)}}}, credit, false},
		{"invoice twice", Match{Decision: DecisionAuto, Status: MatchApplied, Allocations: []Allocation{{"A", eur(6000)}, {"A", eur(6000)}}}, credit, false},
		{"zero allocation", Match{Decision: DecisionAuto, Status: MatchApplied, Allocations: []Allocation{{"A", eur(12000)}, {"B", eur(0)}}}, credit, false},
		{"other currency", Match{Decision: DecisionAuto, Status: MatchApplied, Allocations: []Allocation{{"A", Money{12000, "USD"}}}}, credit, false},
		{"no invoice", Match{Decision: DecisionAuto, Status: MatchApplied, Allocations: []Allocation{{"", eur(12000)}}}, credit, false},
		{"negative unapplied", Match{Decision: DecisionAuto, Status: MatchApplied, Allocations: []Allocation{{"A", eur(13000)}}, Unapplied: eur(-1000)}, credit, false},
		{"unmatched with allocations", Match{Decision: DecisionUnmatched, Status: MatchProposed, Allocations: []Allocation{{"A", credit}}}, credit, false},
		{"unmatched applied", Match{Decision: DecisionUnmatched, Status: MatchApplied, Unapplied: credit}, credit, false},
		{"rejected is not new", Match{Decision: DecisionAuto, Status: MatchRejected, Unapplied: credit}, credit, false},
		{"unknown decision", Match{Decision: "maybe", Status: MatchProposed, Unapplied: credit}, credit, false},
		{"overflow", Match{Decision: DecisionAuto, Status: MatchApplied, Allocations: []Allocation{{"A", eur(1 << 62)}, {"B", eur(1 << 62)}}}, credit, false},
	} {
		err := tc.m.CheckNew(tc.signed)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrOverflow)) {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestDeriveStatus(t *testing.T) {
	for _, tc := range []struct {
		amount, open int64
		was          InvoiceStatus
		want         InvoiceStatus
	}{
		{100, 100, InvoiceOpen, InvoiceOpen},
		{100, 40, InvoiceOpen, InvoicePartiallyPaid},
		{100, 0, InvoicePartiallyPaid, InvoicePaid},
		{-50, -50, InvoiceOpen, InvoiceOpen},
		{100, 0, InvoiceCancelled, InvoiceCancelled},
	} {
		inv := Invoice{Amount: Money{tc.amount, "EUR"}, Open: Money{tc.open, "EUR"}, Status: tc.was}
		if got := inv.DeriveStatus(); got != tc.want {
			t.Errorf("amount %d open %d was %s: %s, want %s", tc.amount, tc.open, tc.was, got, tc.want)
		}
	}
	if !MatchApplied.Lettered() || !MatchConfirmed.Lettered() || MatchProposed.Lettered() || !MatchProposed.Active() || MatchReversed.Active() {
		t.Error("match status predicates")
	}
}

package bench

import (
	"fmt"
	"slices"

	"github.com/lettrage/lettrage/fixtures/corpus"
	"github.com/lettrage/lettrage/internal/ledger"
)

// Outcome is what the engine decided for one credit.
type Outcome struct {
	Decision    ledger.Decision
	Allocations []ledger.Allocation
	Score       float64
	Reasons     []string
	WriteOff    ledger.Money
	Unapplied   ledger.Money
	CustomerID  string
}

// CreditView is what a person needs to judge a decision: the credit as the
// statement showed it to the engine.
type CreditView struct {
	BankRef    string
	Amount     ledger.Money
	Payer      string
	PayerIBAN  string
	Ultimate   string
	EndToEnd   string
	Remittance []string
	Structured []string
}

// Line is one credit of a quality run: its label, what the engine saw and
// what it decided.
type Line struct {
	Label  *corpus.Label
	Credit CreditView
	Out    Outcome
}

// Correct reports whether allocations are the label's right answer: the
// same set of invoice ids as Expected (each once), each amount within the
// label's tolerance of the expected one (the tolerance is the bank fee of a
// fee shortfall, zero otherwise), in the label's currency, and not
// allocating more than the credit plus that tolerance.
//
// An engine may book a fee shortfall either way: allocate what was
// credited and write the fee off, or allocate the invoice's full open
// amount and record the fee as a write-off; both are correct.
func Correct(l *corpus.Label, allocs []ledger.Allocation) bool {
	return sameAllocations(l.Expected, allocs, l.Tolerance.Minor, l.Amount)
}

// OneOfAlternatives reports whether allocations match one of an ambiguous
// label's equally plausible answers (a reasonable review proposal).
func OneOfAlternatives(l *corpus.Label, allocs []ledger.Allocation) bool {
	for _, alt := range l.Alternatives {
		if sameAllocations(alt, allocs, l.Tolerance.Minor, l.Amount) {
			return true
		}
	}
	return false
}

func sameAllocations(want []corpus.Allocation, got []ledger.Allocation, tol int64, credit ledger.Money) bool {
	if len(want) == 0 || len(got) != len(want) {
		return false
	}
	var sum int64
	seen := make(map[string]bool, len(got))
	for _, g := range got {
		if seen[g.InvoiceID] || g.Amount.Currency != credit.Currency {
			return false
		}
		seen[g.InvoiceID] = true
		i := slices.IndexFunc(want, func(w corpus.Allocation) bool { return w.InvoiceID == g.InvoiceID })
		if i < 0 {
			return false
		}
		d := g.Amount.Minor - want[i].Amount.Minor
		if d < -tol || d > tol {
			return false
		}
		sum += g.Amount.Minor
	}
	return sum <= credit.Minor+tol
}

// Tally counts the decisions over a set of lines.
type Tally struct {
	Lines         int
	Auto          int // decisions "auto"
	AutoCorrect   int // "auto" with the right allocations on a line where auto is acceptable
	Review        int
	Unmatched     int
	Payable       int // lines whose right answer is a set of invoices
	Offered       int // payable lines whose decision (auto or review) carries the right allocations
	RefIBAN       int // payable, auto-acceptable lines carrying a reference or a known IBAN
	RefIBANAuto   int // of those, lettered automatically and correctly
	AutoForbidden int // "auto" on a line where no automatic decision is acceptable
	AltReview     int // ambiguous lines proposed for review with one of the plausible answers
}

// identified reports whether a label's credit carries a reference or a
// known IBAN, in a format that carries (or not) the payer's IBAN.
func identified(lb *corpus.Label, payerIBAN bool) bool {
	if payerIBAN {
		return lb.RefOrKnownIBAN
	}
	return lb.Reference
}

// add counts one line; payerIBAN says whether the statement format
// carries the payer's IBAN (CFONB 120 does not).
func (t *Tally) add(l *Line, payerIBAN bool) {
	t.Lines++
	lb := l.Label
	right := lb.Payable && Correct(lb, l.Out.Allocations)
	switch l.Out.Decision {
	case ledger.DecisionAuto:
		t.Auto++
		if lb.AutoAcceptable && right {
			t.AutoCorrect++
		}
		if !lb.AutoAcceptable {
			t.AutoForbidden++
		}
	case ledger.DecisionReview:
		t.Review++
		if len(lb.Alternatives) > 0 && OneOfAlternatives(lb, l.Out.Allocations) {
			t.AltReview++
		}
	default:
		t.Unmatched++
	}
	if lb.Payable {
		t.Payable++
		if right && (l.Out.Decision == ledger.DecisionAuto || l.Out.Decision == ledger.DecisionReview) {
			t.Offered++
		}
	}
	if lb.Payable && lb.AutoAcceptable && identified(lb, payerIBAN) {
		t.RefIBAN++
		if l.Out.Decision == ledger.DecisionAuto && right {
			t.RefIBANAuto++
		}
	}
}

// Precision is correct automatic decisions over automatic decisions (1 when
// there are none).
func (t Tally) Precision() float64 { return ratio(t.AutoCorrect, t.Auto, 1) }

// AutoShare is the share of lines lettered automatically (right or wrong).
func (t Tally) AutoShare() float64 { return ratio(t.Auto, t.Lines, 0) }

// OfferedShare is the share of payable lines offered the right proposal.
func (t Tally) OfferedShare() float64 { return ratio(t.Offered, t.Payable, 1) }

// RefIBANShare is the share of reference- or known-IBAN lines lettered
// automatically and correctly.
func (t Tally) RefIBANShare() float64 { return ratio(t.RefIBANAuto, t.RefIBAN, 1) }

func ratio(a, b int, empty float64) float64 {
	if b == 0 {
		return empty
	}
	return float64(a) / float64(b)
}

// Report is the outcome of one quality run.
type Report struct {
	Mode    string // "direct", "camt.053.001.08", "cfonb120", …
	Seed    uint64
	Credits int
	Lines   []Line
	Overall Tally
	PerCat  map[corpus.Category]*Tally
	// Unpaired counts credits the parsed statement gave that could not be
	// paired with their label by bank reference (end-to-end runs only).
	Unpaired int
	// NoPayerIBAN: the format carries no payer IBAN (CFONB 120), so only a
	// reference identifies a line for the reference/known-IBAN goal.
	NoPayerIBAN bool
	// Invoices indexes the books by invoice id, for readable failures.
	Invoices map[string]*corpus.InvoiceRow
}

// NewReport tallies lines. In a format without payer IBANs (CFONB 120,
// mode ModeCFONB) only a reference counts as identifying a line for the
// "reference or known IBAN" goal.
func NewReport(mode string, seed uint64, lines []Line) *Report {
	r := &Report{Mode: mode, Seed: seed, Credits: len(lines), Lines: lines, PerCat: map[corpus.Category]*Tally{},
		NoPayerIBAN: mode == ModeCFONB}
	for i := range lines {
		l := &lines[i]
		r.Overall.add(l, !r.NoPayerIBAN)
		t := r.PerCat[l.Label.Category]
		if t == nil {
			t = &Tally{}
			r.PerCat[l.Label.Category] = t
		}
		t.add(l, !r.NoPayerIBAN)
	}
	return r
}

// Goal is one of the quality goals and whether a run meets it.
type Goal struct {
	Name   string
	Value  float64 // for counts, the count
	Target string
	Met    bool
}

// Goals checks the run against the goals.
func (r *Report) Goals() []Goal {
	o := r.Overall
	unrelated := 0
	if t := r.PerCat[corpus.CatUnrelated]; t != nil {
		unrelated = t.Auto
	}
	return []Goal{
		{"auto precision", o.Precision(), "≥ 99.9 %", o.Precision() >= 0.999},
		{"reference or known IBAN lettered automatically", o.RefIBANShare(), "≥ 95 %", o.RefIBANShare() >= 0.95},
		{"right proposal offered on payable lines", o.OfferedShare(), "≥ 98 %", o.OfferedShare() >= 0.98},
		{"unrelated credits lettered automatically", float64(unrelated), "0", unrelated == 0},
	}
}

// Met reports whether every goal is met.
func (r *Report) Met() bool {
	for _, g := range r.Goals() {
		if !g.Met {
			return false
		}
	}
	return true
}

// Failure kinds, in order of cost.
const (
	FailWrongAuto  = "wrong automatic lettrage"
	FailForbidden  = "automatic lettrage where none is acceptable"
	FailNotAuto    = "reference or known IBAN not lettered automatically"
	FailNotOffered = "right proposal not offered"
)

// Failures returns the lines that count against a goal, by failure kind.
func (r *Report) Failures() map[string][]*Line {
	out := map[string][]*Line{}
	for i := range r.Lines {
		l := &r.Lines[i]
		lb := l.Label
		right := lb.Payable && Correct(lb, l.Out.Allocations)
		auto := l.Out.Decision == ledger.DecisionAuto
		switch {
		case auto && !lb.AutoAcceptable:
			out[FailForbidden] = append(out[FailForbidden], l)
		case auto && !right:
			out[FailWrongAuto] = append(out[FailWrongAuto], l)
		}
		if lb.Payable && !(right && (auto || l.Out.Decision == ledger.DecisionReview)) {
			out[FailNotOffered] = append(out[FailNotOffered], l)
		}
		if lb.Payable && lb.AutoAcceptable && identified(lb, !r.NoPayerIBAN) && !(auto && right) {
			out[FailNotAuto] = append(out[FailNotAuto], l)
		}
	}
	return out
}

// FailureKinds lists the failure kinds in report order.
var FailureKinds = []string{FailWrongAuto, FailForbidden, FailNotAuto, FailNotOffered}

// pct formats a ratio as a percentage.
func pct(x float64) string { return fmt.Sprintf("%.2f %%", 100*x) }

package dunning

import (
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Case is everything the machine needs to know about one invoice being
// chased, as plain values the store loads. Next never changes it; the
// runner applies the Decision and stores the new history.
type Case struct {
	// Invoice is the receivable: number, dates, amount, open amount,
	// customer, segment (Invoice.Segment, the customer's segment) and status.
	Invoice ledger.Invoice
	// Scenario, when set, overrides the scenario for this invoice.
	Scenario string
	// CustomerScenario, when set, overrides the scenario for every invoice
	// of the customer (the invoice's own override wins).
	CustomerScenario string
	// History lists the stages entered, oldest first; the last entry is the
	// current stage. Empty: no stage entered yet.
	History []StageEntry
	// Closed is true once the runner closed the case on full payment (or
	// cancellation). A closed case whose invoice is open again (a reversed
	// lettrage) is reopened by Next.
	Closed bool
	// ActiveHolds are the holds the runner recorded at the last evaluation,
	// so that Next can say which holds are newly placed and which are lifted.
	ActiveHolds []HoldKey
	// Payments are the payments lettered to the invoice and still in force
	// (a reversed lettrage is simply absent), with the date they were made.
	Payments []Payment
	// Disputes are the litiges on the invoice, open and closed (history kept).
	Disputes []Dispute
	// Plans are the payment plans (échéanciers) agreed for the invoice,
	// oldest first; the last one is the one in force.
	Plans []PaymentPlan
	// CustomerHolds are the customer-wide holds (insolvency proceedings,
	// manual holds), past and present.
	CustomerHolds []CustomerHold
	// PendingProposals are review proposals of the matching engine that
	// would letter a payment to this invoice and wait for a human.
	PendingProposals []Signal
	// UnmatchedCredits are credits from the same payer that are not lettered
	// yet: the invoice may already be paid.
	UnmatchedCredits []Signal
}

// Current returns the current stage entry, and false when the case has not
// entered any stage yet.
func (c Case) Current() (StageEntry, bool) {
	if len(c.History) == 0 {
		return StageEntry{}, false
	}
	return c.History[len(c.History)-1], true
}

// Stage returns the id of the current stage, "" when none.
func (c Case) Stage() string {
	e, _ := c.Current()
	return e.Stage
}

// IndemnityForbidden reports whether the fixed recovery indemnity must not
// be claimed: the customer is or was in collective proceedings (sauvegarde,
// redressement, liquidation), which forbid paying pre-opening claims.
func (c Case) IndemnityForbidden() bool {
	for _, h := range c.CustomerHolds {
		if h.Kind == HoldInsolvency {
			return true
		}
	}
	return false
}

// disputed reports whether a dispute was ever raised on the invoice.
func (c Case) disputed() bool { return len(c.Disputes) > 0 }

// StageEntry records that the case entered a stage on a date.
type StageEntry struct {
	Stage   string
	Entered ledger.Date
	// Deadline is the payment deadline the stage's letter gave (mise en
	// demeure), zero for other stages.
	Deadline ledger.Date
	// Lapsed is true when the stage was passed without acting (a reminder
	// before the due date reached after the due date).
	Lapsed bool
}

// Payment is a payment lettered to the invoice.
type Payment struct {
	Date   ledger.Date // the day the money was received (value date)
	Amount ledger.Money
	Ref    string // the bank reference or match id, for the journal
}

// DisputeReason is why a customer disputes an invoice.
type DisputeReason string

// Dispute reasons.
const (
	DisputePrice          DisputeReason = "price"
	DisputeQuality        DisputeReason = "quality"
	DisputeDelivery       DisputeReason = "delivery"
	DisputeAdministrative DisputeReason = "administrative"
	DisputeOther          DisputeReason = "other"
)

// Valid reports whether r is one of the dispute reasons.
func (r DisputeReason) Valid() bool {
	switch r {
	case DisputePrice, DisputeQuality, DisputeDelivery, DisputeAdministrative, DisputeOther:
		return true
	}
	return false
}

// Dispute is a litige: it pauses dunning from Opened until it is closed or
// expires, whichever comes first.
type Dispute struct {
	ID      string
	Reason  DisputeReason
	Opened  ledger.Date
	Expires ledger.Date // optional: the pause ends on this day
	Closed  ledger.Date // set when resolved: the pause ends on this day
	Note    string
}

// end returns the first day the dispute no longer pauses dunning, zero when
// open-ended.
func (d Dispute) end() ledger.Date { return earliest(d.Expires, d.Closed) }

// Installment is one due payment of a plan.
type Installment struct {
	Due    ledger.Date
	Amount ledger.Money
}

// PaymentPlan is an échéancier (plan d'apurement): while each installment
// is paid by its due date plus GraceDays, dunning is suspended.
type PaymentPlan struct {
	ID           string
	Agreed       ledger.Date // the plan suspends dunning from this day
	Installments []Installment
	GraceDays    int
	Cancelled    ledger.Date // optional: the plan stops suspending on this day
}

// CustomerHoldKind is why a whole customer is on hold.
type CustomerHoldKind string

// Customer hold kinds.
const (
	// HoldInsolvency: collective proceedings (sauvegarde, redressement,
	// liquidation). Dunning stops, the indemnity is never claimed, and the
	// claim must be declared to the mandataire instead.
	HoldInsolvency CustomerHoldKind = "insolvency"
	// HoldManual: a credit manager's decision.
	HoldManual CustomerHoldKind = "manual"
)

// CustomerHold suspends dunning for every invoice of a customer from Since
// until Until (optional).
type CustomerHold struct {
	ID     string
	Kind   CustomerHoldKind
	Since  ledger.Date
	Until  ledger.Date
	Reason string
	// Published is the BODACC publication date of the opening judgment, for
	// insolvency holds; the claim must be declared within 2 months of it
	// (R622-24 [not verified against a primary source here]).
	Published ledger.Date
}

// Signal is evidence that the invoice may already be paid, seen on a date.
type Signal struct {
	Ref  string
	Seen ledger.Date
}

// earliest returns the earliest non-zero date, zero when both are zero.
func earliest(a, b ledger.Date) ledger.Date {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	case b.Before(a):
		return b
	}
	return a
}

// maxDate returns the later of a and b.
func maxDate(a, b ledger.Date) ledger.Date {
	if b.After(a) {
		return b
	}
	return a
}

// addMonths returns d plus n months, on the same day of the month, or the
// last day of the month when it has no such day (a "2 mois" delay counted
// as the Code de procédure civile does, art. 641).
func addMonths(d ledger.Date, n int) ledger.Date {
	m := int(d.Month) - 1 + n
	y := d.Year + m/12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	first := ledger.NewDate(y, time.Month(m+1), 1)
	last := first.AddDays(31)
	last = ledger.NewDate(last.Year, last.Month, 1).AddDays(-1)
	day := d.Day
	if day > last.Day {
		day = last.Day
	}
	return ledger.NewDate(y, time.Month(m+1), day)
}

package dunning

import (
	"strings"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Decision is what should happen to a case now, as Next computed it. The
// runner applies it in one store transaction: it appends Entries to the
// history, records ActiveHolds, closes or reopens the case, and writes the
// journal entries and outbox events for each transition, placed and lifted
// hold, closure and reopening.
type Decision struct {
	InvoiceID  string
	CustomerID string
	Scenario   string
	AsOf       ledger.Date
	// Stage is the current stage once the transitions are applied.
	Stage string
	// Transitions to apply, in order: at most one stage that acts per
	// evaluation (a lapsed stage may precede it).
	Transitions []Transition
	// Holds in effect now; when there is any, there is no transition.
	Holds []Hold
	// Placed are the holds of Holds that were not recorded yet (pause
	// events); Lifted the recorded holds that no longer apply (resume
	// events).
	Placed []Hold
	Lifted []HoldKey
	// Close is set when the case must be closed now.
	Close *Closure
	// Reopen is true when a closed case is open again (reversed lettrage);
	// it resumes at the stage it had.
	Reopen bool
	// Terminal is true when the case is at the last stage of its scenario:
	// nothing more will happen until it is paid or someone acts.
	Terminal bool
	// NextStage and NextDue say which stage comes next and on which day it
	// becomes due if nothing changes (zero when none or held): the day the
	// runner should evaluate the case again at the latest.
	NextStage string
	NextDue   ledger.Date
	// AmountDue is the open amount.
	AmountDue ledger.Money
	// Penalties and Indemnity are accrued as of AsOf on an open case, when
	// AccruedKnown; otherwise AccruedNote says why (a missing rate row:
	// "unavailable: no rate for period 2026-H2").
	Penalties    ledger.Money
	Indemnity    ledger.Money
	AccruedKnown bool
	AccruedNote  string
}

// Entries returns the history entries the transitions add, to append to
// Case.History.
func (d Decision) Entries() []StageEntry {
	var es []StageEntry
	for _, t := range d.Transitions {
		es = append(es, StageEntry{Stage: t.To, Entered: d.AsOf, Deadline: t.Deadline, Lapsed: t.Lapsed})
	}
	return es
}

// ActiveHolds returns the keys of the holds in effect, to store as
// Case.ActiveHolds.
func (d Decision) ActiveHolds() []HoldKey {
	var ks []HoldKey
	for _, h := range d.Holds {
		ks = append(ks, h.HoldKey)
	}
	return ks
}

// Transition moves a case from one stage to the next and carries what the
// stage's letter, task or hand-off needs.
type Transition struct {
	From, To string // stage ids; From is "" for the first stage
	Action   Action
	// Lapsed: the stage is recorded as passed without acting (a reminder
	// meant for before the due date, reached after it). Action is
	// ActionNone.
	Lapsed bool
	// DueSince is the day the stage became due.
	DueSince ledger.Date
	// Deadline is the payment deadline of a mise en demeure (zero otherwise).
	Deadline ledger.Date
	// Route is the legal route of a hand-off (empty otherwise).
	Route Route
	// MentionPenalties: the stage asks the letter to state penalties and
	// indemnity.
	MentionPenalties bool
	Reason           string
	Letter           Letter
}

// Letter is what a reminder, a mise en demeure or a hand-off file states
// about the invoice, as of the decision's date.
type Letter struct {
	InvoiceID     string
	InvoiceNumber string
	CustomerID    string
	CustomerName  string
	IssueDate     ledger.Date
	DueDate       ledger.Date // the original due date
	Amount        ledger.Money
	AmountDue     ledger.Money // open amount
	DaysLate      int
	// Rate is the annual penalty rate in force today (zero before the due
	// date).
	Rate      Rate
	Penalties ledger.Money // accrued to date
	Indemnity ledger.Money // fixed recovery indemnity, zero when not owed
	Total     ledger.Money // AmountDue + Penalties + Indemnity
	Deadline  ledger.Date
	// PenaltiesUnavailable, when not empty, says why Penalties (and Rate)
	// could not be computed ("unavailable: no rate for period 2026-H2"):
	// they are zero and Total leaves them out.
	PenaltiesUnavailable string
}

// CloseReason is why a case closes.
type CloseReason string

// Close reasons.
const (
	ClosePaid      CloseReason = "paid"
	CloseCancelled CloseReason = "cancelled"
)

// Closure is a case closing, with what was accrued: penalties and indemnity
// are never lost silently (ERPNext #58220): Disposition says what to do
// with them.
type Closure struct {
	Reason CloseReason
	// PaidOn is the date of the last payment (zero when unknown).
	PaidOn    ledger.Date
	DaysLate  int
	Penalties ledger.Money
	Indemnity ledger.Money
	// Disposition is the policy's on_paid_late for an invoice paid late,
	// review when the payment date is unknown, empty when nothing accrued.
	Disposition Disposition
	Note        string
	// PenaltiesUnavailable, when not empty, says why Penalties could not be
	// computed (a half-year without a rate row); Disposition is review.
	PenaltiesUnavailable string
}

// RunLine is one line of `lettrage dunning run --json` (contract.md).
// Amounts are decimal strings; From and To are null when there is no stage
// (before the first stage; To when held); Deadline is null unless a mise en
// demeure sets one. Route is an addition to the contract for hand-offs.
type RunLine struct {
	InvoiceID  string  `json:"invoice_id"`
	CustomerID string  `json:"customer_id"`
	From       *string `json:"from"`
	To         *string `json:"to"`
	Action     string  `json:"action"`
	AmountDue  string  `json:"amount_due"`
	Penalties  string  `json:"penalties"`
	Indemnity  string  `json:"indemnity"`
	Deadline   *string `json:"deadline"`
	Reason     string  `json:"reason"`
	Route      string  `json:"route,omitempty"`
	// PenaltiesNote says why penalties could not be computed (then
	// Penalties is "0.00" and must not be read as nothing owed).
	PenaltiesNote string `json:"penalties_note,omitempty"`
}

// Pseudo stages and actions of run lines that are not stage transitions.
const (
	// StageClosed is the To of a closing line and the From of a reopening.
	StageClosed  = "closed"
	actionClose  = "close"
	actionReopen = "reopen"
	actionHold   = "hold"
)

// Lines returns the run lines of the decision: its transitions, closure or
// reopening, and, when explain is true, its holds (To null, with the
// reason). A case with nothing to do gives no line.
func (d Decision) Lines(explain bool) []RunLine {
	var ls []RunLine
	base := func(from, to string) RunLine {
		zero := ledger.Money{Currency: d.AmountDue.Currency}
		return RunLine{InvoiceID: d.InvoiceID, CustomerID: d.CustomerID, From: strPtr(from), To: strPtr(to),
			AmountDue: d.AmountDue.String(), Penalties: zero.String(), Indemnity: zero.String()}
	}
	from := d.stageBefore()
	if d.Reopen && len(d.Transitions) == 0 {
		l := base(StageClosed, from)
		l.Action, l.Reason = actionReopen, "reopened: the invoice is open again (lettrage reversed)"
		ls = append(ls, l)
	}
	for _, t := range d.Transitions {
		l := base(t.From, t.To)
		l.Action = string(t.Action)
		l.Penalties, l.Indemnity = t.Letter.Penalties.String(), t.Letter.Indemnity.String()
		l.PenaltiesNote = t.Letter.PenaltiesUnavailable
		if !t.Deadline.IsZero() {
			l.Deadline = strPtr(t.Deadline.String())
		}
		l.Route = string(t.Route)
		l.Reason = t.Reason
		if d.Reopen {
			l.Reason = "reopened (lettrage reversed); " + l.Reason
		}
		ls = append(ls, l)
	}
	if c := d.Close; c != nil {
		l := base(from, StageClosed)
		l.Action = actionClose
		if c.Penalties.Currency != "" {
			l.Penalties = c.Penalties.String()
		}
		if c.Indemnity.Currency != "" {
			l.Indemnity = c.Indemnity.String()
		}
		l.Reason = c.Note
		l.PenaltiesNote = c.PenaltiesUnavailable
		ls = append(ls, l)
	}
	if explain && len(d.Holds) > 0 {
		l := base(from, "")
		l.Action = actionHold
		if d.AccruedKnown {
			l.Penalties, l.Indemnity = d.Penalties.String(), d.Indemnity.String()
		}
		var rs []string
		for _, h := range d.Holds {
			rs = append(rs, string(h.Reason)+": "+h.Detail)
		}
		if !d.AccruedKnown && d.AccruedNote != "" {
			rs = append(rs, "penalties unknown: "+d.AccruedNote)
		}
		l.Reason = strings.Join(rs, "; ")
		ls = append(ls, l)
	}
	return ls
}

// stageBefore returns the stage the case was at before the transitions.
func (d Decision) stageBefore() string {
	if len(d.Transitions) > 0 {
		return d.Transitions[0].From
	}
	return d.Stage
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

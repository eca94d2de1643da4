package dunningrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
)

// DisputeInput opens a litige on an invoice.
type DisputeInput struct {
	Reason dunning.DisputeReason
	// Opened is the first day of the dispute; today when zero.
	Opened ledger.Date
	// Expires, optional, is the first day the dispute no longer pauses.
	Expires ledger.Date
	Note    string
}

// PlanInput agrees a payment plan (échéancier) on an invoice.
type PlanInput struct {
	// Agreed is the first day the plan suspends dunning; today when zero.
	Agreed       ledger.Date
	Installments []dunning.Installment
	// GraceDays after each installment's due date; the policy's
	// payment_plans.grace_days when nil.
	GraceDays *int
}

// OpenDispute records a dispute on the invoice (a journal row, no event),
// then evaluates the invoice as of the dispute's first day: the case
// pauses with its dunning.paused event, and resumes where it was when the
// dispute is closed or expires.
func (r *Runner) OpenDispute(ctx context.Context, invoiceID string, in DisputeInput, actor string) (dunning.Dispute, Report, error) {
	if !in.Reason.Valid() {
		return dunning.Dispute{}, Report{}, fmt.Errorf("dispute reason %q, want price, quality, delivery, administrative or other: %w", in.Reason, ledger.ErrInvalid)
	}
	if in.Opened.IsZero() {
		in.Opened = r.Today()
	}
	if !in.Expires.IsZero() && !in.Expires.After(in.Opened) {
		return dunning.Dispute{}, Report{}, fmt.Errorf("dispute expires %s, want after it opens (%s): %w", in.Expires, in.Opened, ledger.ErrInvalid)
	}
	dis := dunning.Dispute{ID: ledger.NewID(r.cfg.Clock()), Reason: in.Reason, Opened: in.Opened, Expires: in.Expires, Note: in.Note}
	err := r.record(ctx, invoiceID, in.Opened, actor, "dispute_opened", "dispute opened ("+string(in.Reason)+")", dis,
		func(st *dunning.State) error {
			st.Disputes = append(st.Disputes, dis)
			return nil
		})
	if err != nil {
		return dis, Report{}, err
	}
	rep, err := r.EvaluateInvoice(ctx, invoiceID, in.Opened, actor)
	return dis, rep, err
}

// CloseDispute closes an open dispute on day closed (today when zero) and
// evaluates the invoice as of that day: the case resumes.
func (r *Runner) CloseDispute(ctx context.Context, invoiceID, disputeID string, closed ledger.Date, note, actor string) (dunning.Dispute, Report, error) {
	if closed.IsZero() {
		closed = r.Today()
	}
	var dis dunning.Dispute
	err := r.record(ctx, invoiceID, closed, actor, "dispute_closed", orText(note, "dispute closed"), map[string]any{"dispute_id": disputeID, "closed": closed, "note": note},
		func(st *dunning.State) error {
			for i := range st.Disputes {
				d := &st.Disputes[i]
				if d.ID != disputeID {
					continue
				}
				if !d.Closed.IsZero() {
					return fmt.Errorf("dispute %s was closed on %s: %w", disputeID, d.Closed, ledger.ErrConflict)
				}
				if closed.Before(d.Opened) {
					return fmt.Errorf("dispute %s opened %s, closed %s: %w", disputeID, d.Opened, closed, ledger.ErrInvalid)
				}
				d.Closed = closed
				if note != "" {
					d.Note = joinNote(d.Note, note)
				}
				dis = *d
				return nil
			}
			return fmt.Errorf("dispute %s on invoice %s: %w", disputeID, invoiceID, ledger.ErrNotFound)
		})
	if err != nil {
		return dis, Report{}, err
	}
	rep, err := r.EvaluateInvoice(ctx, invoiceID, closed, actor)
	return dis, rep, err
}

// CreatePlan records a payment plan on the invoice and evaluates it as of
// the day it was agreed: dunning is suspended while installments arrive
// on time; a missed one past its grace breaks the plan and dunning resumes
// at the policy's payment_plans.on_break_stage.
func (r *Runner) CreatePlan(ctx context.Context, invoiceID string, in PlanInput, actor string) (dunning.PaymentPlan, Report, error) {
	if in.Agreed.IsZero() {
		in.Agreed = r.Today()
	}
	grace := r.cfg.Policy.PaymentPlans.GraceDays
	if in.GraceDays != nil {
		grace = *in.GraceDays
	}
	if grace < 0 || grace > 60 {
		return dunning.PaymentPlan{}, Report{}, fmt.Errorf("grace_days %d, want 0 to 60: %w", grace, ledger.ErrInvalid)
	}
	if len(in.Installments) == 0 {
		return dunning.PaymentPlan{}, Report{}, fmt.Errorf("a payment plan needs installments: %w", ledger.ErrInvalid)
	}
	pl := dunning.PaymentPlan{ID: ledger.NewID(r.cfg.Clock()), Agreed: in.Agreed, Installments: in.Installments, GraceDays: grace}
	err := r.record(ctx, invoiceID, in.Agreed, actor, "payment_plan_agreed", fmt.Sprintf("payment plan of %d installments", len(in.Installments)), pl,
		func(st *dunning.State) error {
			for _, p := range st.Plans {
				if p.Cancelled.IsZero() {
					return fmt.Errorf("invoice %s has payment plan %s in force: cancel it first: %w", invoiceID, p.ID, ledger.ErrConflict)
				}
			}
			st.Plans = append(st.Plans, pl)
			return nil
		})
	if err != nil {
		return pl, Report{}, err
	}
	rep, err := r.EvaluateInvoice(ctx, invoiceID, in.Agreed, actor)
	return pl, rep, err
}

// CancelPlan ends a payment plan on day cancelled (today when zero) and
// evaluates the invoice as of that day: dunning resumes.
func (r *Runner) CancelPlan(ctx context.Context, invoiceID, planID string, cancelled ledger.Date, actor string) (dunning.PaymentPlan, Report, error) {
	if cancelled.IsZero() {
		cancelled = r.Today()
	}
	var pl dunning.PaymentPlan
	err := r.record(ctx, invoiceID, cancelled, actor, "payment_plan_cancelled", "payment plan cancelled", map[string]any{"plan_id": planID, "cancelled": cancelled},
		func(st *dunning.State) error {
			for i := range st.Plans {
				p := &st.Plans[i]
				if p.ID != planID {
					continue
				}
				if !p.Cancelled.IsZero() {
					return fmt.Errorf("payment plan %s was cancelled on %s: %w", planID, p.Cancelled, ledger.ErrConflict)
				}
				if cancelled.Before(p.Agreed) {
					cancelled = p.Agreed
				}
				p.Cancelled = cancelled
				pl = *p
				return nil
			}
			return fmt.Errorf("payment plan %s on invoice %s: %w", planID, invoiceID, ledger.ErrNotFound)
		})
	if err != nil {
		return pl, Report{}, err
	}
	rep, err := r.EvaluateInvoice(ctx, invoiceID, cancelled, actor)
	return pl, rep, err
}

// record stores a change a person made to a case's state (a dispute, a
// plan) as a step of its own, with its journal row and no event; the
// evaluation that follows emits the pause or resume.
func (r *Runner) record(ctx context.Context, invoiceID string, on ledger.Date, actor, action, reason string, details any, mutate func(*dunning.State) error) error {
	det, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	for attempt := 0; ; attempt++ {
		inv, err := r.cfg.Store.GetInvoice(ctx, invoiceID)
		if err != nil {
			return err
		}
		switch {
		case inv.Status == ledger.InvoiceCancelled:
			return fmt.Errorf("invoice %s is cancelled: %w", invoiceID, ledger.ErrConflict)
		case inv.Amount.Currency != r.cfg.Policy.Currency:
			return fmt.Errorf("invoice %s is in %s, the dunning policy in %s: %w", invoiceID, inv.Amount.Currency, r.cfg.Policy.Currency, ledger.ErrInvalid)
		}
		stored, err := r.storedCase(ctx, invoiceID)
		if err != nil {
			return err
		}
		var st dunning.State
		rec := ledger.DunningCase{CustomerID: inv.CustomerID, Status: ledger.DunningActive}
		var version int64
		if stored != nil {
			rec, version = *stored, stored.Version
			if len(stored.State) > 0 {
				if err := json.Unmarshal(stored.State, &st); err != nil {
					return fmt.Errorf("case state of %s: %w", invoiceID, err)
				}
			}
		}
		if err := mutate(&st); err != nil {
			return err
		}
		cs, err := r.customerScenario(ctx, inv.CustomerID)
		if err != nil {
			return err
		}
		sc, err := r.cfg.Policy.ScenarioFor(dunning.Case{Invoice: inv, CustomerScenario: cs}.WithState(st))
		if err != nil {
			return err
		}
		rec.Scenario = sc.Name
		for _, pl := range st.Plans {
			for _, in := range pl.Installments {
				if in.Amount.Currency != inv.Amount.Currency || in.Amount.Minor <= 0 || in.Due.IsZero() {
					return fmt.Errorf("installment %s %s due %s: want a positive amount in %s and a due date: %w", in.Amount, in.Amount.Currency, in.Due, inv.Amount.Currency, ledger.ErrInvalid)
				}
			}
		}
		if rec.State, err = json.Marshal(st); err != nil {
			return fmt.Errorf("case state: %w", err)
		}
		_, err = r.cfg.Store.TransitionDunning(ctx, ledger.DunningTransition{InvoiceID: invoiceID, FromVersion: version, To: rec, AsOf: on,
			Action: action, Details: det}, ledger.Write[ledger.DunningOutcome]{Actor: actor, Reason: reason})
		if errors.Is(err, ledger.ErrConflict) && attempt+1 < maxAttempts {
			continue
		}
		return err
	}
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// View is an invoice's dunning file: the case, its full dated history and
// what the machine says of it today.
type View struct {
	Invoice ledger.Invoice
	// Case is nil when the invoice has none.
	Case  *ledger.DunningCase
	State dunning.State
	// History is every stored step, oldest first.
	History       []ledger.DunningStep
	CustomerHolds []dunning.CustomerHold
	// CustomerScenario is the customer's scenario override, "" for none
	// (the invoice's is State.Scenario).
	CustomerScenario string
	// Preview is the decision as of Today, not stored; nil when the
	// invoice is not chased (another currency) or today is before the
	// case's last change.
	Preview *dunning.Decision
	Today   ledger.Date
}

// CaseView returns the dunning file of an invoice; ErrNotFound for an
// unknown invoice.
func (r *Runner) CaseView(ctx context.Context, invoiceID string) (View, error) {
	v := View{Today: r.Today()}
	inv, err := r.cfg.Store.GetInvoice(ctx, invoiceID)
	if err != nil {
		return v, err
	}
	v.Invoice = inv
	if v.Case, err = r.storedCase(ctx, invoiceID); err != nil {
		return v, err
	}
	if v.Case != nil && len(v.Case.State) > 0 {
		if err := json.Unmarshal(v.Case.State, &v.State); err != nil {
			return v, fmt.Errorf("case state of %s: %w", invoiceID, err)
		}
	}
	if v.History, err = r.cfg.Store.DunningHistory(ctx, invoiceID); err != nil {
		return v, err
	}
	d, err := r.loadRunData(ctx)
	if err != nil {
		return v, err
	}
	v.CustomerHolds = d.holds[inv.CustomerID]
	v.CustomerScenario = d.scenarios[inv.CustomerID]
	if inv.Amount.Currency == r.cfg.Policy.Currency && !v.State.AsOf.After(v.Today) {
		c, _, err := r.buildCase(ctx, d, inv, v.Case, v.Today)
		if err != nil {
			return v, err
		}
		if e, ok := c.Current(); !ok || !e.Entered.After(v.Today) {
			dec, err := dunning.Next(c, v.Today, r.cfg.Policy)
			if err != nil {
				return v, err
			}
			v.Preview = &dec
		}
	}
	return v, nil
}

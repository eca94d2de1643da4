package dunningrun

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
)

func isNotFound(err error) bool { return errors.Is(err, ledger.ErrNotFound) }

// holdOf is the machine's view of a stored hold: it ends on the earlier of
// its planned end and the day it was lifted.
func holdOf(h ledger.DunningHold) dunning.CustomerHold {
	return dunning.CustomerHold{ID: h.ID, Kind: dunning.CustomerHoldKind(h.Kind), Since: h.Since, Until: h.End(), Reason: h.Note, Published: h.Published}
}

// loadCustomerHolds reads the customer holds, past and present (one
// customer, or all when customerID is ""), by customer, oldest first. Past
// holds matter too: the days they paused push the schedule back, and an
// insolvency forbids the indemnity for good.
func loadCustomerHolds(ctx context.Context, s ledger.DunningStore, customerID string) (map[string][]dunning.CustomerHold, error) {
	out := map[string][]dunning.CustomerHold{}
	f := ledger.DunningHoldFilter{CustomerID: customerID, Limit: pageSize}
	for {
		hs, err := s.ListDunningHolds(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("customer holds: %w", err)
		}
		for _, h := range hs {
			out[h.CustomerID] = append(out[h.CustomerID], holdOf(h))
		}
		if len(hs) < pageSize {
			return out, nil
		}
		f.After = hs[len(hs)-1].ID
	}
}

// CustomerHoldInput places a customer-wide hold.
type CustomerHoldInput struct {
	Kind dunning.CustomerHoldKind
	// Since is the first day held; today when zero.
	Since ledger.Date
	// Until, optional, is the first day no longer held.
	Until ledger.Date
	// Published is the BODACC publication of an insolvency judgment.
	Published ledger.Date
	Reason    string
}

// PlaceCustomerHold stores a hold on every invoice of a customer (with its
// journal row), then evaluates the customer's invoices as of its first day
// (pausing their cases, each with its event). Insolvency holds also forbid
// the 40 € indemnity in every later letter and closing.
func (r *Runner) PlaceCustomerHold(ctx context.Context, customerID string, in CustomerHoldInput, actor string) (dunning.CustomerHold, Report, error) {
	if in.Kind != dunning.HoldInsolvency && in.Kind != dunning.HoldManual {
		return dunning.CustomerHold{}, Report{}, fmt.Errorf("hold kind %q, want insolvency or manual: %w", in.Kind, ledger.ErrInvalid)
	}
	if in.Since.IsZero() {
		in.Since = r.Today()
	}
	if !in.Until.IsZero() && !in.Until.After(in.Since) {
		return dunning.CustomerHold{}, Report{}, fmt.Errorf("hold until %s, want after %s: %w", in.Until, in.Since, ledger.ErrInvalid)
	}
	stored, err := r.cfg.Store.PlaceDunningHold(ctx, ledger.DunningHold{CustomerID: customerID, Kind: string(in.Kind), Note: in.Reason,
		Since: in.Since, Until: in.Until, Published: in.Published},
		ledger.Write[ledger.DunningHold]{Actor: actor, Reason: orText(in.Reason, "customer hold ("+string(in.Kind)+")")})
	if err != nil {
		return dunning.CustomerHold{}, Report{}, fmt.Errorf("customer %s: place hold: %w", customerID, err)
	}
	rep, err := r.evaluateCustomer(ctx, customerID, in.Since, actor)
	return holdOf(stored), rep, err
}

// LiftCustomerHolds lifts every hold of the customer not ended by day on
// (today when zero; a hold starting later is lifted on its first day) and
// evaluates its invoices as of that day, resuming their cases. ErrNotFound
// when the customer has no such hold.
func (r *Runner) LiftCustomerHolds(ctx context.Context, customerID string, on ledger.Date, reason, actor string) ([]dunning.CustomerHold, Report, error) {
	if on.IsZero() {
		on = r.Today()
	}
	var active []ledger.DunningHold
	f := ledger.DunningHoldFilter{CustomerID: customerID, Active: true, On: on, Limit: pageSize}
	for {
		hs, err := r.cfg.Store.ListDunningHolds(ctx, f)
		if err != nil {
			return nil, Report{}, fmt.Errorf("customer %s: holds: %w", customerID, err)
		}
		active = append(active, hs...)
		if len(hs) < pageSize {
			break
		}
		f.After = hs[len(hs)-1].ID
	}
	if len(active) == 0 {
		return nil, Report{}, fmt.Errorf("customer %s has no hold in force on %s: %w", customerID, on, ledger.ErrNotFound)
	}
	var lifted []dunning.CustomerHold
	evalOn := on
	w := ledger.Write[ledger.DunningHold]{Actor: actor, Reason: reason}
	for _, h := range active {
		liftOn := on
		if liftOn.Before(h.Since) {
			liftOn = h.Since
		}
		if liftOn.After(evalOn) {
			evalOn = liftOn
		}
		out, err := r.cfg.Store.LiftDunningHold(ctx, h.ID, liftOn, w)
		if err != nil {
			return lifted, Report{}, fmt.Errorf("customer %s: lift hold %s: %w", customerID, h.ID, err)
		}
		lifted = append(lifted, holdOf(out))
	}
	rep, err := r.evaluateCustomer(ctx, customerID, evalOn, actor)
	return lifted, rep, err
}

// CustomerHolds returns the holds of a customer, past and present.
func (r *Runner) CustomerHolds(ctx context.Context, customerID string) ([]dunning.CustomerHold, error) {
	hs, err := loadCustomerHolds(ctx, r.cfg.Store, customerID)
	if err != nil {
		return nil, err
	}
	return hs[customerID], nil
}

// evaluateCustomer evaluates the open invoices and running cases of one
// customer as of a day (each no earlier than its case's last change).
func (r *Runner) evaluateCustomer(ctx context.Context, customerID string, on ledger.Date, actor string) (Report, error) {
	rep := Report{AsOf: on}
	ids := map[string]bool{}
	f := ledger.InvoiceFilter{CustomerID: customerID, Statuses: []ledger.InvoiceStatus{ledger.InvoiceOpen, ledger.InvoicePartiallyPaid}, Limit: pageSize}
	for {
		invs, err := r.cfg.Store.ListInvoices(ctx, f)
		if err != nil {
			return rep, err
		}
		for _, inv := range invs {
			ids[inv.ID] = true
		}
		if len(invs) < pageSize {
			break
		}
		f.After = invs[len(invs)-1].ID
	}
	cf := ledger.DunningFilter{CustomerID: customerID, Limit: pageSize}
	for {
		cs, err := r.cfg.Store.ListDunningCases(ctx, cf)
		if err != nil {
			return rep, err
		}
		for _, c := range cs {
			if c.Status != ledger.DunningClosed {
				ids[c.InvoiceID] = true
			}
		}
		if len(cs) < pageSize {
			break
		}
		cf.After = cs[len(cs)-1].InvoiceID
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	d, err := r.loadRunData(ctx)
	if err != nil {
		return rep, err
	}
	for _, id := range sorted {
		inv, err := r.cfg.Store.GetInvoice(ctx, id)
		if err != nil {
			return rep, err
		}
		if inv.Amount.Currency != r.cfg.Policy.Currency {
			continue
		}
		stored, err := r.storedCase(ctx, id)
		if err != nil {
			return rep, err
		}
		sub, err := r.evaluateInvoiceWith(ctx, d, inv, stored, on, actor)
		rep.Steps = append(rep.Steps, sub.Steps...)
		rep.Evaluated += sub.Evaluated
		rep.Skipped = append(rep.Skipped, sub.Skipped...)
		if err != nil {
			rep.Failed = append(rep.Failed, Problem{id, err})
		}
	}
	if len(rep.Steps) > 0 && r.cfg.OnEvents != nil {
		r.cfg.OnEvents()
	}
	return rep, nil
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

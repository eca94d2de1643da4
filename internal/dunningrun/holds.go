package dunningrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
)

// Journal vocabulary of customer holds.
const (
	holdEntity      = "dunning_customer_hold"
	holdPlacedEvent = "dunning.customer_hold.placed"
	holdLiftedEvent = "dunning.customer_hold.lifted"
)

// holdRecord is the journal's details of a hold placed or lifted.
type holdRecord struct {
	HoldID    string      `json:"hold_id"`
	Kind      string      `json:"kind,omitempty"`
	Since     ledger.Date `json:"since,omitzero"`
	Until     ledger.Date `json:"until,omitzero"`
	Published ledger.Date `json:"published,omitzero"`
	Reason    string      `json:"reason,omitempty"`
}

func isNotFound(err error) bool { return errors.Is(err, ledger.ErrNotFound) }

// loadCustomerHolds rebuilds the customer holds from the journal (one
// customer, or all when customerID is ""), by customer, oldest first.
func loadCustomerHolds(ctx context.Context, s ledger.AuditStore, customerID string) (map[string][]dunning.CustomerHold, error) {
	type entry struct {
		customer string
		hold     dunning.CustomerHold
	}
	byID := map[string]*entry{}
	var order []string
	f := ledger.AuditFilter{EntityType: holdEntity, EntityID: customerID, Limit: pageSize}
	for {
		rows, err := s.ListAudit(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("customer holds: %w", err)
		}
		for _, row := range rows {
			var rec holdRecord
			if err := json.Unmarshal(row.Details, &rec); err != nil || rec.HoldID == "" {
				return nil, fmt.Errorf("customer hold journal row %d: unreadable details: %v", row.Seq, err)
			}
			switch row.Action {
			case holdPlacedEvent:
				if byID[rec.HoldID] == nil {
					order = append(order, rec.HoldID)
				}
				byID[rec.HoldID] = &entry{customer: row.EntityID, hold: dunning.CustomerHold{ID: rec.HoldID, Kind: dunning.CustomerHoldKind(rec.Kind),
					Since: rec.Since, Until: rec.Until, Reason: rec.Reason, Published: rec.Published}}
			case holdLiftedEvent:
				if e := byID[rec.HoldID]; e != nil {
					e.hold.Until = rec.Until
				}
			}
		}
		if len(rows) < pageSize {
			break
		}
		f.AfterSeq = rows[len(rows)-1].Seq
	}
	out := map[string][]dunning.CustomerHold{}
	for _, id := range order {
		e := byID[id]
		out[e.customer] = append(out[e.customer], e.hold)
	}
	return out, nil
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

// PlaceCustomerHold records a hold on every invoice of a customer, then
// evaluates the customer's invoices as of its first day (pausing their
// cases, each with its event). Insolvency holds also forbid the 40 €
// indemnity in every later letter and closing.
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
	if _, err := r.cfg.Store.GetCustomer(ctx, customerID); err != nil {
		return dunning.CustomerHold{}, Report{}, fmt.Errorf("customer %s: %w", customerID, err)
	}
	h := dunning.CustomerHold{ID: ledger.NewID(r.cfg.Clock()), Kind: in.Kind, Since: in.Since, Until: in.Until, Reason: in.Reason, Published: in.Published}
	det, _ := json.Marshal(holdRecord{HoldID: h.ID, Kind: string(h.Kind), Since: h.Since, Until: h.Until, Published: h.Published, Reason: h.Reason})
	if _, err := r.cfg.Store.AppendAudit(ctx, ledger.AuditRecord{Actor: actor, Action: holdPlacedEvent, EntityType: holdEntity,
		EntityID: customerID, Reason: orText(in.Reason, "customer hold ("+string(in.Kind)+")"), Details: det}); err != nil {
		return h, Report{}, fmt.Errorf("record customer hold: %w", err)
	}
	rep, err := r.evaluateCustomer(ctx, customerID, in.Since, actor)
	return h, rep, err
}

// LiftCustomerHolds ends every hold of the customer in force on day on
// (today when zero) and evaluates its invoices as of that day, resuming
// their cases. ErrNotFound when the customer has no hold in force.
func (r *Runner) LiftCustomerHolds(ctx context.Context, customerID string, on ledger.Date, reason, actor string) ([]dunning.CustomerHold, Report, error) {
	if on.IsZero() {
		on = r.Today()
	}
	holds, err := loadCustomerHolds(ctx, r.cfg.Store, customerID)
	if err != nil {
		return nil, Report{}, err
	}
	var lifted []dunning.CustomerHold
	for _, h := range holds[customerID] {
		if !h.Until.IsZero() && !h.Until.After(on) {
			continue // over already
		}
		if on.Before(h.Since) {
			on = h.Since
		}
		h.Until = on
		det, _ := json.Marshal(holdRecord{HoldID: h.ID, Kind: string(h.Kind), Until: on, Reason: reason})
		if _, err := r.cfg.Store.AppendAudit(ctx, ledger.AuditRecord{Actor: actor, Action: holdLiftedEvent, EntityType: holdEntity,
			EntityID: customerID, Reason: orText(reason, "customer hold lifted"), Details: det}); err != nil {
			return lifted, Report{}, fmt.Errorf("record customer hold lifted: %w", err)
		}
		lifted = append(lifted, h)
	}
	if len(lifted) == 0 {
		return nil, Report{}, fmt.Errorf("customer %s has no hold in force on %s: %w", customerID, on, ledger.ErrNotFound)
	}
	rep, err := r.evaluateCustomer(ctx, customerID, on, actor)
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

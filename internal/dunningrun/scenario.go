package dunningrun

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
)

// Scenario overrides. A customer's override is a row of its own (the
// store's customer scenarios, journaled): it applies to every invoice of
// the customer, including those that have no case yet. An invoice's
// override lives in its case state (dunning.State.Scenario, where the
// machine already reads it): it changes under the case version like every
// other change of the case, and it is a step of the case's own history, the
// evidence GET /v1/invoices/{id}/dunning returns. Neither is applied at
// once: the next run (scheduled or --as-of) follows the new scenario, from
// the stage the case is at.

// ScenarioChange is what setting or clearing an override changed.
type ScenarioChange struct {
	// Previous and Scenario are the override before and after ("" none).
	Previous string
	Scenario string
	// Effective is the scenario the invoice now follows (invoice
	// overrides only).
	Effective string
	// Cases are the invoices whose case recorded the change (customer
	// overrides: the running cases whose scenario changed).
	Cases []string
}

// checkScenarioName refuses a name that is not one of the policy's
// scenarios ("" clears and is accepted).
func (r *Runner) checkScenarioName(name string) error {
	if name == "" {
		return nil
	}
	names := r.cfg.Policy.ScenarioNames()
	if !slices.Contains(names, name) {
		return fmt.Errorf("scenario %q is not in the policy (want one of %s, or \"\" to clear): %w", name, strings.Join(names, ", "), ledger.ErrInvalid)
	}
	return nil
}

// customerScenario returns a customer's override, "" when none.
func (r *Runner) customerScenario(ctx context.Context, customerID string) (string, error) {
	cs, err := r.cfg.Store.ListCustomerScenarios(ctx, ledger.CustomerScenarioFilter{CustomerID: customerID, Limit: 1})
	if err != nil {
		return "", fmt.Errorf("scenario of customer %s: %w", customerID, err)
	}
	if len(cs) == 0 {
		return "", nil
	}
	return cs[0].Scenario, nil
}

// loadCustomerScenarios reads every customer override, by customer.
func loadCustomerScenarios(ctx context.Context, s ledger.DunningStore) (map[string]string, error) {
	out := map[string]string{}
	f := ledger.CustomerScenarioFilter{Limit: pageSize}
	for {
		cs, err := s.ListCustomerScenarios(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("customer scenarios: %w", err)
		}
		for _, c := range cs {
			out[c.CustomerID] = c.Scenario
		}
		if len(cs) < pageSize {
			return out, nil
		}
		f.After = cs[len(cs)-1].CustomerID
	}
}

// fitsScenario checks that a case not closed can follow its effective
// scenario from where it is: its current stage must be one of the
// scenario's stages (ErrConflict otherwise, the machine could not go on).
func (r *Runner) fitsScenario(c dunning.Case) (dunning.Scenario, error) {
	sc, err := r.cfg.Policy.ScenarioFor(c)
	if err != nil {
		return sc, err
	}
	if e, ok := c.Current(); ok && !c.Closed && !sc.Has(e.Stage) {
		return sc, fmt.Errorf("invoice %s is at stage %q, which scenario %q does not have: %w", c.Invoice.ID, e.Stage, sc.Name, ledger.ErrConflict)
	}
	return sc, nil
}

// SetInvoiceScenario sets (scenario not "") or clears an invoice's
// scenario override, as a step of its case (created when the invoice has
// none yet) with its journal row. ErrInvalid for a name not in the policy,
// ErrConflict when the case stands at a stage the new scenario lacks.
func (r *Runner) SetInvoiceScenario(ctx context.Context, invoiceID, scenario, reason, actor string) (ScenarioChange, error) {
	var ch ScenarioChange
	if err := r.checkScenarioName(scenario); err != nil {
		return ch, err
	}
	inv, err := r.cfg.Store.GetInvoice(ctx, invoiceID)
	if err != nil {
		return ch, err
	}
	cs, err := r.customerScenario(ctx, inv.CustomerID)
	if err != nil {
		return ch, err
	}
	action, def := "scenario_set", "scenario override set to "+scenario
	if scenario == "" {
		action, def = "scenario_cleared", "scenario override cleared"
	}
	err = r.record(ctx, invoiceID, r.Today(), actor, action, orText(reason, def), map[string]any{"scenario": scenario, "reason": reason},
		func(st *dunning.State) error {
			ch.Previous = st.Scenario
			st.Scenario = scenario
			sc, err := r.fitsScenario(dunning.Case{Invoice: inv, CustomerScenario: cs}.WithState(*st))
			ch.Scenario, ch.Effective = scenario, sc.Name
			return err
		})
	return ch, err
}

// SetCustomerScenario sets (scenario not "") or clears a customer's
// scenario override, journaled; each running case of the customer whose
// scenario changes records the change as a step of its history.
// ErrInvalid for a name not in the policy, ErrNotFound for an unknown
// customer, ErrConflict (nothing stored) when a running case stands at a
// stage the new scenario lacks.
func (r *Runner) SetCustomerScenario(ctx context.Context, customerID, scenario, reason, actor string) (ScenarioChange, error) {
	var ch ScenarioChange
	if err := r.checkScenarioName(scenario); err != nil {
		return ch, err
	}
	if _, err := r.cfg.Store.GetCustomer(ctx, customerID); err != nil {
		return ch, fmt.Errorf("customer %s: %w", customerID, err)
	}
	// The running cases whose scenario this changes, checked first.
	var moved []string
	var conflicts []string
	f := ledger.DunningFilter{CustomerID: customerID, Limit: pageSize}
	for {
		cases, err := r.cfg.Store.ListDunningCases(ctx, f)
		if err != nil {
			return ch, err
		}
		for _, rec := range cases {
			if rec.Status == ledger.DunningClosed {
				continue
			}
			var st dunning.State
			if len(rec.State) > 0 {
				if err := json.Unmarshal(rec.State, &st); err != nil {
					return ch, fmt.Errorf("case state of %s: %w", rec.InvoiceID, err)
				}
			}
			inv, err := r.cfg.Store.GetInvoice(ctx, rec.InvoiceID)
			if err != nil {
				return ch, err
			}
			sc, err := r.fitsScenario(dunning.Case{Invoice: inv, CustomerScenario: scenario}.WithState(st))
			switch {
			case err != nil:
				conflicts = append(conflicts, err.Error())
			case sc.Name != rec.Scenario && inv.Status != ledger.InvoiceCancelled && inv.Amount.Currency == r.cfg.Policy.Currency:
				moved = append(moved, rec.InvoiceID)
			}
		}
		if len(cases) < pageSize {
			break
		}
		f.After = cases[len(cases)-1].InvoiceID
	}
	if len(conflicts) > 0 {
		return ch, fmt.Errorf("customer %s cannot follow scenario %q: %s: %w", customerID, scenario, strings.Join(conflicts, "; "), ledger.ErrConflict)
	}
	def := "customer scenario override set to " + scenario
	if scenario == "" {
		def = "customer scenario override cleared"
	}
	out, err := r.cfg.Store.SetCustomerScenario(ctx, customerID, scenario,
		ledger.Write[ledger.CustomerScenarioChange]{Actor: actor, Reason: orText(reason, def)})
	if err != nil {
		return ch, fmt.Errorf("customer %s: %w", customerID, err)
	}
	ch.Previous, ch.Scenario = out.Previous, out.Scenario
	for _, id := range moved {
		err := r.record(ctx, id, r.Today(), actor, "customer_scenario_changed", orText(reason, def),
			map[string]any{"customer_scenario": scenario, "previous": out.Previous, "reason": reason},
			func(*dunning.State) error { return nil })
		if err != nil {
			return ch, fmt.Errorf("record the customer scenario on the case of %s: %w", id, err)
		}
		ch.Cases = append(ch.Cases, id)
	}
	return ch, nil
}

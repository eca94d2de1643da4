package dunning

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lettrage/lettrage/internal/ledger"
)

// State is the part of a Case that only the dunning machine keeps: the
// runner stores it as JSON (ledger.DunningCase.State) and fills the rest of
// the Case from the store (the invoice, its live payments, the customer's
// holds and segment, pending proposals and unmatched credits).
type State struct {
	Scenario    string        `json:"scenario,omitempty"` // the invoice's scenario override
	History     []StageEntry  `json:"history"`
	Closed      bool          `json:"closed"`
	ActiveHolds []HoldKey     `json:"active_holds,omitempty"`
	Disputes    []Dispute     `json:"disputes,omitempty"`
	Plans       []PaymentPlan `json:"plans,omitempty"`
	// AsOf is the business date of the last change the runner stored; a
	// run dated before it is refused (it would undo later pauses).
	AsOf ledger.Date `json:"as_of,omitzero"`
}

// State returns the machine-kept part of c.
func (c Case) State() State {
	return State{Scenario: c.Scenario, History: c.History, Closed: c.Closed, ActiveHolds: c.ActiveHolds,
		Disputes: c.Disputes, Plans: c.Plans}
}

// WithState returns c with the machine-kept part replaced by s.
func (c Case) WithState(s State) Case {
	c.Scenario, c.History, c.Closed, c.ActiveHolds, c.Disputes, c.Plans =
		s.Scenario, s.History, s.Closed, s.ActiveHolds, s.Disputes, s.Plans
	return c
}

// Apply returns the state after the decision d: its history entries
// appended, its holds recorded, closed or reopened.
func (s State) Apply(d Decision) State {
	s.History = append(append([]StageEntry(nil), s.History...), d.Entries()...)
	s.ActiveHolds = d.ActiveHolds()
	switch {
	case d.Close != nil:
		s.Closed, s.ActiveHolds = true, nil
	case d.Reopen:
		s.Closed = false
	}
	return s
}

// Pause summarises the holds of a decision for the case record: the
// reasons joined, with the dispute reason or the customer hold kind
// ("dispute:quality,pending_payment"), and the day the case stops being
// held if nothing changes: the latest end of its holds, zero when one of
// them is open-ended. Both are empty when the case is not held.
func (d Decision) Pause() (reason string, until ledger.Date) {
	var rs []string
	openEnded := false
	for _, h := range d.Holds {
		r := string(h.Reason)
		if h.Kind != "" {
			r += ":" + h.Kind
		}
		rs = append(rs, r)
		if h.Until.IsZero() {
			openEnded = true
		} else if h.Until.After(until) {
			until = h.Until
		}
	}
	if openEnded {
		until = ledger.Date{}
	}
	return strings.Join(rs, ","), until
}

// stageEntryJSON is StageEntry's JSON form.
type stageEntryJSON struct {
	Stage    string      `json:"stage"`
	Entered  ledger.Date `json:"entered"`
	Deadline ledger.Date `json:"deadline,omitzero"`
	Lapsed   bool        `json:"lapsed,omitempty"`
}

// MarshalJSON writes the entry with snake_case keys and ISO dates.
func (e StageEntry) MarshalJSON() ([]byte, error) { return json.Marshal(stageEntryJSON(e)) }

// UnmarshalJSON reads what MarshalJSON writes.
func (e *StageEntry) UnmarshalJSON(b []byte) error {
	var j stageEntryJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = StageEntry(j)
	return nil
}

type holdKeyJSON struct {
	Reason HoldReason `json:"reason"`
	Ref    string     `json:"ref"`
}

// MarshalJSON writes the key as {"reason": ..., "ref": ...}.
func (k HoldKey) MarshalJSON() ([]byte, error) { return json.Marshal(holdKeyJSON(k)) }

// UnmarshalJSON reads what MarshalJSON writes.
func (k *HoldKey) UnmarshalJSON(b []byte) error {
	var j holdKeyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*k = HoldKey(j)
	return nil
}

type disputeJSON struct {
	ID      string        `json:"id"`
	Reason  DisputeReason `json:"reason"`
	Opened  ledger.Date   `json:"opened"`
	Expires ledger.Date   `json:"expires,omitzero"`
	Closed  ledger.Date   `json:"closed,omitzero"`
	Note    string        `json:"note,omitempty"`
}

// MarshalJSON writes the dispute with snake_case keys and ISO dates.
func (d Dispute) MarshalJSON() ([]byte, error) { return json.Marshal(disputeJSON(d)) }

// UnmarshalJSON reads what MarshalJSON writes.
func (d *Dispute) UnmarshalJSON(b []byte) error {
	var j disputeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*d = Dispute(j)
	return nil
}

type installmentJSON struct {
	Due      ledger.Date     `json:"due"`
	Amount   string          `json:"amount"`
	Currency ledger.Currency `json:"currency"`
}

// MarshalJSON writes the installment's amount as a decimal string with its
// currency: {"due": "2025-05-31", "amount": "400.00", "currency": "EUR"}.
func (in Installment) MarshalJSON() ([]byte, error) {
	return json.Marshal(installmentJSON{Due: in.Due, Amount: in.Amount.String(), Currency: in.Amount.Currency})
}

// UnmarshalJSON reads what MarshalJSON writes, exactly.
func (in *Installment) UnmarshalJSON(b []byte) error {
	var j installmentJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	m, err := ledger.ParseMoney(j.Amount, j.Currency)
	if err != nil {
		return fmt.Errorf("installment due %s: %w", j.Due, err)
	}
	*in = Installment{Due: j.Due, Amount: m}
	return nil
}

type planJSON struct {
	ID           string        `json:"id"`
	Agreed       ledger.Date   `json:"agreed"`
	Installments []Installment `json:"installments"`
	GraceDays    int           `json:"grace_days"`
	Cancelled    ledger.Date   `json:"cancelled,omitzero"`
}

// MarshalJSON writes the plan with snake_case keys and ISO dates.
func (p PaymentPlan) MarshalJSON() ([]byte, error) { return json.Marshal(planJSON(p)) }

// UnmarshalJSON reads what MarshalJSON writes.
func (p *PaymentPlan) UnmarshalJSON(b []byte) error {
	var j planJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*p = PaymentPlan(j)
	return nil
}

package ledger

import "time"

// DunningHold is a customer-wide dunning hold: every invoice of the
// customer is paused from Since until it ends (Until, or the day it was
// lifted). The stage machine (internal/dunning) gives Kind its meaning:
// "insolvency" (collective proceedings, which also forbid the recovery
// indemnity) or "manual".
type DunningHold struct {
	ID         string
	CustomerID string
	Kind       string
	// Note is why the hold was placed, as its author gave it.
	Note string
	// Since is the first day held.
	Since Date
	// Until, optional, is the first day no longer held, set when placed.
	Until Date
	// Published is the BODACC publication date of an insolvency judgment.
	Published Date
	PlacedAt  time.Time
	PlacedBy  string
	// LiftedOn is the first day no longer held, set by LiftDunningHold;
	// zero while the hold has not been lifted.
	LiftedOn Date
	LiftedAt time.Time
	LiftedBy string
	LiftNote string
}

// Lifted reports whether the hold was lifted.
func (h DunningHold) Lifted() bool { return !h.LiftedOn.IsZero() }

// End returns the first day the hold no longer applies: the earlier of
// Until and LiftedOn, zero while it lasts until someone lifts it.
func (h DunningHold) End() Date {
	switch {
	case h.Until.IsZero():
		return h.LiftedOn
	case h.LiftedOn.IsZero() || h.Until.Before(h.LiftedOn):
		return h.Until
	}
	return h.LiftedOn
}

// DunningHoldFilter selects customer holds. Zero fields do not filter.
type DunningHoldFilter struct {
	CustomerID string
	// Active keeps the holds not lifted and, when On is set, not ended by
	// their Until on or before On.
	Active bool
	On     Date
	After  string // hold id cursor
	Limit  int
}

// CustomerScenario is a customer's dunning scenario override: every
// invoice of the customer follows Scenario instead of its segment's (an
// invoice's own override still wins).
type CustomerScenario struct {
	CustomerID string
	Scenario   string
	Reason     string
	SetAt      time.Time
	SetBy      string
}

// CustomerScenarioChange is the outcome of setting or clearing a
// customer's scenario override.
type CustomerScenarioChange struct {
	CustomerID string
	// Previous and Scenario are the override before and after; "" for none.
	Previous string
	Scenario string
}

// CustomerScenarioFilter selects customer scenario overrides.
type CustomerScenarioFilter struct {
	CustomerID string
	After      string // customer id cursor
	Limit      int
}

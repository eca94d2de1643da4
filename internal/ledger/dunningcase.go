package ledger

import "time"

// DunningStatus is whether a dunning case is running.
type DunningStatus string

// Dunning case statuses.
const (
	DunningActive DunningStatus = "active" // stages advance with time
	DunningPaused DunningStatus = "paused" // dispute, payment plan, hold, pending payment
	DunningClosed DunningStatus = "closed" // paid, cancelled, or handed off for good
)

// DunningCase is the recovery state of one unpaid invoice. The stage
// machine (internal/dunning) decides transitions; the store keeps the state
// and its history.
type DunningCase struct {
	ID         string
	InvoiceID  string
	CustomerID string
	Scenario   string // the policy scenario followed
	Stage      string // the current stage's name; "" before the first stage
	Status     DunningStatus
	StageSince Date // the date the current stage was entered
	// PauseReason and PausedUntil describe a pause (e.g. "dispute:quality"
	// until a date); empty when active.
	PauseReason string
	PausedUntil Date
	// State is the machine's own JSON state (dispute details, payment plan
	// schedule, …), stored as given.
	State []byte
	// Version counts the case's transitions; a transition names the version
	// it was computed from and is refused if the case moved since.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DunningTransition is a change of a dunning case computed by the stage
// machine: the case's new state, from which version, as of which date.
type DunningTransition struct {
	InvoiceID string
	// FromVersion is the case version the transition was computed from; 0
	// means the case does not exist yet and the transition creates it.
	FromVersion int64
	// To is the case's new state. ID, InvoiceID, Version and timestamps
	// are ignored; the store sets them.
	To DunningCase
	// AsOf is the business date of the transition (--as-of).
	AsOf Date
	// Action is what the new stage asks for ("email", "letter",
	// "registered_letter", "pause", "resume", "close", …).
	Action string
	// Details is a JSON object kept in the history (amounts due,
	// penalties, deadline, dispute reason…), or nil.
	Details []byte
}

// DunningStep is one transition in a case's history.
type DunningStep struct {
	Seq        int64 // increasing across all cases
	CaseID     string
	InvoiceID  string
	Version    int64 // the case version this step produced
	AsOf       Date
	At         time.Time // when it was recorded
	FromStage  string
	ToStage    string
	FromStatus DunningStatus // "" for the step that created the case
	ToStatus   DunningStatus
	Action     string
	Actor      string
	Reason     string
	Details    []byte
}

// DunningOutcome is the result of a stored transition.
type DunningOutcome struct {
	Case DunningCase
	Step DunningStep
}

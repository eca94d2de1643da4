// Package dunning is Lettrage's recouvrement core: the policy that says how
// unpaid invoices are chased (scenarios of stages per customer segment,
// pauses, French late-payment law), and the pure stage machine Next that
// decides, from plain values and a civil date, what should happen to one
// case now.
//
// Everything here is a pure function of its inputs: no store, no clock, no
// goroutine. The runner that loads open cases, calls Next and applies the
// decision in one store transaction (journal + outbox) lives elsewhere; it
// passes the civil date of "now" in the configured time zone (see Today).
//
// Money is integer minor units (ledger.Money) and rates are exact integers
// (Rate); interest is summed exactly with math/big and rounded half-up to
// the cent once, at the end (contract.md, "Dunning").
//
// The machine never skips a stage: one stage transition per evaluation,
// recomputed from the inputs every time (never "since the last run"), so
// downtime, partial payments or a changed clock cannot make a case jump
// (Kill Bill #2297). See Next for the exact rules.
package dunning

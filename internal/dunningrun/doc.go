// Package dunningrun applies the dunning stage machine (internal/dunning)
// to the store: for a business date it loads the open invoices and their
// cases, the payments lettered to them, the review proposals and unmatched
// credits of the same payer and the customer holds, asks dunning.Next what
// should happen, and stores each change — a stage transition, a pause, a
// resumption, a closing or a reopening — as one ledger.DunningTransition
// with its journal row and its outbox event, committed together.
//
// A run is idempotent: the machine recomputes everything from the stored
// dates, so a second run for the same date finds nothing to do. A
// transition that loses a race (ledger.ErrConflict: another replica, or an
// API call, moved the case first) is evaluated again from the new state,
// up to three times, then skipped and reported.
//
// Payments, reversals and cancellations are not pushed to this package:
// each run reads the invoice as it stands (open amount, status, the
// lettrage in force), so a full payment closes the case at the next run, a
// partial payment keeps it open on the residual and a reversed lettrage
// reopens it. Payments booked after the run's date are left out (their
// amount counts as still open), so a run for a past date replays what was
// known then.
//
// Customer-wide holds (insolvency proceedings, manual holds) are rows of
// the store's dunning holds (ledger.DunningStore.PlaceDunningHold,
// LiftDunningHold), each change journaled in its transaction; each run
// reads them all, past ones included (their days push the schedule back,
// an insolvency forbids the indemnity for good). Scenario overrides: a
// customer's is a row of its own (SetCustomerScenario), an invoice's lives
// in its case state (SetInvoiceScenario); the next run follows them.
//
// Scheduler runs the runner on a robfig/cron/v3 schedule inside
// ledger.Locker.RunExclusive, so that one replica runs each tick.
package dunningrun

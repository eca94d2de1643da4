// Package lettering is the daemon's lettering pipeline: after ingestion
// stores a statement, it matches the statement's booked credits against
// the open invoices with the reconcile engine and records each decision
// through the store, and it applies reversal debits. A Runner does it in
// Run(ctx); Notify (wired to ingestion) makes it run at once, a periodic
// tick catches up with anything else.
//
// # What is recorded
//
// One store transaction per credit (SaveMatch), carrying its events:
//
//   - auto: an applied match — allocations written, invoices' open amounts
//     reduced, an invoice at zero marked paid — with lettrage.applied per
//     invoice and invoice.paid per invoice paid;
//   - review: a proposed match, with lettrage.proposed per invoice;
//   - unmatched: an unmatched proposal (no allocations, the whole credit
//     unapplied) that a person letters by confirming it with allocations,
//     or dismisses by rejecting it, with payment.unmatched.
//
// Events about an invoice have it as aggregate (so one invoice's events
// are numbered and delivered in order); payment.unmatched has the
// transaction. Payloads carry the match, the transaction (bank reference,
// amounts as decimal strings), the allocations, the engine's reasons, and
// for per-invoice events the invoice as the change left it.
//
// # Idempotence and order
//
// A run takes the store's lock "lettering" (RunExclusive), so one replica
// letters at a time: the engine's memory of what it lettered in the run is
// the truth only if no one else letters meanwhile. Statements are taken in
// order (first day covered, account, electronic sequence number, storage
// order) and lettered one by one, each under RunExclusive with the lock
// "lettering.statement" and the statement id as slot: the store records a
// statement lettered to the end and never runs it again. Within a
// statement only booked credits without an active match are decided, so
// a run interrupted anywhere (a crash, a failed write) redoes only what is
// missing: the decisions already recorded stay, the rest follow. A run
// stops at the first failed statement so that later ones wait.
//
// The statements to look at are found by listing them: all of them at the
// first run and every FullScanInterval, otherwise those stored after the
// newest seen (ids are ULIDs in time order) less ScanOverlap, which covers
// a statement committed late by another replica.
//
// # The engine
//
// The engine is built once per batch of statements from the store's
// invoices (open, partially paid, and paid ones unless SkipPaidInvoices)
// and customers, and fed the batch's credits in order, so the cost of a
// batch is one load plus near-constant work per credit. It is rebuilt only
// when the store moved under it: after a reversal, or when a write
// conflicts with the stored state (a person lettered an invoice through
// the API meanwhile), in which case the credit is decided again once on
// fresh data.
//
// A credit that already had a decision, now rejected or reversed, is not
// decided again (this only arises when a statement is lettered again
// after an interruption): a reversal means the money went back, a
// rejection that a person took the credit in hand (the review API letters
// it by hand). A credit whose entry's transaction details do not add up to
// the booked amount is at most proposed.
//
// # Reversals
//
// A booked debit flagged as a reversal (CAMT RvslInd) or carrying a return
// reason (a SEPA return, an unpaid direct debit) undoes an earlier
// payment. The original is looked for among the account's earlier booked
// credits of the same amount and currency that share an end-to-end
// reference (EndToEndId, UETR, TxId, InstrId or the bank's transaction
// reference). When exactly one of them is lettered, its lettrage is
// reversed (ReverseMatch: invoices get their open amounts back,
// lettrage.reversed per invoice; the journal reason names the reversal
// debit, which makes the step idempotent). When several are lettered,
// nothing is reversed and the candidates are logged for a person to
// reverse the right one through the API; when the credit found is not
// lettered, or none is found, that is logged too. CFONB statements do not
// flag reversals; their returns carry a return reason and are handled
// the same way when they share a reference with the original credit.
package lettering

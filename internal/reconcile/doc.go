// Package reconcile is Lettrage's matching engine: for each bank credit, in
// statement order, it finds the open invoices the credit pays, decides how
// sure it is (auto, review or unmatched) and says why.
//
// # Pipeline
//
// NewEngine builds every index once per run from the open invoices and the
// customers: invoice-number keys and their deletion neighbourhood
// (matchers.ReferenceIndex), payer IBAN → customers, customer names
// (token postings with IDF weights), open amounts per currency, and each
// customer's open invoices. Match then, for one credit:
//
//  1. retrieves candidates through those indexes only — invoices named in
//     the texts (exactly, by ISO 11649 reference, or fuzzily), customers
//     recognised by IBAN, learned alias or name, invoices of the credit's
//     exact amount — never by scanning all invoices;
//  2. builds proposals (sets of invoices of one credit): the invoices the
//     remittance names, subsets of those, a customer's invoices of the
//     right amount or summing to it (bounded subset search), amount-only
//     candidates;
//  3. scores each proposal as a sum of evidence weights in bits
//     (log-likelihood ratios, Fellegi–Sunter style) on top of a prior, and
//     turns the scores into probabilities normalised over the proposals and
//     the hypothesis "none of them" — so two equally good proposals each
//     get at most one half;
//  4. decides: auto only when the best proposal's probability reaches
//     Config.AutoThreshold, beats the runner-up by Config.AmbiguityMargin
//     bits, and passes the safety rules below; review when the best
//     proposal is plausible on its own (its probability without the
//     alternatives reaches Config.ReviewThreshold); unmatched otherwise;
//  5. allocates the credit, and remembers it: invoices fully lettered by an
//     auto decision, or held by a review proposal, are not offered again in
//     the run; partially paid ones are offered with their residual.
//
// # Safety rules for auto
//
//   - Every allocated invoice is identified: by a strong reference (its
//     number of a distinctive shape, or its valid RF reference), by a weak
//     or fuzzy reference corroborated by the payer (known IBAN, learned
//     alias, closely matching name) or by an exact and unusual amount, or —
//     with no reference at all — by a payer IBAN or alias known for its
//     customer alone together with amounts that reconcile. The amount alone
//     never suffices, nor does the payer's name alone: names equal up to the
//     legal form are not the same customer.
//   - The allocations reconcile with the credit: exactly, or short by at
//     most the fee tolerance (written off). A partial payment is automatic
//     only for one invoice named by a strong reference, from a corroborated
//     payer, when no other open invoice of that customer has the credit's
//     amount; an overpayment only when every invoice is strongly referenced
//     and the payer corroborated (the rest stays unapplied).
//   - No strongly referenced invoice is left out of the proposal (a 1 %
//     drift does not drop the second invoice of "FA-1 FA-2"), and no
//     invoice was issued after the payment.
//   - Currencies agree (invoices of another currency are never
//     candidates).
//
// # Decisions on partial payments
//
// A credit below the open amount of the single invoice it strongly names,
// beyond the fee tolerance, from a corroborated payer, is lettered
// automatically as a partial payment: the residual stays open and is
// offered to later credits. Without payer corroboration, or across several
// invoices (which one is short is a guess), it is a review proposal that
// allocates oldest due first.
//
// # What is matched
//
// Only booked credit transactions (CRDT, status BOOK, not a reversal) are
// matched; Match returns ErrNotMatchable for anything else. A reversed
// credit (a DBIT with RvslInd) undoes an earlier payment and belongs to the
// store's unmatch path, not to this engine. The engine is not safe for
// concurrent use: a run is sequential by nature (statement order decides
// which credit letters an invoice first).
package reconcile

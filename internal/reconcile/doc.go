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
//     auto decision are not offered again in the run; invoices held by a
//     review proposal are not allocated again to a proposal that does not
//     outweigh the holding one by Config.AmbiguityMargin bits, but still
//     compete (a rival held by a pending review keeps a decision from
//     being automatic) — a weak guess on an unrelated credit does not keep
//     a well-evidenced later credit from its invoice; partially paid ones
//     are offered with their residual.
//
// Retrieval is bounded per credit whatever the size of the book: a
// mistyped text that reads as more than a few invoices (dense sequential
// numbering) keeps only the readings the amount or the payer's IBAN makes
// plausible, still weighed against all of them.
//
// # Scoring
//
// A proposal's weight W (bits) is the prior (Config.PriorBits) plus: the
// weight of each reference naming one of its invoices (matchers'); minus
// a share of each strongly named invoice it leaves out, and a little for
// each invoice it adds that the remittance does not name; the payer's
// evidence for its customer (IBAN, learned alias, name similarity); the
// amount's evidence — exact (weighed by how many open invoices share the
// amount and how round it is), within fees (fees are rarer: −4.2 bits),
// partial (−2), over (−1); an invoice picked by amount among a customer's
// n invoices pays log₂ n (or log₂ of the subsets searched) against the odds
// that a known customer's payment pays its invoices (+4.2); dates (−6 per
// invoice issued after the payment; recency only breaks ties). The score is
// 2^W of the best over 1 + Σ 2^W of every proposal: alternatives, including
// those held by pending reviews, take probability away.
//
// # Safety rules for auto
//
//   - Every allocated invoice is identified: by a strong reference (its
//     number of a distinctive shape, or its valid RF reference); by a weak
//     reference (fuzzy, abbreviated, a lookalike) corroborated by the payer
//     (known IBAN, learned alias, an account shared by a few customers
//     including this one, a closely matching name) or — for one edit from a
//     long or lettered number — by an exact and unusual amount; a reference
//     found only inside a longer number, or a text that exactly names an
//     invoice already paid or held read as a typo of another, needs the
//     payer. With no reference at all, an invoice is identified only by a
//     payer IBAN (or alias) known for its customer alone, or shared by a few
//     customers including it, with amounts that reconcile and that single
//     it out after the look-elsewhere correction; a subset found among the
//     customer's invoices needs more (and a complete search). When the
//     remittance names invoices, an invoice it does not name is never
//     lettered automatically. The amount alone never suffices, nor does the
//     payer's name alone: names equal up to the legal form are not the same
//     customer.
//   - Contradicting evidence caps the decision at review: a weak
//     reference (fuzzy, abbreviated, a lookalike, inside a longer number)
//     when the payer's IBAN is known only for other customers or its name
//     closely matches another customer's; a text read as a typo that names
//     exactly an invoice already paid or lettered (a duplicate payment)
//     unless that invoice is another customer's and the payer corroborates
//     the typo's customer and not the other; an unreferenced invoice when
//     the payer's name is another customer's; even a strong reference when
//     the payer's IBAN and name both designate one other customer.
//   - The best proposal beats every other — held ones included — by
//     Config.AmbiguityMargin bits, and its score reaches
//     Config.AutoThreshold.
//   - The allocations reconcile with the credit: exactly, or short by at
//     most the fee tolerance (written off). A partial payment is automatic
//     only for one invoice named by a strong reference that names nothing
//     else, when no other open invoice of that customer has the credit's
//     amount and the payer is not plainly another customer (its IBAN known
//     for one other customer, or its name another customer's). An
//     overpayment is automatic only when every invoice is named so, the
//     excess is not the amount of other open invoices of the customer, and
//     it does not exceed the invoices' total; the rest stays unapplied.
//   - No strongly referenced invoice is left out of the proposal (a 1 %
//     drift does not drop the second invoice of "FA-1 FA-2"), no invoice
//     was issued after the payment, and a remittance naming an invoice
//     already paid or held blocks a partial or excess allocation.
//   - Currencies agree (invoices of another currency are never
//     candidates).
//
// # Decisions on partial payments
//
// A credit below the open amount of the single invoice it strongly and
// unambiguously names, beyond the fee tolerance, is lettered automatically
// as a partial payment unless something contradicts it (see above): the
// residual stays open and is offered to later credits of the run.
// Across several invoices (which one stays open is a guess) it is a review
// proposal that allocates oldest due first.
//
// # What is matched
//
// Only booked credit transactions (CRDT, status BOOK, not a reversal) are
// matched; Match returns ErrNotMatchable for anything else. A reversed
// credit (a DBIT with RvslInd) undoes an earlier payment and belongs to the
// store's unmatch path, not to this engine. The engine is not safe for
// concurrent use: a run is sequential by nature (statement order decides
// which credit letters an invoice first).
//
// # Preparing credits ahead
//
// Part of a credit's matching depends on nothing a decision changes: its
// texts tokenised, the windows that could be references found and looked
// up in the reference index (the invoices whose numbers they match,
// before asking which are still offered), its payer names normalised and
// looked up in the customer-name index built by NewEngine. Engine.Prepare does that part and may run on another
// goroutine, at the same time as MatchPrepared decides on earlier credits;
// MatchPrepared then gives exactly Match's decision. internal/matchstream
// runs `lettrage match` so: the parser and Prepare on one core, the
// decisions in file order on the other.
package reconcile

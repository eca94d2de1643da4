// Package matchers recognises which open invoices a bank credit pays.
//
// It holds the strategies of Lettrage's matching engine, each behind the
// small Strategy interface: a strategy looks at one Payment and a few
// candidate Invoices and returns Evidence — a weight and a sentence a
// person can read. Weights are log-likelihood ratios in bits (log₂ of how
// much more likely the observation is if the payment does pay the invoice
// than if it does not), so evidence adds up and a caller can turn the sum
// into a probability (see Probability).
//
// Candidates are never found by comparing a payment with every invoice:
// the indexes here (ReferenceIndex, AccountIndex, NameIndex, AmountIndex)
// are built once from the open invoices and answer a payment with the few
// invoices or customers worth scoring.
//
// The package depends on the standard library and
// github.com/agnivade/levenshtein only, so other programs can use it.
// Amounts are integer minor units; nothing here uses floats for money.
//
// Strategies, one per file:
//
//   - ExactReference: invoice numbers in remittance text, EndToEndId and
//     labels, after normalisation, with the shape of the creditor's numbers
//     learned from the invoices so dates, amounts, IBANs, phone numbers,
//     postcodes and SIREN/SIRET are not taken for references.
//   - FuzzyReference: the same, one or two edits away, found through a
//     deletion-neighbourhood index and verified with Levenshtein.
//   - CreditorReference: ISO 11649 "RF" references (mod-97 checked).
//   - PayerAccount: payer IBANs known per customer.
//   - PayerName: payer names compared token by token with IDF weights,
//     legal forms and truncation handled.
//   - Amount: exact, within a bank-fee tolerance, partial payment,
//     overpayment, and subsets of one customer's invoices (FindSubsets).
//   - DatePlausibility: a payment does not precede its invoice; recency
//     breaks ties.
package matchers

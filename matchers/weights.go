package matchers

// Evidence weights, in bits (log₂ likelihood ratios). They are the model's
// parameters; each strategy documents how it derives its weight from them.
// A caller combines evidence by adding weights to a prior log-odds and
// turning the sum into a probability with Probability.
//
// The scale: 10 bits is a likelihood ratio of about 1000:1. StrongBits is
// the weight from which a single piece of evidence identifies an invoice or
// a customer on its own.
const (
	// StrongBits is the weight at or above which a reference hit counts as
	// identifying on its own (Evidence.Strong).
	StrongBits = 14.0

	// Exact invoice-number hits.
	bitsRefWithLetters = 20.0 // the whole number, with its letter prefix
	bitsRF             = 22.0 // the invoice's ISO 11649 reference, check digits valid
	bitsRFBody         = 18.0 // that reference's body, printed without "RF"
	bitsLookalikeCap   = 6.0  // a hit on a token that also reads as a date, SIREN/SIRET or postcode
	bitsKeywordBonus   = 3.0  // a digits-only hit right after FACTURE, INV, N°…
	bitsPartialPenalty = 2.0  // the digits of a number whose letter prefix the payer left out
	bitsStrippedExtra  = 1.0  // … and also its leading zeros
	bitsRegrouped      = 2.0  // a number split where the printed one is not ("2409/6226")

	// Fuzzy invoice-number hits (never strong on their own).
	bitsFuzzy1       = 9.0 // one edit, or two adjacent characters swapped
	bitsFuzzy2       = 5.0 // two edits
	bitsFuzzyShort   = 2.0 // penalty for keys shorter than 7 characters
	bitsFuzzyDigits  = 1.0 // penalty for digits-only keys
	bitsFuzzyNoShape = 2.0 // penalty for a window whose length no invoice of its prefix has
	// A longer number that contains the invoice number (a digit added at
	// either end): as likely a lure — another document's number — as a
	// typo, so it needs the payer to corroborate it.
	bitsFuzzyContained = 4.0
	// A number abbreviated in a list ("FA-2026-0012, 13, 14": the last
	// digits of the previous number replaced).
	bitsAbbreviated = 12.0

	// Payer account.
	bitsAccount            = 14.0 // payer IBAN known for this customer only
	bitsAccountOther       = -2.0 // payer IBAN known, but for other customers only (third parties pay too)
	bitsAccountShared      = 3.0  // per doubling of the number of customers sharing the IBAN, subtracted
	bitsAccountOtherShared = -0.5 // payer IBAN known for several other customers (a shared account), not this one

	// Payer name.
	bitsNameMax       = 8.0  // names equal token for token (rare tokens)
	bitsNameMin       = -2.0 // names plainly different (third parties often pay: little against)
	bitsNameLegalCap  = 2.0  // names equal up to a different legal form
	bitsNameCommonCap = 1.0  // only common words in common
	bitsAlias         = 10.0 // payer name equal to a learned alias

	// Amount.
	bitsAmountMax      = 12.0 // an exact, unusual amount
	bitsAmountMin      = 1.0  // an exact amount many invoices share
	bitsAmountFee      = 2.0  // subtracted when a fee write-off is needed
	bitsAmountPartial  = -2.0 // a partial payment of the invoice(s)
	bitsAmountOverpay  = -1.0 // more than the invoice(s): the rest stays unapplied
	bitsAmountMismatch = -4.0 // neither: the amount says nothing good
	bitsSubsetMax      = 10.0
	amountMatchProb    = 0.9         // P(amount agrees | the payment pays the invoice)
	amountFloorProb    = 1.0 / 4096  // smallest P(a payment has a given amount | it does not pay the invoice)
	subsetCoincidence  = 1.0 / 65536 // P(one subset sums to the credit by chance), before roundness

	// Dates.
	bitsBeforeIssue = -6.0 // the payment precedes the invoice
	bitsRecencyMax  = 0.5  // the most recency can take away: it only breaks ties
)

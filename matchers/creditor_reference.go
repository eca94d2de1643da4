package matchers

// CreditorReference is the strategy of ISO 11649 structured creditor
// references ("RF18 5390 0754 7034"): in structured remittance or in free
// text, written whole or in groups, valid only when the mod-97 check holds
// (an invalid one cannot equal an invoice's valid reference). The body of
// an invoice's reference printed without "RF" and its check digits is
// recognised too, as is a valid RF reference whose body is the invoice
// number.
//
// Weights: bitsRF for the reference, bitsRFBody for its body alone (less
// when short).
type CreditorReference struct{ Index *ReferenceIndex }

// Name returns "creditor-reference".
func (CreditorReference) Name() string { return "creditor-reference" }

// Evaluate returns evidence for the candidates whose creditor reference
// the payment carries.
func (s CreditorReference) Evaluate(p *Payment, cands []Invoice) []Evidence {
	return evaluateHits(s.Index, p, cands, FindOptions{}, func(h RefHit) bool {
		return h.Kind == KindCreditorReference
	})
}

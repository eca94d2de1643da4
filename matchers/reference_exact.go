package matchers

// ExactReference is the strategy of invoice numbers found in the payment's
// texts (remittance lines, EndToEndId, labels) after normalisation: case,
// spaces, dashes, slashes, dots, leading zeros; tokens glued back when
// written in groups ("FA 2024 0012"); the letter prefix left out
// ("FACTURE 2024-0012"). See ReferenceIndex for how the shape of the
// creditor's numbers keeps dates, amounts, IBANs, phone numbers, postcodes
// and company numbers from being taken for references.
//
// Weights: a whole number with letters bitsRefWithLetters (less when very
// short); digits only by length (16 bits from 8 digits down to 4 bits for
// 3), plus bitsKeywordBonus after FACTURE/INV/N°, minus bitsPartialPenalty
// without the prefix; at most bitsLookalikeCap when the text also reads as
// a date, SIREN/SIRET or postcode; minus log₂(n) when the text matches n
// invoices.
type ExactReference struct{ Index *ReferenceIndex }

// Name returns "reference".
func (ExactReference) Name() string { return "reference" }

// Evaluate returns evidence for the candidates the payment names exactly.
func (s ExactReference) Evaluate(p *Payment, cands []Invoice) []Evidence {
	return evaluateHits(s.Index, p, cands, FindOptions{}, func(h RefHit) bool {
		return h.Kind == KindReference && h.Distance == 0
	})
}

// evaluateHits runs Find restricted to the candidates and turns the hits
// keep selects into evidence.
func evaluateHits(x *ReferenceIndex, p *Payment, cands []Invoice, opt FindOptions, keep func(RefHit) bool) []Evidence {
	if x == nil || len(cands) == 0 {
		return nil
	}
	byRef := make(map[int32]int, len(cands))
	for i, c := range cands {
		byRef[c.Ref] = i
	}
	opt.Accept = func(ref int32) bool { _, ok := byRef[ref]; return ok }
	var out []Evidence
	for _, h := range x.Find(p, opt, nil) {
		if !keep(h) {
			continue
		}
		inv := cands[byRef[h.Ref]]
		out = append(out, Evidence{
			Kind: h.Kind, InvoiceRef: h.Ref, InvoiceID: inv.ID,
			CustomerRef: inv.CustomerRef, CustomerID: inv.CustomerID,
			Weight: h.Weight, Strong: h.Strong, Distance: h.Distance, Token: h.Written,
			Reason: x.Explain(h),
		})
	}
	return out
}

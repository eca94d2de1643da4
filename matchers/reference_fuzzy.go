package matchers

// FuzzyReference is the strategy of invoice numbers mistyped by the payer:
// one edit (a typo, a dropped or added character), two adjacent characters
// swapped, or — with MaxDistance 2 — two edits. Candidates come only from
// the ReferenceIndex's deletion neighbourhood (SymSpell-style: keys one
// deletion away are indexed), never from comparing the payment with every
// invoice; each is verified with Levenshtein's distance. Only text windows
// shaped like the creditor's numbers (a known letter prefix and a length
// within one of a known length) are searched, a window that contains the
// number inside a longer one is not a hit, and windows that matched an
// invoice exactly are left alone.
//
// Weights: bitsFuzzy1 for one edit or a transposition, bitsFuzzy2 for two;
// less for short or digits-only keys and for lengths no invoice has;
// minus log₂(n) when n invoices are equally close. Fuzzy evidence is never
// Strong: it needs the amount or the payer to corroborate it.
type FuzzyReference struct {
	Index       *ReferenceIndex
	MaxDistance int // 1 or 2; 0 means 2
}

// Name returns "fuzzy-reference".
func (FuzzyReference) Name() string { return "fuzzy-reference" }

// Evaluate returns evidence for the candidates the payment names with a
// typo.
func (s FuzzyReference) Evaluate(p *Payment, cands []Invoice) []Evidence {
	d := s.MaxDistance
	if d <= 0 {
		d = 2
	}
	return evaluateHits(s.Index, p, cands, FindOptions{MaxDistance: d}, func(h RefHit) bool {
		return h.Distance > 0
	})
}

package matchers

import (
	"slices"
	"strconv"
)

// PayerName is the strategy of payer names: evidence about each candidate's
// customer from the similarity of the payer's (or ultimate payer's) name
// with the customer's names. The weight grows from bitsNameMin (nothing in
// common) to bitsNameMax (the same rare words), is capped by the IDF of the
// words in common (common words say little) and by bitsNameLegalCap when
// the legal forms differ: names equal up to the legal form are not the same
// company by themselves. Name evidence is never Strong: it corroborates.
type PayerName struct{ Index *NameIndex }

// Name returns "payer-name".
func (PayerName) Name() string { return "payer-name" }

// Evaluate returns one piece of evidence per distinct candidate customer
// with an indexed name, when the payment carries a payer name.
func (s PayerName) Evaluate(p *Payment, cands []Invoice) []Evidence {
	if s.Index == nil || (p.PayerName == "" && p.UltimatePayerName == "") {
		return nil
	}
	var out []Evidence
	var done []int32
	for _, inv := range cands {
		if slices.Contains(done, inv.CustomerRef) {
			continue
		}
		done = append(done, inv.CustomerRef)
		if ev, ok := s.Compare(p, inv.CustomerRef, inv.CustomerID, inv.CustomerName); ok {
			out = append(out, ev)
		}
	}
	return out
}

// Compare weighs the payment's payer names against one customer.
func (s PayerName) Compare(p *Payment, customer int32, customerID, customerName string) (Evidence, bool) {
	var best NameHit
	var who string
	found := false
	for _, n := range [2]string{p.PayerName, p.UltimatePayerName} {
		if n == "" {
			continue
		}
		h, ok := s.Index.Compare(n, customer)
		if ok && (!found || h.Weight > best.Weight) {
			best, who, found = h, n, true
		}
	}
	if !found {
		return Evidence{}, false
	}
	return NameEvidence(best, who, customerID, customerName), true
}

// NameEvidence turns a name comparison into evidence with its reason.
func NameEvidence(h NameHit, payer, customerID, customerName string) Evidence {
	ev := Evidence{Kind: KindName, InvoiceRef: -1, CustomerRef: h.Customer, CustomerID: customerID, Weight: h.Weight}
	verb := "resembles"
	switch {
	case h.Similarity >= 0.999:
		verb = "matches"
	case h.Similarity < 0.3:
		verb = "differs from"
	}
	// What fmt.Sprintf("payer name %q %s customer %s %q (similarity
	// %.2f", …) writes, appended in one buffer: this runs for most credits.
	b := make([]byte, 0, 64+len(payer)+len(customerID)+len(customerName))
	b = append(b, "payer name "...)
	b = strconv.AppendQuote(b, payer)
	b = append(b, ' ')
	b = append(b, verb...)
	b = append(b, " customer "...)
	b = append(b, customerID...)
	b = append(b, ' ')
	b = strconv.AppendQuote(b, customerName)
	b = append(b, " (similarity "...)
	b = strconv.AppendFloat(b, h.Similarity, 'f', 2, 64)
	if h.LegalConflict {
		b = append(b, ", legal forms differ"...)
	}
	b = append(b, ')')
	ev.Reason = string(b)
	return ev
}

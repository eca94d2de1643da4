package matchers

import (
	"fmt"
	"math"
	"slices"
)

// Tolerance is how much a credit may fall short of the invoices it pays
// and still settle them, the difference being bank fees written off: at
// most AbsMinor minor units and at most Rel times the amount due.
type Tolerance struct {
	AbsMinor int64
	Rel      float64
}

// Allowed returns the largest shortfall accepted on a total due:
// min(AbsMinor, ⌊Rel × total⌋), never negative.
func (t Tolerance) Allowed(total int64) int64 {
	if total <= 0 || t.AbsMinor <= 0 || t.Rel <= 0 {
		return 0
	}
	rel := int64(math.Floor(t.Rel * float64(total)))
	return max(0, min(t.AbsMinor, rel))
}

// Fit says how a credit compares with an amount due.
type Fit uint8

// Fits.
const (
	FitExact   Fit = iota + 1 // credit = due
	FitFee                    // credit < due by at most the tolerance: fees
	FitPartial                // credit < due, beyond the tolerance: partial payment
	FitOver                   // credit > due: the rest stays unapplied
)

// String names the fit.
func (f Fit) String() string {
	switch f {
	case FitExact:
		return "exact"
	case FitFee:
		return "fee"
	case FitPartial:
		return "partial"
	case FitOver:
		return "over"
	}
	return "none"
}

// FitAmount compares credit with due under tolerance t and returns the fit
// and the difference due − credit (negative for an overpayment).
func FitAmount(credit, due int64, t Tolerance) (Fit, int64) {
	d := due - credit
	switch {
	case d == 0:
		return FitExact, 0
	case d < 0:
		return FitOver, d
	case d <= t.Allowed(due):
		return FitFee, d
	}
	return FitPartial, d
}

// roundness is how much more often than a random amount a payment has this
// one: round amounts (1000.00, 500.00) are paid for many reasons.
func roundness(amount int64, exp int) float64 {
	unit := int64(1)
	for i := 0; i < exp; i++ {
		unit *= 10
	}
	switch {
	case amount%(1000*unit) == 0:
		return 32
	case amount%(100*unit) == 0:
		return 16
	case amount%(10*unit) == 0:
		return 4
	case amount%unit == 0:
		return 2
	}
	return 1
}

// AmountBits is the weight of an exact amount agreement: log₂ of
// P(agree | the payment pays it) = amountMatchProb over P(agree | it does
// not), estimated as the share of the total open invoices that have the
// same amount besides this one (others), at least amountFloorProb, times
// the amount's roundness. An unusual amount weighs up to bitsAmountMax; a
// round amount many invoices share weighs little.
func AmountBits(amount int64, exp, others, total int) float64 {
	u := amountFloorProb
	if total > 0 {
		u = math.Max(u, float64(others)/float64(total))
	}
	u *= roundness(amount, exp)
	return clamp(math.Log2(amountMatchProb/u), bitsAmountMin, bitsAmountMax)
}

// SubsetBits is the weight of a subset of invoices summing to the credit
// when n invoices, totalling poolTotal minor units, could be combined k at
// a time at most: the more subsets were possible, the likelier one sums to
// the credit by chance. A subset's sum is taken to fall anywhere in
// [0, poolTotal] (at least subsetSpread units wide), so the chance that
// one of them hits the credit to the unit is (number of subsets) ÷ that
// width, times the amount's roundness.
func SubsetBits(amount int64, exp, n, k int, poolTotal int64) float64 {
	subsets := 0.0
	c := 1.0
	for i := 1; i <= k && i <= n; i++ {
		c = c * float64(n-i+1) / float64(i)
		subsets += c
	}
	spread := math.Max(1/subsetCoincidence, float64(poolTotal))
	u := math.Min(1, subsets/spread*roundness(amount, exp))
	return clamp(math.Log2(amountMatchProb/u), 0, bitsSubsetMax)
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// AmountIndexBuilder collects the open amounts of invoices (of one
// currency).
type AmountIndexBuilder struct {
	amounts []int64
	refs    []int32
}

// Add records invoice ref's open amount.
func (b *AmountIndexBuilder) Add(ref int32, open int64) {
	b.amounts = append(b.amounts, open)
	b.refs = append(b.refs, ref)
}

// Build sorts the amounts and returns the index.
func (b *AmountIndexBuilder) Build() *AmountIndex {
	type pair struct {
		amount int64
		ref    int32
	}
	ps := make([]pair, len(b.amounts))
	for i := range ps {
		ps[i] = pair{b.amounts[i], b.refs[i]}
	}
	slices.SortFunc(ps, func(p, q pair) int {
		switch {
		case p.amount < q.amount:
			return -1
		case p.amount > q.amount:
			return 1
		}
		return int(p.ref - q.ref)
	})
	x := &AmountIndex{amounts: b.amounts[:len(ps)], refs: b.refs[:len(ps)]}
	for i, p := range ps {
		x.amounts[i], x.refs[i] = p.amount, p.ref
	}
	x.sample = make([]int64, 0, (len(ps)+amountBlock-1)/amountBlock)
	for i := 0; i < len(ps); i += amountBlock {
		x.sample = append(x.sample, x.amounts[i])
	}
	*b = AmountIndexBuilder{}
	return x
}

// AmountIndex answers "which invoices have an open amount in [lo, hi]" and
// "how many share this amount" in O(log n). It is safe for concurrent use.
type AmountIndex struct {
	amounts []int64
	refs    []int32
	// sample holds every amountBlock-th amount: a search reads it (small,
	// cached) and then one block of amounts, instead of jumping across
	// all of them (a cache miss per step on millions of invoices).
	sample []int64
}

// amountBlock is the stride of AmountIndex.sample.
const amountBlock = 64

// lowerBound returns the position of the first amount ≥ v (len when none).
func (x *AmountIndex) lowerBound(v int64) int {
	s, _ := slices.BinarySearch(x.sample, v) // sample[s-1] < v ≤ sample[s]
	lo, hi := max(0, (s-1)*amountBlock), min(len(x.amounts), s*amountBlock)
	if lo >= hi {
		return hi
	}
	k, _ := slices.BinarySearch(x.amounts[lo:hi], v)
	return lo + k
}

// Len returns the number of invoices indexed.
func (x *AmountIndex) Len() int { return len(x.amounts) }

// Range returns the positions [i, j) of the invoices whose amount is in
// [lo, hi]; see At.
func (x *AmountIndex) Range(lo, hi int64) (int, int) {
	i := x.lowerBound(lo)
	if hi < lo {
		return i, i
	}
	j := i
	// A few equal amounts are the common case: scan a little, then search.
	for end := min(len(x.amounts), i+8); j < end && x.amounts[j] <= hi; j++ {
	}
	if j < len(x.amounts) && x.amounts[j] <= hi {
		if hi == math.MaxInt64 {
			return i, len(x.amounts)
		}
		j = x.lowerBound(hi + 1)
	}
	return i, j
}

// At returns the invoice handle and amount at position i.
func (x *AmountIndex) At(i int) (ref int32, amount int64) { return x.refs[i], x.amounts[i] }

// Count returns how many invoices have exactly this amount.
func (x *AmountIndex) Count(amount int64) int {
	i, j := x.Range(amount, amount)
	return j - i
}

// Amount is the strategy of amounts: how the credit compares with each
// candidate's open amount.
type Amount struct {
	Tolerance Tolerance
	// Index gives how many open invoices share an amount; nil counts each
	// amount once.
	Index *AmountIndex
}

// Name returns "amount".
func (Amount) Name() string { return "amount" }

// Evaluate returns one piece of evidence per candidate of the payment's
// currency.
func (s Amount) Evaluate(p *Payment, cands []Invoice) []Evidence {
	out := make([]Evidence, 0, len(cands))
	for _, inv := range cands {
		if inv.Currency != p.Currency || inv.Open <= 0 {
			continue
		}
		ev := s.Weigh(p, inv.Open, 1)
		ev.InvoiceRef, ev.InvoiceID = inv.Ref, inv.ID
		ev.CustomerRef, ev.CustomerID = inv.CustomerRef, inv.CustomerID
		out = append(out, ev)
	}
	return out
}

// Weigh compares the credit with a total due over n invoices and returns
// the evidence (without invoice or customer).
func (s Amount) Weigh(p *Payment, due int64, n int) Evidence {
	fit, diff := FitAmount(p.Amount, due, s.Tolerance)
	ev := Evidence{Kind: KindAmount, InvoiceRef: -1}
	others, total := 0, 0
	if s.Index != nil {
		others, total = max(0, s.Index.Count(due)-1), s.Index.Len()
	}
	money := func(v int64) string { return FormatMinor(v, p.Exponent) }
	what := "open amount"
	if n > 1 {
		what = fmt.Sprintf("the %d invoices' open amounts", n)
	}
	base := AmountBits(due, p.Exponent, others, total)
	switch fit {
	case FitExact:
		ev.Weight = base
		ev.Reason = fmt.Sprintf("amount %s equals %s", money(p.Amount), what)
		if n > 1 {
			ev.Reason = fmt.Sprintf("%d invoices sum to %s", n, money(due))
		}
	case FitFee:
		ev.Weight = base - bitsAmountFee
		ev.Reason = fmt.Sprintf("amount %s is %s short of %s %s (bank fees within tolerance)", money(p.Amount), money(diff), what, money(due))
	case FitPartial:
		ev.Weight = bitsAmountPartial
		ev.Reason = fmt.Sprintf("amount %s pays part of %s %s", money(p.Amount), what, money(due))
	case FitOver:
		ev.Weight = bitsAmountOverpay
		ev.Reason = fmt.Sprintf("amount %s exceeds %s %s by %s", money(p.Amount), what, money(due), money(-diff))
	}
	return ev
}

// FormatMinor writes minor units as a decimal string with exp decimals.
func FormatMinor(v int64, exp int) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-(v + 1)) + 1
	}
	s := fmt.Sprintf("%0*d", exp+1, u)
	if exp > 0 {
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

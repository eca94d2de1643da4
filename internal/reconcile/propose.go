package reconcile

import (
	"slices"

	"github.com/lettrage/lettrage/matchers"
)

// Where a proposal came from (it changes how its amount is weighed).
type origin uint8

const (
	originNamed    origin = iota + 1 // invoices the remittance names
	originCustomer                   // a customer's invoice(s) chosen by amount
	originAmount                     // an invoice of the credit's exact amount, anyone's
)

// proposal is one candidate answer: a set of invoices the credit pays.
type proposal struct {
	set    []int32 // oldest due first
	origin origin
	// pool > 0 when invoices were chosen among pool invoices of a customer
	// by subset search: the amount agreement is weighed against the
	// number of subsets that could have matched by chance.
	pool int

	total int64
	fit   matchers.Fit
	diff  int64 // total − credit

	// exhausted: the subset search that found it ran out of budget, so
	// other subsets may fit as well.
	exhausted bool
	// held: an invoice of the set is held by a pending review proposal of
	// this run that this one does not clearly outweigh (holdCheck); the
	// proposal competes but cannot be chosen.
	held bool
	// poolTotal is the total open amount of the pool searched.
	poolTotal int64

	cust    int32 // -1 when the invoices belong to several customers
	W       float64
	amountW float64
	unnamed int // invoices of the set no reference names
	// omitted are the groups of hits (indexes in matchRun.groups) the
	// remittance names and the set leaves out; namedOther the customers
	// whose payer is plainly someone else.
	omitted    []int
	namedOther []int32
	// hits are the references naming each invoice of the set: found by
	// the index, or a group's text one typo away from its number.
	hits hitMap
	// covered marks the groups (by index) whose text the set explains.
	covered []bool
}

// setHash identifies a set of invoices (whatever their order) for
// propIdx; sets with the same hash are compared (sameSet).
func setHash(set []int32) uint64 {
	var arr [16]int32
	s := append(arr[:0], set...)
	slices.Sort(s)
	h := uint64(14695981039346656037)
	for _, i := range s {
		h ^= uint64(uint32(i))
		h *= 1099511628211
		h ^= h >> 29
	}
	return h ^ uint64(len(s))
}

// sameSet reports whether a and b hold the same invoices (each set's
// invoices are distinct).
func sameSet(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for _, i := range a {
		if !slices.Contains(b, i) {
			return false
		}
	}
	return true
}

// findProp returns the proposal for set, if any.
func (r *matchRun) findProp(set []int32, h uint64) *proposal {
	k, ok := r.propIdx[h]
	if !ok {
		return nil
	}
	if pr := r.props[k]; sameSet(pr.set, set) {
		return pr
	}
	for _, pr := range r.props { // a hash collision
		if sameSet(pr.set, set) {
			return pr
		}
	}
	return nil
}

// add records a proposal for set (deduplicated; the more favourable origin
// wins when the same set comes twice).
func (r *matchRun) add(set []int32, o origin, pool int) { r.addSearched(set, o, pool, 0, false) }

// addSearched records a proposal found by a subset search among pool
// invoices totalling poolTotal, saying whether the search was exhausted.
func (r *matchRun) addSearched(set []int32, o origin, pool int, poolTotal int64, exhausted bool) {
	if len(set) == 0 {
		return
	}
	h := setHash(set)
	if old := r.findProp(set, h); old != nil {
		if o < old.origin || (o == old.origin && pool < old.pool) {
			old.origin, old.pool, old.poolTotal, old.exhausted = o, pool, poolTotal, exhausted
		}
		return
	}
	// An earlier credit's proposal is reused, with its slices' space.
	var pr *proposal
	if n := len(r.props); n < cap(r.props) && r.props[:n+1][n] != nil {
		pr = r.props[:n+1][n]
		*pr = proposal{set: pr.set[:0], omitted: pr.omitted[:0], namedOther: pr.namedOther[:0], hits: pr.hits[:0], covered: pr.covered[:0]}
	} else {
		pr = &proposal{}
	}
	pr.origin, pr.pool, pr.poolTotal, pr.exhausted = o, pool, poolTotal, exhausted
	pr.set = append(pr.set, set...)
	e := r.e
	slices.SortFunc(pr.set, func(a, b int32) int {
		if d := e.inv[a].due - e.inv[b].due; d != 0 {
			return int(d)
		}
		return int(a - b)
	})
	if _, ok := r.propIdx[h]; !ok {
		if r.propIdx == nil {
			r.propIdx = make(map[uint64]int32, 16)
		}
		r.propIdx[h] = int32(len(r.props))
	}
	r.props = append(r.props, pr)
}

// maxNamedCombos bounds the alternative readings of the remittance tried.
const maxNamedCombos = 12

// propose builds the candidate proposals.
func (r *matchRun) propose() {
	r.proposeNamed()
	for _, ce := range r.custs {
		r.proposeCustomer(ce)
	}
	r.proposeAmount()
}

// proposeNamed proposes the invoices the remittance names: one reading per
// combination of alternatives (a text matching several invoices), subsets
// of the named invoices that the credit pays exactly, and the named
// invoices plus others of the same customer making up an overpayment.
func (r *matchRun) proposeNamed() {
	if len(r.groups) == 0 {
		return
	}
	e := r.e
	groups := r.groups
	if len(groups) > e.cfg.MaxSubsetInvoices {
		groups = groups[:e.cfg.MaxSubsetInvoices]
	}
	// Options per group: the best hit and those nearly as good.
	opts := make([][]int32, len(groups))
	for gi, g := range groups {
		best := r.hits[g[0]].Weight
		for _, hi := range g {
			h := &r.hits[hi]
			if h.Weight >= best-2 && !slices.Contains(opts[gi], h.Ref) {
				opts[gi] = append(opts[gi], h.Ref)
			}
		}
	}
	var combos [][]int32
	var walk func(gi int, cur []int32)
	walk = func(gi int, cur []int32) {
		if len(combos) >= maxNamedCombos {
			return
		}
		if gi == len(opts) {
			s := slices.Clone(cur)
			slices.Sort(s)
			s = slices.Compact(s)
			combos = append(combos, s)
			return
		}
		for _, ref := range opts[gi] {
			walk(gi+1, append(cur, ref))
		}
	}
	walk(0, nil)
	for _, set := range combos {
		r.add(set, originNamed, 0)
		if len(set) > 1 {
			for _, i := range set {
				r.add([]int32{i}, originNamed, 0)
			}
			amounts := make([]int64, len(set))
			for k, i := range set {
				amounts[k] = e.inv[i].open
			}
			sub := matchers.FindSubsets(amounts, matchers.SubsetQuery{
				Target: r.amount, MaxShortfall: e.tol.Allowed(r.amount), MaxItems: len(set) - 1,
				Budget: e.cfg.SubsetBudget, MaxSolutions: 4,
			})
			for _, sol := range sub.Solutions {
				s := make([]int32, len(sol))
				for k, j := range sol {
					s[k] = set[j]
				}
				r.add(s, originNamed, 0)
			}
		}
		r.proposeTopUp(set)
	}
}

// proposeTopUp proposes set plus other invoices of the same customer when
// the credit exceeds set's total and the rest is another invoice's amount
// or a subset's.
func (r *matchRun) proposeTopUp(set []int32) {
	e := r.e
	ci := e.inv[set[0]].cust
	var total int64
	for _, i := range set {
		if e.inv[i].cust != ci {
			return
		}
		total += e.inv[i].open
	}
	rest := r.amount - total
	if rest <= 0 {
		return
	}
	var others []int32
	r.sink += e.touch(e.customers[ci].invoices)
	for _, i := range e.customers[ci].invoices {
		if !slices.Contains(set, i) && r.accept(i) {
			others = append(others, i)
		}
	}
	var othersTotal int64
	for _, i := range others {
		othersTotal += e.inv[i].open
	}
	for _, i := range others {
		if f, _ := matchers.FitAmount(rest, e.inv[i].open, e.tol); f == matchers.FitExact || f == matchers.FitFee {
			r.addSearched(append(slices.Clone(set), i), originCustomer, len(others), othersTotal, false)
		}
	}
	room := e.cfg.MaxSubsetInvoices - len(set)
	if room < 2 || len(others) < 2 {
		return
	}
	if len(others) > e.cfg.MaxCustomerInvoices {
		// Too many to search every subset; a pair making up the excess
		// still explains it (and keeps an overpayment from being automatic).
		room = 2
	}
	amounts := make([]int64, len(others))
	for k, i := range others {
		amounts[k] = e.inv[i].open
	}
	sub := matchers.FindSubsets(amounts, matchers.SubsetQuery{
		Target: rest, MaxShortfall: e.tol.Allowed(rest), MaxItems: room,
		Budget: e.cfg.SubsetBudget, MaxSolutions: 3,
	})
	for _, sol := range sub.Solutions {
		s := slices.Clone(set)
		for _, j := range sol {
			s = append(s, others[j])
		}
		r.addSearched(s, originCustomer, len(others), othersTotal, sub.Exhausted)
	}
}

// proposeCustomer proposes invoices of a customer the payer may be: one of
// the credit's amount (or within fees), subsets summing to it, and — for a
// customer identified by IBAN or alias with nothing that fits — a partial
// payment of its oldest invoices or all its invoices with the rest
// unapplied.
func (r *matchRun) proposeCustomer(ce *custEvidence) {
	e := r.e
	if c := &e.customers[ce.ci]; c.byAmount != nil && c.openN > e.cfg.MaxCustomerInvoices {
		r.proposeLargeCustomer(ce)
		return
	}
	var invs []int32
	r.sink += e.touch(e.customers[ce.ci].invoices)
	for _, i := range e.customers[ce.ci].invoices {
		if r.accept(i) {
			invs = append(invs, i)
		}
	}
	if len(invs) == 0 {
		return
	}
	found := false
	for _, i := range invs {
		if f, _ := matchers.FitAmount(r.amount, e.inv[i].open, e.tol); f == matchers.FitExact || f == matchers.FitFee {
			r.add([]int32{i}, originCustomer, 0)
			found = true
		}
	}
	if len(invs) >= 2 && len(invs) <= e.cfg.MaxCustomerInvoices {
		amounts := make([]int64, len(invs))
		var total int64
		for k, i := range invs {
			amounts[k] = e.inv[i].open
			total += e.inv[i].open
		}
		sub := matchers.FindSubsets(amounts, matchers.SubsetQuery{
			Target: r.amount, MaxShortfall: e.tol.Allowed(r.amount), MaxItems: e.cfg.MaxSubsetInvoices,
			Budget: e.cfg.SubsetBudget, MaxSolutions: 3,
		})
		for _, sol := range sub.Solutions {
			s := make([]int32, len(sol))
			for k, j := range sol {
				s[k] = invs[j]
			}
			r.addSearched(s, originCustomer, len(invs), total, sub.Exhausted)
			found = true
		}
		if !found && ce.identified && total < r.amount && len(invs) <= e.cfg.MaxSubsetInvoices {
			r.add(invs, originCustomer, 0)
			found = true
		}
	}
	if found || !ce.identified {
		return
	}
	n := 0
	for _, i := range invs {
		if e.inv[i].open > r.amount {
			r.add([]int32{i}, originCustomer, 0)
			if n++; n == 3 {
				break
			}
		}
	}
	if n == 0 && len(invs) == 1 {
		r.add(invs, originCustomer, 0) // less than the credit: the rest unapplied
	}
}

// proposeLargeCustomer is proposeCustomer for a customer with too many
// open invoices for a subset search: the invoices of the credit's amount
// (or within fees) come from its amount index, not from a scan of all its
// invoices; a customer identified by IBAN or alias with nothing that fits
// gets its three oldest invoices above the credit, as a partial payment.
func (r *matchRun) proposeLargeCustomer(ce *custEvidence) {
	e := r.e
	found := false
	r.customerInvoicesIn(ce.ci, r.amount, r.amount+e.tol.AbsMinor, func(i int32) {
		if f, _ := matchers.FitAmount(r.amount, e.inv[i].open, e.tol); f == matchers.FitExact || f == matchers.FitFee {
			r.add([]int32{i}, originCustomer, 0)
			found = true
		}
	})
	if found || !ce.identified {
		return
	}
	n := 0
	for _, i := range e.customers[ce.ci].invoices {
		if r.accept(i) && e.inv[i].open > r.amount {
			r.add([]int32{i}, originCustomer, 0)
			if n++; n == 3 {
				break
			}
		}
	}
}

// customerInvoicesIn calls fn for each offered invoice of customer ci
// whose open amount is in [lo, hi], through the customer's amount index
// when it has one.
func (r *matchRun) customerInvoicesIn(ci int32, lo, hi int64, fn func(i int32)) {
	e := r.e
	c := &e.customers[ci]
	in := func(i int32) bool { return e.inv[i].open >= lo && e.inv[i].open <= hi && r.accept(i) }
	if c.byAmount == nil {
		for _, i := range c.invoices {
			if in(i) {
				fn(i)
			}
		}
		return
	}
	k, _ := slices.BinarySearch(c.amounts, lo)
	end := k
	for end < len(c.amounts) && c.amounts[end] <= hi {
		end++
	}
	r.sink += e.touch(c.byAmount[k:end])
	var seen []int32
	for ; k < end; k++ {
		if i := c.byAmount[k]; in(i) {
			seen = append(seen, i)
			fn(i)
		}
	}
	for _, i := range c.moved {
		if in(i) && !slices.Contains(seen, i) {
			seen = append(seen, i)
			fn(i)
		}
	}
}

// maxAmountOnly bounds the invoices proposed on the amount alone: beyond
// it, the amount is too common to mean anything.
const maxAmountOnly = 8

// proposeAmount proposes invoices, anyone's, of exactly the credit's
// amount.
func (r *matchRun) proposeAmount() {
	e := r.e
	var cands []int32
	lo, hi := e.amounts[r.cur].Range(r.amount, r.amount)
	if hi-lo > 4*maxAmountOnly {
		return
	}
	for k := lo; k < hi; k++ {
		i, _ := e.amounts[r.cur].At(k)
		if e.inv[i].open == r.amount && r.accept(i) {
			cands = append(cands, i)
		}
	}
	for _, i := range e.residual[r.cur][r.amount] {
		if r.accept(i) && !slices.Contains(cands, i) {
			cands = append(cands, i)
		}
	}
	if len(cands) > maxAmountOnly {
		return
	}
	for _, i := range cands {
		r.add([]int32{i}, originAmount, 0)
	}
}

// hitMap maps a proposal's invoices to the references naming them: a few
// entries, searched linearly.
type hitMap []hitEntry

type hitEntry struct {
	inv int32
	hit *matchers.RefHit
}

func (m hitMap) get(i int32) *matchers.RefHit {
	for _, e := range m {
		if e.inv == i {
			return e.hit
		}
	}
	return nil
}

func (m *hitMap) set(i int32, h *matchers.RefHit) {
	for k := range *m {
		if (*m)[k].inv == i {
			(*m)[k].hit = h
			return
		}
	}
	*m = append(*m, hitEntry{i, h})
}

package reconcile

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/matchers"
)

// Weights the engine adds on top of the matchers' evidence, in bits.
const (
	// bitsOmitMax is the most a proposal loses for each invoice the
	// remittance names that it leaves out (omitShare of that hit's weight).
	bitsOmitMax = 8.0
	omitShare   = 0.6
	// bitsUnnamed is what a proposal loses for each invoice it adds that
	// the remittance does not name, when the remittance names invoices.
	bitsUnnamed = 3.0
	// bitsCorroboratingAmount is the least amount weight that corroborates
	// a weak reference: an exact amount shared by few invoices.
	bitsCorroboratingAmount = 8.0
	// bitsIdentifyingAmount is the least amount weight that lets an
	// identified payer's invoice be chosen by its amount alone (an exact
	// amount; a shortfall within fees needs bitsIdentifyingFee).
	bitsIdentifyingAmount = 2.0
	bitsIdentifyingFee    = 2.0
	// bitsIdentifyingSubset is the least weight of several invoices found
	// by their sum among an identified payer's.
	bitsIdentifyingSubset = 4.0
	// bitsPaysInvoices is log₂ of the odds that a known customer's payment
	// pays some of its open invoices rather than something else (19:1).
	bitsPaysInvoices = 4.2
	// bitsFee is log₂ of how much rarer a payment short by a fee is than an
	// exact one (0.9 against 0.05).
	bitsFee = 4.2
	// bitsPayerIsOther is what a proposal loses when the payer is plainly
	// another customer (its IBAN or its name).
	bitsPayerIsOther = 2.0
)

// typoBits is the weight of a reference one or two edits from a number.
func typoBits(d int) float64 {
	if d <= 1 {
		return 9
	}
	return 5
}

// prepare computes a proposal's customer, total and fit.
func (r *matchRun) prepare(pr *proposal) {
	e := r.e
	pr.cust = e.inv[pr.set[0]].cust
	for _, i := range pr.set {
		pr.total += e.inv[i].open
		if e.inv[i].cust != pr.cust {
			pr.cust = -1
		}
	}
	pr.fit, _ = matchers.FitAmount(r.amount, pr.total, e.tol)
	pr.diff = pr.total - r.amount
}

// reconciles reports whether the proposal's total matches the credit,
// exactly or within fees.
func (pr *proposal) reconciles() bool {
	return pr.fit == matchers.FitExact || pr.fit == matchers.FitFee
}

// score computes a proposal's weight (after prepare has run on every
// proposal). The sentences explaining it are written only for the proposal
// chosen (explain).
func (r *matchRun) score(pr *proposal) {
	e := r.e
	pr.W = e.cfg.PriorBits
	r.matchHits(pr)

	// References.
	unnamed := 0
	for _, i := range pr.set {
		h := pr.hits.get(i)
		if h == nil {
			unnamed++
			continue
		}
		// The engine weighs alternatives itself (each is a proposal and the
		// score is normalised over them): it takes back the log₂ of the
		// candidates the index charged a hit matching several invoices.
		w := h.Weight
		if h.Candidates > 1 {
			w += math.Log2(float64(h.Candidates))
		}
		pr.W += w
	}
	for gi, g := range r.groups {
		if pr.covered[gi] {
			continue
		}
		h := &r.hits[g[0]]
		if h.Weight < bitsLookalikeWeight {
			continue
		}
		pr.W -= math.Min(bitsOmitMax, omitShare*h.Weight)
		pr.omitted = append(pr.omitted, gi)
	}
	pr.unnamed = unnamed
	if r.namesStrongly && unnamed > 0 {
		pr.W -= bitsUnnamed * float64(unnamed)
	}

	// The payer.
	cw := math.Inf(1)
	for _, ci := range r.customersOf(pr) {
		w := r.customerEvidence(ci).weight
		// A payer whose name is plainly another customer's speaks against
		// a proposal the amount does not support either (the IBAN's say is
		// already in the customer's weight).
		if !pr.reconciles() && r.payerNamedOther(ci) {
			w -= bitsPayerIsOther
			pr.namedOther = append(pr.namedOther, ci)
		}
		cw = math.Min(cw, w)
	}
	pr.W += cw

	// The amount. An invoice picked among a customer's by its amount pays
	// for the choice: log₂ of the invoices (or subsets) it was picked from,
	// and of the width of the fee window it fell in.
	exp := r.p.Exponent
	var base float64
	switch {
	case pr.pool > 0:
		base = matchers.SubsetBits(pr.total, exp, pr.pool, e.cfg.MaxSubsetInvoices, pr.poolTotal) + bitsPaysInvoices
	case unnamed == len(pr.set) && pr.origin == originCustomer && pr.cust >= 0:
		// Chosen among the customer's own invoices (and, for an account
		// shared with other customers, theirs): how often a payment that
		// pays none of them would have this amount (round amounts: often),
		// times the invoices it could have hit; against which a known
		// customer's payment usually does pay one of its invoices.
		base = matchers.AmountBits(pr.total, exp, 0, 0) - math.Log2(float64(max(1, r.choices(pr.cust)))) + bitsPaysInvoices
	case len(pr.set) == 1:
		base = matchers.AmountBits(pr.total, exp, max(0, e.amounts[r.cur].Count(pr.total)-1), e.openCount[r.cur])
	default:
		base = matchers.AmountBits(pr.total, exp, 0, e.openCount[r.cur])
	}
	switch pr.fit {
	case matchers.FitExact:
		pr.amountW = base
	case matchers.FitFee:
		// Fees are deducted from few payments; without a reference, the
		// shortfall's width also widens the chance of a coincidence.
		pr.amountW = base - bitsFee
		if unnamed > 0 {
			pr.amountW -= math.Log2(1 + float64(pr.diff))
		}
	case matchers.FitPartial:
		pr.amountW = -2
	case matchers.FitOver:
		pr.amountW = -1
	}
	pr.W += pr.amountW

	// Dates: implausible ones count in full, recency only breaks ties.
	var recency float64
	for _, i := range pr.set {
		w := matchers.DateWeight(int64(r.payDay), int64(e.inv[i].issue), int64(e.inv[i].due))
		if w < -1 {
			pr.W += w
			continue
		}
		recency += w
	}
	pr.W += recency / float64(len(pr.set))
}

// customersOf returns the customers of a proposal's invoices.
func (r *matchRun) customersOf(pr *proposal) []int32 {
	if pr.cust >= 0 {
		return []int32{pr.cust}
	}
	var custs []int32
	for _, i := range pr.set {
		if !slices.Contains(custs, r.e.inv[i].cust) {
			custs = append(custs, r.e.inv[i].cust)
		}
	}
	return custs
}

// explain writes the evidence of a proposal as sentences, in the order
// references, payer, amount, dates, then notes.
func (r *matchRun) explain(pr *proposal) []string {
	e := r.e
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, i := range pr.set {
		h := pr.hits.get(i)
		if h == nil {
			continue
		}
		if h.Ref != i { // a text read as a typo of this invoice's number
			reason := fmt.Sprintf("invoice number %s in remittance as %q (edit distance %d", e.book.number(i), h.Written, h.Distance)
			if h.Swap {
				reason += ", transposed characters"
			}
			add(reason + ")")
			continue
		}
		add(e.refs.Explain(*h))
	}
	for _, ci := range r.customersOf(pr) {
		for _, s := range r.customerEvidence(ci).explain(r) {
			add(s)
		}
	}
	exp := r.p.Exponent
	money := func(v int64) string { return ledger.FormatMinor(v, exp) }
	what := "the open amount"
	if len(pr.set) > 1 {
		what = fmt.Sprintf("the %d invoices' open amounts", len(pr.set))
	}
	var reason string
	switch pr.fit {
	case matchers.FitExact:
		reason = fmt.Sprintf("amount %s equals %s", money(r.amount), what)
		if len(pr.set) > 1 {
			reason = fmt.Sprintf("%d invoices sum to %s", len(pr.set), money(pr.total))
		}
	case matchers.FitFee:
		reason = fmt.Sprintf("amount %s is %s short of %s %s (bank fees within tolerance)", money(r.amount), money(pr.diff), what, money(pr.total))
	case matchers.FitPartial:
		reason = fmt.Sprintf("amount %s pays part of %s %s", money(r.amount), what, money(pr.total))
	case matchers.FitOver:
		reason = fmt.Sprintf("amount %s exceeds %s %s by %s", money(r.amount), what, money(pr.total), money(-pr.diff))
	}
	if pr.pool > 0 && pr.reconciles() {
		reason += fmt.Sprintf(" (found among %d open invoices of the customer)", pr.pool)
	}
	add(reason)
	for _, i := range pr.set {
		d := matchers.DateEvidence(int64(r.payDay), int64(e.inv[i].issue), int64(e.inv[i].due))
		if d.Weight < -1 {
			add(fmt.Sprintf("invoice %s: %s", e.book.number(i), d.Reason))
		}
	}
	for _, gi := range pr.omitted {
		add(fmt.Sprintf("the remittance also names invoice %s, left out of this proposal", e.book.number(r.hits[r.groups[gi][0]].Ref)))
	}
	for _, ci := range pr.namedOther {
		add(fmt.Sprintf("the payer's name is another customer's than %s", e.customers[ci].c.ID))
	}
	return out
}

// matchHits finds, for each invoice of the proposal, the reference naming
// it: its own hit, else — when the proposal's amounts reconcile with the
// credit — a group whose text is one or two edits from its number (a typo
// that happens to read as another invoice's number, or that the index's
// fuzzy search did not reach). It marks the groups the set explains.
func (r *matchRun) matchHits(pr *proposal) {
	e := r.e
	pr.hits = pr.hits[:0]
	pr.covered = slices.Grow(pr.covered[:0], len(r.groups))[:len(r.groups)]
	clear(pr.covered)
	for gi, g := range r.groups {
		for _, hi := range g {
			if slices.Contains(pr.set, r.hits[hi].Ref) {
				pr.covered[gi] = true
				h := &r.hits[hi]
				if old := pr.hits.get(h.Ref); old == nil || h.Weight > old.Weight {
					pr.hits.set(h.Ref, h)
				}
			}
		}
	}
	// A typo reading needs the amount's support: with sequential numbers,
	// every number is one edit from some invoice of any customer.
	if e.cfg.MaxFuzzyDistance == 0 || (pr.fit != matchers.FitExact && pr.fit != matchers.FitFee) {
		return
	}
	typo := func(i int32, h *matchers.RefHit, text int32) bool {
		t := r.typoOf(i, text, func() typoReading {
			if matchers.LooksLikeDate(h.Written) {
				return typoReading{}
			}
			d, swap, ok := r.within(text, h.Written, i)
			return typoReading{d: d, swap: swap, ok: ok && d > 0}
		})
		if !t.ok {
			return false
		}
		d, swap := t.d, t.swap
		syn := *h
		syn.Ref, syn.Kind, syn.Distance, syn.Swap, syn.Strong = i, matchers.KindFuzzyReference, d, swap, false
		syn.Weight, syn.Contained, syn.Abbreviated = typoBits(d), false, false
		// syn.Unavailable stays set when the text names, exactly, an
		// invoice already paid or held: a duplicate payment is as likely
		// as a typo, and only the payer can tell.
		pr.hits.set(i, &syn)
		return true
	}
	for _, i := range pr.set {
		if pr.hits.get(i) != nil {
			continue
		}
		for gi, g := range r.groups {
			// A text read as written by a proposal that reconciles is no
			// typo of anything else.
			if !pr.covered[gi] && !r.groupReconciles(gi) && typo(i, &r.hits[g[0]], int32(g[0])) {
				pr.covered[gi] = true
				break
			}
		}
		// A typo may also read as an invoice already paid or held.
		for k := 0; k < len(r.unavail) && pr.hits.get(i) == nil; k++ {
			typo(i, &r.unavail[k], int32(len(r.hits)+k))
		}
		// Or as nothing the index reached (a digit dropped from a short
		// number): one edit at most.
		if pr.hits.get(i) == nil && r.p.HasReferenceText() {
			t := r.typoOf(i, -1, func() typoReading {
				var w string
				var d int
				var swap, ok bool
				if key, skey, kept := e.refs.NumberKeys(i); kept {
					w, d, swap, ok = matchers.NearReferenceKeys(r.p, key, skey, 1)
				} else {
					w, d, swap, ok = matchers.NearReference(r.p, e.book.number(i), 1)
				}
				return typoReading{d: d, swap: swap, written: w, ok: ok && !r.namesExactly(w)}
			})
			if t.ok {
				pr.hits.set(i, &matchers.RefHit{Ref: i, Kind: matchers.KindFuzzyReference, Weight: typoBits(t.d),
					Distance: t.d, Swap: t.swap, Written: t.written, Candidates: 1})
			}
		}
	}
}

// refText returns text's normalised form (see typoKey), computed once.
func (r *matchRun) refText(text int32, written string) matchers.RefText {
	for len(r.texts) <= int(text) {
		r.texts = append(r.texts, nil)
	}
	if r.texts[text] == nil {
		t := matchers.NewRefText(written)
		r.texts[text] = &t
	}
	return *r.texts[text]
}

// within is matchers.RefDistanceWithin(written, invoice i's number,
// MaxFuzzyDistance), written being text's (see typoKey), normalised once,
// and the number's keys read from the reference index's compact copy.
func (r *matchRun) within(text int32, written string, i int32) (d int, swap, ok bool) {
	t := r.refText(text, written)
	if key, skey, kept := r.e.refs.NumberKeys(i); kept {
		return t.WithinKeys(key, skey, r.e.cfg.MaxFuzzyDistance)
	}
	return t.Within(r.e.book.number(i), r.e.cfg.MaxFuzzyDistance)
}

// typoOf returns the reading of text (see typoKey) as a typo of invoice
// i's number, computing it once per credit.
func (r *matchRun) typoOf(i, text int32, read func() typoReading) typoReading {
	k := typoKey{i, text}
	if t, ok := r.typos[k]; ok {
		return t
	}
	if r.typos == nil {
		r.typos = make(map[typoKey]typoReading, 16)
	}
	t := read()
	r.typos[k] = t
	return t
}

// distinctive reports whether an invoice number is long or lettered enough
// for a one-edit reading of it to be unlikely by chance: letters, or at
// least seven digits.
func distinctive(number string) bool {
	c := matchers.CanonicalReference(number)
	if len(c) >= 7 {
		return true
	}
	for i := 0; i < len(c); i++ {
		if c[i] >= 'A' && c[i] <= 'Z' {
			return len(c) >= 5
		}
	}
	return false
}

// maxSharedAccount is the most customers an IBAN may be known for and
// still single out a customer, with an amount, among them.
const maxSharedAccount = 8

// sharedAccount reports whether the payer's IBAN is known for ci and a few
// other customers (an accountant's, a group's).
func (r *matchRun) sharedAccount(ci int32) bool {
	known := r.payerAccounts()
	return len(known) > 1 && len(known) <= maxSharedAccount && slices.Contains(known, ci)
}

// choices returns among how many invoices an amount picked one of ci's:
// ci's offered invoices, plus those of the other customers of a shared
// payer IBAN.
func (r *matchRun) choices(ci int32) int {
	if !r.sharedAccount(ci) {
		return r.offered(ci)
	}
	n := 0
	for _, c := range r.payerAccounts() {
		n += r.offered(c)
	}
	return n
}

// namesExactly reports whether text w is what a reference hit read
// exactly: such a text names that invoice, not a typo of another.
func (r *matchRun) namesExactly(w string) bool {
	c := matchers.CanonicalReference(w)
	for _, hs := range [2][]matchers.RefHit{r.hits, r.unavail} {
		for k := range hs {
			if hs[k].Distance == 0 && matchers.CanonicalReference(hs[k].Written) == c {
				return true
			}
		}
	}
	return false
}

// groupReconciles reports whether some proposal containing one of group
// gi's invoices reconciles with the credit. It is computed once per credit
// for every group (after prepare has run on every proposal).
func (r *matchRun) groupReconciles(gi int) bool {
	if !r.groupReconDone {
		r.groupReconDone = true
		r.groupRecon = slices.Grow(r.groupRecon[:0], len(r.groups))[:len(r.groups)]
		clear(r.groupRecon)
		for _, pr := range r.props {
			if !pr.reconciles() {
				continue
			}
			for _, i := range pr.set {
				// The last group naming i, as a map filled in group order
				// would keep.
				for g := len(r.groups) - 1; g >= 0; g-- {
					if slices.ContainsFunc(r.groups[g], func(hi int) bool { return r.hits[hi].Ref == i }) {
						r.groupRecon[g] = true
						break
					}
				}
			}
		}
	}
	return r.groupRecon[gi]
}

// offered returns how many invoices of customer ci this credit may pay
// (counted once per customer and credit).
func (r *matchRun) offered(ci int32) int {
	if c := &r.e.customers[ci]; c.byAmount != nil {
		// A large customer: its open invoices are counted as the run goes
		// (any currency, rejections not deducted) rather than scanned.
		return c.openN
	}
	for _, o := range r.offeredCache {
		if o.ci == ci {
			return o.n
		}
	}
	n := 0
	r.sink += r.e.touch(r.e.customers[ci].invoices)
	for _, i := range r.e.customers[ci].invoices {
		if r.accept(i) {
			n++
		}
	}
	r.offeredCache = append(r.offeredCache, custCount{ci, n})
	return n
}

type custCount struct {
	ci int32
	n  int
}

// bitsLookalikeWeight: hits weaker than this are not "named" strongly
// enough for leaving them out to cost anything.
const bitsLookalikeWeight = 6.0

// decide scores the proposals, picks the best, applies the safety rules
// and updates the run's state.
func (r *matchRun) decide(res Result) Result {
	e := r.e
	for _, pr := range r.props {
		r.prepare(pr)
	}
	// Sorted in place: r.props is used as a set from here on.
	props := r.props
	for _, pr := range props {
		r.score(pr)
		r.holdCheck(pr)
	}
	if len(props) == 0 {
		res.Reasons = []string{"no candidate invoice: no reference, known payer or amount in common with an open invoice"}
		return res
	}
	slices.SortFunc(props, func(a, b *proposal) int {
		switch {
		case a.W > b.W:
			return -1
		case a.W < b.W:
			return 1
		case len(a.set) != len(b.set):
			return len(a.set) - len(b.set)
		}
		for k := range a.set {
			if d := e.inv[a.set[k]].due - e.inv[b.set[k]].due; d != 0 {
				return int(d)
			}
			if a.set[k] != b.set[k] {
				return int(a.set[k] - b.set[k])
			}
		}
		return 0
	})
	// The best proposal that may be chosen; held ones only compete.
	bi := slices.IndexFunc(props, func(pr *proposal) bool { return !pr.held })
	if bi < 0 {
		res.Reasons = []string{fmt.Sprintf("the best candidate %s is held by a pending review proposal of this run", e.invoiceList(props[0].set))}
		return res
	}
	best := props[bi]
	var rival *proposal
	for _, pr := range props {
		if pr != best {
			rival = pr
			break
		}
	}
	// Probability of the best proposal among all and "none of them".
	z := math.Exp2(-best.W) // the null hypothesis, scaled by 2^-W_best
	for _, pr := range props {
		z += math.Exp2(pr.W - best.W)
	}
	score := 1 / z
	plausible := matchers.Probability(best.W)
	margin := math.Inf(1)
	if rival != nil {
		margin = best.W - rival.W
	}

	var blockers []string
	if score < e.cfg.AutoThreshold {
		blockers = append(blockers, fmt.Sprintf("score %.3f below the auto threshold %.3f", score, e.cfg.AutoThreshold))
	}
	if margin < e.cfg.AmbiguityMargin {
		what := "is nearly as likely"
		if margin < 0 {
			what = "is more likely"
		}
		held := ""
		if rival.held {
			held = ", held by a pending review proposal"
		}
		blockers = append(blockers, fmt.Sprintf("another proposal (%s%s) %s (%.1f bits apart)", e.invoiceList(rival.set), held, what, margin))
	}
	blockers = append(blockers, r.safety(best)...)
	if len(blockers) == 0 {
		blockers = r.contradictions(best)
	}

	res.Score = round4(score)
	switch {
	case len(blockers) == 0:
		res.Decision = ledger.DecisionAuto
	case plausible >= e.cfg.ReviewThreshold:
		res.Decision = ledger.DecisionReview
	default:
		res.Reasons = append(res.Reasons, fmt.Sprintf("no acceptable proposal; best candidate %s (probability %.3f)", e.invoiceList(best.set), plausible))
		res.Reasons = append(res.Reasons, r.explain(best)...)
		return res
	}
	res.Reasons = r.explain(best)
	r.allocate(best, &res)
	if res.Decision == ledger.DecisionReview {
		for _, b := range blockers {
			res.Reasons = append(res.Reasons, "not automatic: "+b)
		}
	}
	r.apply(best, &res)
	return res
}

// holdCheck sets pr.held when an invoice of pr is held by a pending review
// proposal of this run that pr does not clearly outweigh: a weak proposal
// on an unrelated credit must not keep a well-evidenced later credit from
// its invoice, but two comparable proposals are not both offered.
func (r *matchRun) holdCheck(pr *proposal) {
	e := r.e
	pr.held = false
	for _, i := range pr.set {
		if e.inv[i].pending && pr.W < e.holdW[i]+e.cfg.AmbiguityMargin {
			pr.held = true
			return
		}
	}
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// safety returns the rules that keep a proposal from being automatic
// (none when it may be). See the package documentation.
func (r *matchRun) safety(pr *proposal) []string {
	e := r.e
	var out []string
	reconciles := pr.reconciles()
	for _, i := range pr.set {
		h := pr.hits.get(i)
		ce := r.customerEvidence(e.inv[i].cust)
		num := e.book.number(i)
		switch {
		case h != nil && h.Strong:
		case h != nil && h.Contained:
			if !ce.corroborated {
				out = append(out, fmt.Sprintf("invoice %s is named only inside a longer number and the payer does not corroborate it", num))
			}
		case h != nil && h.Unavailable:
			if !ce.corroborated {
				out = append(out, fmt.Sprintf("the text read as invoice %s names exactly an invoice already paid or held (a duplicate payment?) and the payer does not corroborate the reading", num))
			}
		case h != nil:
			// A typo and a fee shortfall together are two departures: the
			// amount corroborates a weak reference only when exact, and only
			// a reference one edit from a long or lettered number (two edits
			// from a short number of digits reach too many numbers).
			amountOK := pr.fit == matchers.FitExact && pr.amountW >= bitsCorroboratingAmount &&
				h.Distance <= 1 && distinctive(e.book.number(i))
			if !ce.corroborated && !amountOK {
				out = append(out, fmt.Sprintf("the reference to invoice %s is weak and neither the payer nor an unusual exact amount corroborates it", num))
			}
		case r.namesStrongly:
			out = append(out, fmt.Sprintf("invoice %s is not among the invoices the remittance names", num))
		case !(ce.identified || r.sharedAccount(e.inv[i].cust)) || !reconciles || pr.exhausted ||
			pr.amountW < bitsIdentifyingAmount || (pr.fit == matchers.FitFee && pr.amountW < bitsIdentifyingFee) ||
			(pr.pool > 0 && pr.amountW < bitsIdentifyingSubset):
			out = append(out, fmt.Sprintf("invoice %s is not named in the remittance, and a payer identified by a known IBAN with an amount that singles it out is needed", num))
		}
		if e.inv[i].issue != 0 && r.payDay != 0 && r.payDay < e.inv[i].issue {
			out = append(out, fmt.Sprintf("invoice %s was issued after the payment", num))
		}
	}
	switch pr.fit {
	case matchers.FitPartial:
		i := pr.set[0]
		switch {
		case len(pr.set) > 1:
			out = append(out, "partial payment of several invoices: which one stays open is a guess")
		case !r.strong(pr, i) || !r.sole(pr, i):
			out = append(out, "partial payment without a strong, unambiguous reference")
		case r.otherFits(i):
			out = append(out, "another open invoice of the customer has the credit's amount")
		}
	case matchers.FitOver:
		for _, i := range pr.set {
			if !r.strong(pr, i) || !r.sole(pr, i) {
				out = append(out, "overpayment: every invoice must be named by a strong, unambiguous reference")
				break
			}
		}
		switch {
		case r.toppedUp(pr):
			out = append(out, "overpayment: the excess is the amount of other open invoices of the customer")
		case -pr.diff > pr.total:
			out = append(out, "overpayment larger than the invoices it pays: other invoices may be meant")
		}
	}
	if !reconciles {
		for _, i := range pr.set {
			if r.payerIsOther(e.inv[i].cust) {
				out = append(out, fmt.Sprintf("the payer looks like another customer than invoice %s's (IBAN or name)", e.book.number(i)))
				break
			}
		}
		for _, h := range r.unavail {
			if h.Strong {
				out = append(out, fmt.Sprintf("the remittance also names invoice %s, already paid or held", e.book.number(h.Ref)))
				break
			}
		}
	}
	for gi, g := range r.groups {
		h := &r.hits[g[0]]
		if h.Strong && !pr.covered[gi] {
			out = append(out, fmt.Sprintf("the remittance names invoice %s, which this proposal leaves out", e.book.number(h.Ref)))
		}
	}
	return out
}

// contradictions returns the evidence that speaks against a proposal
// otherwise fit to be automatic (see the package documentation): it caps
// the decision at review. It is checked last, only when nothing else keeps
// the proposal from being automatic, as it may search the payer's name.
func (r *matchRun) contradictions(pr *proposal) []string {
	e := r.e
	var out []string
	for _, i := range pr.set {
		h := pr.hits.get(i)
		num := e.book.number(i)
		// Evidence that contradicts a weak reading caps it at review: the
		// payer is plainly another customer, or the text names exactly an
		// invoice already paid or held (a duplicate payment as likely as a
		// typo landing on a neighbour).
		if h != nil && !h.Strong {
			if r.payerPointsElsewhere(e.inv[i].cust) {
				out = append(out, fmt.Sprintf("the reference to invoice %s is weak and the payer (IBAN or name) points to another customer", num))
			}
			if u, ok := r.duplicateOf(h); ok && !r.typoOverDuplicate(i, u) {
				out = append(out, fmt.Sprintf("the text read as invoice %s names exactly invoice %s, already paid or held: a duplicate payment is as likely as a typo", num, e.book.number(u)))
			}
		}
		// Without a reference, the payer is all the evidence: a name that
		// closely matches another customer, and not this one, contradicts
		// the account.
		if h == nil && r.payerNamesOtherOnly(e.inv[i].cust) {
			out = append(out, fmt.Sprintf("invoice %s is not named and the payer's name is another customer's", num))
		}
		// Even a strong reference does not outweigh a payer whose IBAN and
		// name both designate one other customer.
		if h != nil && h.Strong && r.payerIsPlainlyOther(e.inv[i].cust) {
			out = append(out, fmt.Sprintf("the payer's IBAN and name both designate another customer than invoice %s's", num))
		}
	}
	return out
}

// payerPointsElsewhere reports whether the payer's evidence designates
// customers other than ci: an IBAN known only for other customers, or —
// unless ci's own evidence corroborates it — a name that closely matches
// another customer's.
func (r *matchRun) payerPointsElsewhere(ci int32) bool {
	if known := r.payerAccounts(); len(known) > 0 && !slices.Contains(known, ci) {
		return true
	}
	if r.customerEvidence(ci).corroborated {
		return false
	}
	r.searchNames()
	for _, o := range r.nameStrong {
		if o != ci {
			return true
		}
	}
	return false
}

// payerNamesOtherOnly reports whether the payer's name closely matches
// another customer's while ci's own name evidence is not close.
func (r *matchRun) payerNamesOtherOnly(ci int32) bool {
	ce := r.customerEvidence(ci)
	if (ce.nameOK && ce.name.Strong) || ce.alias {
		return false
	}
	r.searchNames()
	for _, o := range r.nameStrong {
		if o != ci {
			return true
		}
	}
	return false
}

// payerIsPlainlyOther reports whether the payer's IBAN is known for exactly
// one customer, not ci, and its name closely matches that customer's.
func (r *matchRun) payerIsPlainlyOther(ci int32) bool {
	known := r.payerAccounts()
	if len(known) != 1 || known[0] == ci {
		return false
	}
	ce := r.customerEvidence(ci)
	if (ce.nameOK && ce.name.Strong) || ce.alias {
		return false
	}
	r.searchNames()
	return slices.Contains(r.nameStrong, known[0])
}

// duplicateOf returns the invoice, already paid or held, that the text of
// a non-exact hit names exactly, if any.
func (r *matchRun) duplicateOf(h *matchers.RefHit) (int32, bool) {
	if h.Distance == 0 && !h.Unavailable {
		return 0, false
	}
	cw := matchers.CanonicalReference(h.Written)
	if cw == "" {
		return 0, false
	}
	for k := range r.unavail {
		u := &r.unavail[k]
		if u.Distance != 0 || u.Ref == h.Ref {
			continue
		}
		cu := matchers.CanonicalReference(u.Written)
		if cu != "" && (cu == cw || strings.Contains(cw, cu) || strings.Contains(cu, cw)) {
			return u.Ref, true
		}
	}
	return 0, false
}

// typoOverDuplicate reports whether invoice i, read as a typo of a text
// that names invoice u (already paid or held) exactly, may still be
// lettered automatically: only when u is another customer's, the payer
// corroborates i's customer and does not corroborate u's. For two invoices
// of one customer nothing tells a duplicate payment from a typo.
func (r *matchRun) typoOverDuplicate(i, u int32) bool {
	e := r.e
	ci, cu := e.inv[i].cust, e.inv[u].cust
	if ci == cu || !r.customerEvidence(ci).corroborated {
		return false
	}
	return !r.customerEvidence(cu).corroborated
}

// strong reports whether invoice i is named by a strong reference (not an
// abbreviation) in proposal pr.
func (r *matchRun) strong(pr *proposal, i int32) bool {
	h := pr.hits.get(i)
	return h != nil && h.Strong && !h.Abbreviated
}

// sole reports whether the text naming invoice i names no other invoice
// exactly (the same number for two invoices). Near numbers (fuzzy
// alternatives) compete through their scores and the ambiguity margin.
func (r *matchRun) sole(pr *proposal, i int32) bool {
	for _, g := range r.groups {
		if !slices.ContainsFunc(g, func(hi int) bool { return r.hits[hi].Ref == i }) {
			continue
		}
		for _, hi := range g {
			if h := &r.hits[hi]; h.Ref != i && h.Distance == 0 {
				return false
			}
		}
	}
	return true
}

// toppedUp reports whether another proposal adds invoices of the same
// customer to pr's and reconciles: the excess is explained.
func (r *matchRun) toppedUp(pr *proposal) bool {
	for _, o := range r.props {
		if len(o.set) <= len(pr.set) || (o.fit != matchers.FitExact && o.fit != matchers.FitFee) {
			continue
		}
		all := true
		for _, i := range pr.set {
			all = all && slices.Contains(o.set, i)
		}
		if all {
			return true
		}
	}
	return false
}

// otherFits reports whether another offered invoice of i's customer has
// the credit's amount (within fees).
func (r *matchRun) otherFits(i int32) bool {
	e := r.e
	r.sink += e.touch(e.customers[e.inv[i].cust].invoices)
	for _, j := range e.customers[e.inv[i].cust].invoices {
		if j == i || !r.accept(j) {
			continue
		}
		if f, _ := matchers.FitAmount(r.amount, e.inv[j].open, e.tol); f == matchers.FitExact || f == matchers.FitFee {
			return true
		}
	}
	return false
}

// allocate spreads the credit over the proposal's invoices, oldest due
// first: each gets its open amount while the credit lasts; a shortfall
// within the fee tolerance is written off on the last one; what is left
// over stays unapplied.
func (r *matchRun) allocate(pr *proposal, res *Result) {
	e := r.e
	left := r.amount
	for k, i := range pr.set {
		a := min(e.inv[i].open, left)
		if pr.fit == matchers.FitFee && k == len(pr.set)-1 {
			a = left // the last invoice takes the rest; the shortfall is written off
		}
		if a <= 0 {
			continue
		}
		left -= a
		res.Allocations = append(res.Allocations, ledger.Allocation{InvoiceID: e.book.id(i), Amount: ledger.Money{Minor: a, Currency: r.currency}})
	}
	res.Unapplied = ledger.Money{Minor: left, Currency: r.currency}
	if pr.fit == matchers.FitFee {
		res.WriteOff = ledger.Money{Minor: pr.diff, Currency: r.currency}
		res.Reasons = append(res.Reasons, fmt.Sprintf("write-off %s as bank fees", ledger.FormatMinor(pr.diff, r.p.Exponent)))
	}
	if pr.fit == matchers.FitPartial {
		res.Reasons = append(res.Reasons, fmt.Sprintf("partial payment: %s stays open", ledger.FormatMinor(pr.diff, r.p.Exponent)))
	}
	if left > 0 {
		res.Reasons = append(res.Reasons, fmt.Sprintf("overpayment: %s kept as unapplied cash", ledger.FormatMinor(left, r.p.Exponent)))
	}
	if pr.cust >= 0 {
		res.CustomerID = e.customers[pr.cust].c.ID
	}
}

// apply records the decision in the run's state: auto letters (the
// invoices' residuals drop, to zero when settled with a write-off), review
// holds the invoices.
func (r *matchRun) apply(pr *proposal, res *Result) {
	e := r.e
	switch res.Decision {
	case ledger.DecisionAuto:
		for _, i := range pr.set {
			var paid int64
			for _, a := range res.Allocations {
				if a.InvoiceID == e.book.id(i) {
					paid = a.Amount.Minor
				}
			}
			rest := e.inv[i].open - paid
			if pr.fit == matchers.FitFee || rest < 0 {
				rest = 0
			}
			e.record(i, rest, e.inv[i].pending, e.holdW[i])
		}
	case ledger.DecisionReview:
		for _, i := range pr.set {
			e.record(i, e.inv[i].open, true, pr.W)
		}
	}
}

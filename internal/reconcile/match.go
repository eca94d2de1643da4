package reconcile

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/matchers"
)

// Match decides on one credit and remembers the decision for the rest of
// the run: an auto decision reduces the open amounts of the invoices it
// letters, a review proposal holds its invoices. It returns an error
// wrapping ErrNotMatchable when c is not a booked credit, and the
// context's error when ctx is done.
func (e *Engine) Match(ctx context.Context, c Credit) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	e.prep = prepare(c, e.prep)
	return e.MatchPrepared(ctx, e.prep)
}

// MatchPrepared is Match on a credit Prepare has prepared (on any
// goroutine, before): the same decision, remembered the same way. The
// engine does not keep pc; the caller may prepare another credit into it
// once this returns.
func (e *Engine) MatchPrepared(ctx context.Context, pc *Prepared) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if pc.err != nil {
		return Result{}, pc.err
	}
	c := pc.c
	m := c.Amount()
	res := Result{
		Decision:  ledger.DecisionUnmatched,
		Unapplied: m,
		WriteOff:  ledger.Money{Currency: m.Currency},
	}
	k, ok := e.curByCode[m.Currency]
	if !ok {
		res.Reasons = []string{fmt.Sprintf("no open invoice in %s", m.Currency)}
		return res, nil
	}
	r := e.newRun()
	r.c, r.p, r.cur, r.currency, r.amount = c, pc.p, k, m.Currency, m.Minor
	r.payerNames = pc.names
	if d := c.Date(); !d.IsZero() {
		r.payDay = dayNumber(d)
	}
	if len(e.rejected) > 0 {
		r.fp = Fingerprint(c)
	}
	r.retrieve()
	r.propose()
	res = r.decide(res)
	r.p, r.payerNames = nil, nil // the caller's, to reuse
	return res, nil
}

// newRun returns the engine's matchRun emptied for a new credit. One is
// kept per engine (which is not safe for concurrent use) so that the
// per-credit working space — proposals, their sets, the caches — is
// reused rather than allocated for every credit: on a large run the
// garbage collector's work is what the allocations cost.
func (e *Engine) newRun() *matchRun {
	r := e.run
	if r == nil || cap(r.props) > 1024 || cap(r.hits) > 1024 {
		r = &matchRun{} // none yet, or an outsized credit's: not kept
		e.run = r
	}
	*r = matchRun{
		e:            e,
		hits:         r.hits[:0],
		found:        r.found[:0],
		groups:       r.groups[:0],
		unavail:      r.unavail[:0],
		custs:        r.custs[:0],
		props:        r.props[:0],
		propIdx:      reuseMap(r.propIdx),
		nameStrong:   r.nameStrong[:0],
		offeredCache: r.offeredCache[:0],
		groupRecon:   r.groupRecon[:0],
		typos:        reuseMap(r.typos),
		texts:        r.texts[:0],
	}
	return r
}

// reuseMap empties m for reuse, or drops it when one credit made it large
// (clearing costs its capacity, not its length).
func reuseMap[K comparable, V any](m map[K]V) map[K]V {
	if len(m) > 4096 {
		return nil
	}
	clear(m)
	return m
}

// matchRun is the working state of one Match call.
type matchRun struct {
	e        *Engine
	sink     int64 // what touch read, kept so that the reads are made
	c        Credit
	p        *matchers.Payment
	cur      uint8
	currency ledger.Currency
	amount   int64
	payDay   int32
	fp       string

	hits    []matchers.RefHit
	found   []matchers.RefHit // Find's result space, reused
	groups  [][]int           // hits indexes grouped by overlapping text spans, best first
	unavail []matchers.RefHit // exact hits on invoices not offered (paid, held, rejected)
	custs   []*custEvidence   // beyond len, earlier credits' values to reuse
	// props are the proposals, in the order found (beyond len, earlier
	// credits' to reuse); propIdx finds one by the hash of its set.
	props   []*proposal
	propIdx map[uint64]int32
	// namesStrongly: the texts strongly name some invoice, offered or not.
	namesStrongly bool
	// nameStrong lists the customers whose names the payer's closely
	// matches.
	nameStrong []int32
	searched   bool        // searchNames has run
	payerNames []payerName // the Prepared's
	// offeredCache counts each customer's offered invoices once.
	offeredCache []custCount
	// groupRecon caches groupReconciles, per group (when groupReconDone).
	groupRecon     []bool
	groupReconDone bool
	// typos caches, per invoice and text, the typo readings matchHits
	// tries (RefDistance, NearReference).
	typos map[typoKey]typoReading
	texts []*matchers.RefText // by typoKey.text ≥ 0, normalised once
	// known caches the customers the payer's IBAN is known for (when
	// knownDone): several steps ask, and the account index does not change
	// during a Match.
	known     []int32
	knownDone bool
}

// payerAccounts returns the customers the payer's IBAN is known for.
func (r *matchRun) payerAccounts() []int32 {
	if !r.knownDone {
		r.known, r.knownDone = r.e.accounts.Lookup(r.p.PayerIBAN), true
	}
	return r.known
}

// typoKey is an invoice and the text read as a typo of its number (an
// index in hits, in unavail offset by len(hits), or -1 for NearReference).
type typoKey struct {
	inv  int32
	text int32
}

// typoReading is the outcome of reading a text as a typo of a number.
type typoReading struct {
	d       int
	swap    bool
	written string // for NearReference
	ok      bool
}

// accept says whether invoice i is a candidate for this credit: open, of
// the credit's currency, not rejected for it. An invoice held by a pending
// review proposal is a candidate too — it competes with the others, so
// that a decision is not automatic merely because its rival is held — but
// a proposal containing it cannot be chosen (see proposal.held).
func (r *matchRun) accept(i int32) bool {
	e := r.e
	if e.inv[i].open <= 0 || e.inv[i].curID != r.cur {
		return false
	}
	if r.fp != "" {
		if _, no := e.rejected[r.fp+"\x00"+e.book.id(i)]; no {
			return false
		}
	}
	return true
}

// hit returns the reference hit on invoice i, if any.
func (r *matchRun) hit(i int32) *matchers.RefHit {
	for k := range r.hits {
		if r.hits[k].Ref == i {
			return &r.hits[k]
		}
	}
	return nil
}

// retrieve finds the invoices the texts name and the customers the payer
// may be.
func (r *matchRun) retrieve() {
	e := r.e
	// Exact first; the fuzzy search (costlier) only when what was found
	// exactly does not account for the credit.
	// (FindThenFuzzy looks the texts up exactly once for both.)
	opt := matchers.FindOptions{Accept: r.accept, ReportUnavailable: true}
	if e.cfg.MaxFuzzyDistance > 0 {
		opt.MaxDistance = e.cfg.MaxFuzzyDistance
		opt.MaxFuzzyCandidates, opt.Plausible = maxFuzzyCandidates, r.plausibleTypo
	}
	found := e.refs.FindThenFuzzy(r.p, opt, r.exactSuffices, r.found[:0])
	for _, h := range found {
		if h.Unavailable {
			r.unavail = append(r.unavail, h)
			r.namesStrongly = r.namesStrongly || h.Strong
			continue
		}
		r.hits = append(r.hits, h)
		r.namesStrongly = r.namesStrongly || h.Strong
	}
	// When no invoice named exactly fits the amount, the number may be a
	// typo that happens to be another invoice's: look for near numbers too.
	if e.cfg.MaxFuzzyDistance > 0 && r.needsFuzzyAlternatives() {
		// Only near numbers the amount agrees with are alternatives: with
		// sequential numbering every number has neighbours.
		// The exact hits are r.hits already (the same Accept found them):
		// only the fuzzy ones are asked for.
		more := e.refs.Find(r.p, matchers.FindOptions{Accept: r.accept, MaxDistance: 1, FuzzyEverywhere: true, FuzzyOnly: true}, found[:0])
		found = more
		for _, h := range more {
			if h.Distance == 0 || r.hit(h.Ref) != nil {
				continue
			}
			if f, _ := matchers.FitAmount(r.amount, e.inv[h.Ref].open, e.tol); f == matchers.FitExact || f == matchers.FitFee {
				r.hits = append(r.hits, h)
			}
		}
		r.amountAlternatives()
	}
	r.found = found[:0] // copied into hits and unavail: its space is reused
	r.groupHits()

	addCust := func(ci int32) { r.customerEvidence(ci) }
	for _, ci := range r.payerAccounts() {
		addCust(ci)
	}
	for _, py := range r.payers() {
		for _, ci := range e.aliases[py.key] {
			addCust(ci)
		}
	}
	strongHit := false
	for _, h := range r.hits {
		addCust(e.inv[h.Ref].cust)
		strongHit = strongHit || h.Strong
	}
	identified := false
	for _, ce := range r.custs {
		identified = identified || ce.identified
	}
	// The payer's name: customers it may be, unless the account says who
	// pays or the texts name invoices that account for the credit.
	// (Otherwise it is searched only if needed: see payerNamedOther.)
	if !identified && (!strongHit || !r.exactSuffices(r.hits)) {
		r.searchNames()
	}
}

// searchNames looks the payer's names up in the name index, once: the
// customers found become candidates, and those whose name the payer's
// matches closely are noted (nameStrong).
func (r *matchRun) searchNames() {
	if r.searched {
		return
	}
	r.searched = true
	for k := range r.payerNames {
		for _, h := range r.payerNames[k].search(r.e) {
			ce := r.customerEvidence(h.Customer)
			if h.Similarity >= 0.95 && !h.LegalConflict {
				r.nameStrong = append(r.nameStrong, ce.ci)
			}
		}
	}
}

// payerName is one of the payment's payer names, normalised once.
type payerName struct {
	raw  string
	form matchers.NameForm
	key  string
	// hits are the customers the name index finds for it (when searched).
	hits     []matchers.NameHit
	searched bool
}

// payers returns the debtor's and the ultimate debtor's names, normalised
// (by Prepare).
func (r *matchRun) payers() []payerName { return r.payerNames }

// payerNamedOther reports whether the payer's name closely matches another
// customer's and not ci's.
func (r *matchRun) payerNamedOther(ci int32) bool {
	if r.customerEvidence(ci).corroborated || len(r.payerAccounts()) > 1 {
		return false // a shared account pays for others: its holder's name says nothing
	}
	r.searchNames()
	for _, o := range r.nameStrong {
		if o != ci {
			return true
		}
	}
	return false
}

// payerIsOther reports whether the payer is plainly another customer than
// ci: its IBAN is known for exactly one other customer, or its name
// closely matches another customer's and not ci's.
func (r *matchRun) payerIsOther(ci int32) bool {
	// An IBAN known for one other customer is that customer's; one known
	// for several is a shared account (an accountant, a group) and says
	// nothing against ci.
	if known := r.payerAccounts(); len(known) == 1 && known[0] != ci {
		return true
	}
	if r.customerEvidence(ci).corroborated {
		return false
	}
	for _, o := range r.nameStrong {
		if o != ci {
			return true
		}
	}
	return false
}

// exactSuffices reports whether the exact hits, all of them strong and
// offered, add up to the credit (within fees): nothing is left for a
// mistyped reference to explain.
func (r *matchRun) exactSuffices(hits []matchers.RefHit) bool {
	var total int64
	for _, h := range hits {
		if h.Unavailable || !h.Strong {
			return false
		}
		total += r.e.inv[h.Ref].open
	}
	if len(hits) == 0 {
		return false
	}
	f, _ := matchers.FitAmount(r.amount, total, r.e.tol)
	return f == matchers.FitExact || f == matchers.FitFee
}

// maxFuzzyCandidates is how many invoices one mistyped text may read as
// before only the plausible ones (plausibleTypo) are kept: beyond it, each
// reading weighs less than the lookalike threshold and only the amount or
// the payer could single one out.
const maxFuzzyCandidates = 8

// plausibleTypo reports whether invoice i, one of many a mistyped text
// reads as, is worth a proposal: its open amount fits the credit (exactly
// or within fees), or the payer's IBAN is known for its customer.
func (r *matchRun) plausibleTypo(i int32) bool {
	e := r.e
	if f, _ := matchers.FitAmount(r.amount, e.inv[i].open, e.tol); f == matchers.FitExact || f == matchers.FitFee {
		return true
	}
	return slices.Contains(r.payerAccounts(), e.inv[i].cust)
}

// maxAmountAlternatives bounds the invoices of the credit's amount checked
// as typo readings of a named number.
const maxAmountAlternatives = 256

// amountAlternatives looks, among the invoices whose open amount is the
// credit's, for numbers one or two edits from a text that named another
// invoice exactly (a typo landing on a real number — with zeros dropped,
// say, which the fuzzy index does not reach): they become alternatives
// read from the same text.
func (r *matchRun) amountAlternatives() {
	e := r.e
	lo, hi := e.amounts[r.cur].Range(r.amount, r.amount)
	if hi-lo > maxAmountAlternatives {
		return
	}
	exact := len(r.hits)
	for k := lo; k < hi; k++ {
		i, _ := e.amounts[r.cur].At(k)
		if e.inv[i].open != r.amount || !r.accept(i) || r.hit(i) != nil {
			continue
		}
		for k, h := range r.hits[:exact] {
			if h.Distance != 0 || !h.Strong {
				continue
			}
			d, swap, ok := r.within(int32(k), h.Written, i)
			if ok && d >= 1 {
				r.hits = append(r.hits, h.Alternative(i, d, swap, typoBits(d)))
				break
			}
		}
	}
}

// needsFuzzyAlternatives reports whether there are exact hits none of
// which (alone or all together) fits the credit's amount.
func (r *matchRun) needsFuzzyAlternatives() bool {
	var total int64
	exact := 0
	for _, h := range r.hits {
		if h.Distance != 0 {
			continue
		}
		exact++
		o := r.e.inv[h.Ref].open
		total += o
		if f, _ := matchers.FitAmount(r.amount, o, r.e.tol); f == matchers.FitExact || f == matchers.FitFee {
			return false
		}
	}
	if exact == 0 {
		return false
	}
	f, _ := matchers.FitAmount(r.amount, total, r.e.tol)
	return f != matchers.FitExact && f != matchers.FitFee
}

// groupHits clusters hits whose text spans overlap, or that read the same
// text (a reference repeated in the remittance and the EndToEndId): at most
// one of each group can be what the payer meant.
func (r *matchRun) groupHits() {
	n := len(r.hits)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	canon := make([]string, n)
	for i := range r.hits {
		canon[i] = matchers.CanonicalReference(r.hits[i].Written)
	}
	for i := 0; i < n; i++ {
		fi, li := r.hits[i].Span()
		for j := i + 1; j < n; j++ {
			fj, lj := r.hits[j].Span()
			if (fi <= lj && fj <= li) || canon[i] == canon[j] {
				parent[find(i)] = find(j)
			}
		}
	}
	byRoot := map[int]int{}
	for i := 0; i < n; i++ {
		root := find(i)
		g, ok := byRoot[root]
		if !ok {
			g = len(r.groups)
			byRoot[root] = g
			r.groups = append(r.groups, nil)
		}
		r.groups[g] = append(r.groups[g], i)
	}
	for _, g := range r.groups {
		slices.SortStableFunc(g, func(a, b int) int {
			ha, hb := &r.hits[a], &r.hits[b]
			switch {
			case ha.Weight > hb.Weight:
				return -1
			case ha.Weight < hb.Weight:
				return 1
			}
			return int(ha.Ref - hb.Ref)
		})
	}
	// The strongest groups first; a remittance naming more invoices than a
	// proposal may hold keeps the strongest.
	slices.SortStableFunc(r.groups, func(a, b []int) int {
		wa, wb := r.hits[a[0]].Weight, r.hits[b[0]].Weight
		switch {
		case wa > wb:
			return -1
		case wa < wb:
			return 1
		}
		return 0
	})
}

// custEvidence is what the payment says about one customer.
type custEvidence struct {
	ci           int32
	weight       float64
	identified   bool // payer IBAN or learned alias known for this customer only
	corroborated bool // identified, a shared account known for it, or a closely matching name

	acctOK   bool             // the payer's IBAN is known (for ci or others)
	name     matchers.NameHit // payer name similarity, when nameOK
	nameOK   bool
	alias    bool // the payer's name is a confirmed alias (weight in aliasW)
	aliasW   float64
	nameUsed string // the payer name the evidence is about
}

// customerEvidence weighs the payer's IBAN and names against customer ci
// (once per customer and credit).
func (r *matchRun) customerEvidence(ci int32) *custEvidence {
	for _, ce := range r.custs {
		if ce.ci == ci {
			return ce
		}
	}
	e := r.e
	var ce *custEvidence
	if n := len(r.custs); n < cap(r.custs) && r.custs[:n+1][n] != nil {
		ce = r.custs[:n+1][n] // an earlier credit's, reused
		*ce = custEvidence{ci: ci}
	} else {
		ce = &custEvidence{ci: ci}
	}
	if w, strong, ok := e.accounts.Weigh(r.p.PayerIBAN, ci); ok {
		ce.acctOK = true
		ce.weight += w
		ce.identified = strong
	}
	// The payer's name: a learned alias, else the name similarity.
	best := math.Inf(-1)
	for _, py := range r.payers() {
		owners := e.aliases[py.key]
		if slices.Contains(owners, ci) && py.key != e.custKey(ci) {
			if w := bitsAlias - 3*math.Log2(float64(len(owners))); w > best {
				best, ce.alias, ce.aliasW, ce.nameUsed = w, true, w, py.raw
				ce.identified = ce.identified || len(owners) == 1
			}
			continue
		}
		if h, ok := e.names.CompareForm(py.form, ci); ok && h.Weight > best {
			best, ce.name, ce.nameOK, ce.nameUsed, ce.alias = h.Weight, h, true, py.raw, false
		}
	}
	if !math.IsInf(best, -1) {
		ce.weight += best
		ce.corroborated = ce.nameOK && !ce.alias && ce.name.Strong
	}
	// An account shared by a few customers that include this one (an
	// accountant's, a group's) has paid for it before: it corroborates.
	known := r.payerAccounts()
	shared := len(known) > 1 && len(known) <= maxSharedAccount && slices.Contains(known, ci)
	ce.corroborated = ce.corroborated || ce.identified || shared
	r.custs = append(r.custs, ce)
	return ce
}

// explain writes the customer evidence as sentences.
func (ce *custEvidence) explain(r *matchRun) []string {
	c := &r.e.customers[ce.ci].c
	var out []string
	if ce.acctOK {
		if ev, ok := r.e.accounts.AccountEvidence(r.p.PayerIBAN, ce.ci, c.ID); ok {
			out = append(out, ev.Reason)
		}
	}
	switch {
	case ce.alias:
		out = append(out, fmt.Sprintf("payer name %q is a confirmed alias of customer %s", ce.nameUsed, c.ID))
	case ce.nameOK:
		out = append(out, matchers.NameEvidence(ce.name, ce.nameUsed, c.ID, c.Name).Reason)
	}
	return out
}

// bitsAlias is the weight of a payer name equal to a confirmed alias.
const bitsAlias = 10.0

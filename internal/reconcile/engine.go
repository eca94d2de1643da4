package reconcile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/matchers"
)

// Engine letters credits against open invoices. It is built once per run
// (NewEngine) and fed credits in statement order (Match); it remembers what
// it lettered or proposed, so later credits are not offered the same
// invoices. It is not safe for concurrent use.
type Engine struct {
	cfg Config
	tol matchers.Tolerance

	invoices []ledger.Invoice // as given; never modified
	byID     map[string]int32 // built on first use (Learn): see invoiceIndex

	// Per invoice, indexed like invoices.
	open    []int64 // residual still due in this run; 0 = not offered
	pending []bool  // held by a review proposal of this run
	// holdW is the weight (bits) of the review proposal holding each
	// pending invoice: a later proposal clearly stronger takes precedence.
	holdW map[int32]float64
	cust  []int32 // customer index
	issue []int32 // day numbers (days since 1970-01-01), 0 = unknown
	due   []int32
	curID []uint8

	currencies []ledger.Currency
	curByCode  map[ledger.Currency]uint8
	amounts    []*matchers.AmountIndex // per currency: static open amounts
	openCount  []int                   // per currency: invoices offered at the start
	residual   []map[int64][]int32     // per currency: invoices whose residual changed in this run

	customers []customer
	custByID  map[string]int32

	refs     *matchers.ReferenceIndex
	accounts *matchers.AccountIndex
	names    *matchers.NameIndex
	aliases  map[string][]int32 // matchers.NameForm.Key → customers

	rejected map[string]struct{} // fingerprint + "\x00" + invoice id
	journal  []change

	run  *matchRun // the working space of Match, reused from credit to credit
	prep *Prepared // Match's prepared credit, its space reused
}

// customer is what the engine knows of one customer.
type customer struct {
	c        ledger.Customer // IBANs and Aliases grow as Learn adds to them
	invoices []int32         // its offered invoices, oldest due first
	key      string          // normalised legal name (matchers.NameForm.Key), computed on first use
	// openN counts its invoices still open in this run.
	openN int
	// For a customer with more invoices than Config.MaxCustomerInvoices
	// (too many for a subset search), byAmount holds them by their opening
	// open amount and moved those whose residual changed in the run, so
	// that the invoices of an amount are found without scanning the list:
	// a large customer's list grows with the book.
	byAmount []int32
	amounts  []int64 // the opening open amount of each of byAmount, searched without reading the invoices
	moved    []int32
}

// change is one undoable state change (see Checkpoint).
type change struct {
	inv     int32
	open    int64
	pending bool
	holdW   float64
}

// Option configures an Engine.
type Option func(*Engine) error

// Rejection is a (transaction, invoice) pair a person refused: the engine
// does not propose that invoice for that transaction again.
type Rejection struct {
	Fingerprint string // Fingerprint of the credit
	InvoiceID   string
}

// WithRejections passes the pairs people have rejected.
func WithRejections(rs []Rejection) Option {
	return func(e *Engine) error {
		for _, r := range rs {
			e.Reject(r.Fingerprint, r.InvoiceID)
		}
		return nil
	}
}

// NewEngine validates cfg and builds every index the run needs from the
// invoices (those with an open amount above zero and not cancelled are
// offered) and the customers (their IBANs and aliases; customers that
// appear only on invoices are created from the invoices' customer names).
// It fails on an invalid config, two invoices with the same id, an open
// amount above the amount due, or an invoice without a valid currency.
func NewEngine(cfg Config, invoices []ledger.Invoice, customers []ledger.Customer, opts ...Option) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := len(invoices)
	if n > 1<<28-1 {
		return nil, fmt.Errorf("new engine: %d invoices is more than the engine handles (2²⁸)", n)
	}
	e := &Engine{
		cfg:       cfg,
		tol:       matchers.Tolerance{AbsMinor: cfg.FeeToleranceMinor, Rel: cfg.FeeToleranceRel},
		invoices:  invoices,
		open:      make([]int64, n),
		pending:   make([]bool, n),
		holdW:     make(map[int32]float64),
		cust:      make([]int32, n),
		issue:     make([]int32, n),
		due:       make([]int32, n),
		curID:     make([]uint8, n),
		curByCode: make(map[ledger.Currency]uint8),
		custByID:  make(map[string]int32, len(customers)),
		accounts:  matchers.NewAccountIndex(),
		aliases:   make(map[string][]int32),
		rejected:  make(map[string]struct{}),
	}
	for _, c := range customers {
		if c.ID == "" {
			return nil, fmt.Errorf("new engine: customer without id: %w", ledger.ErrInvalid)
		}
		if _, dup := e.custByID[c.ID]; dup {
			return nil, fmt.Errorf("new engine: customer %q listed twice: %w", c.ID, ledger.ErrInvalid)
		}
		e.custByID[c.ID] = int32(len(e.customers))
		c.IBANs = slices.Clone(c.IBANs)
		c.Aliases = slices.Clone(c.Aliases)
		e.customers = append(e.customers, customer{c: c})
	}
	if dup, ok := duplicateID(invoices); ok {
		return nil, fmt.Errorf("new engine: invoice %q listed twice: %w", dup, ledger.ErrInvalid)
	}
	// The reference index — the costliest — is built on a goroutine of its
	// own while this one builds the rest.
	// The first error is that of the first invoice refused, by either.
	refsDone := make(chan refsBuilt, 1)
	var refused atomic.Int64 // the invoice this loop refused; len(invoices) while none
	refused.Store(int64(n))
	go func() { refsDone <- buildReferences(invoices, &refused) }()
	fail := func(i int, err error) (*Engine, error) {
		refused.Store(int64(i))
		if rb := <-refsDone; rb.err != nil && rb.at < i {
			return nil, fmt.Errorf("new engine: %w", rb.err)
		}
		return nil, err
	}
	var amountBuilders []*matchers.AmountIndexBuilder
	var lastCust int32
	var lastCustID string
	for i := range invoices {
		inv := &invoices[i]
		if inv.ID == "" {
			return fail(i, fmt.Errorf("new engine: invoice %d has no id: %w", i, ledger.ErrInvalid))
		}
		cur := inv.Open.Currency
		if cur == "" {
			cur = inv.Amount.Currency
		}
		if !cur.Valid() {
			return fail(i, fmt.Errorf("new engine: invoice %q: currency %q: %w", inv.ID, cur, ledger.ErrInvalid))
		}
		if inv.Amount.Currency != "" && inv.Amount.Currency != cur {
			return fail(i, fmt.Errorf("new engine: invoice %q: amount in %s, open amount in %s: %w", inv.ID, inv.Amount.Currency, cur, ledger.ErrCurrencyMismatch))
		}
		if inv.Open.Minor > inv.Amount.Minor && inv.Amount.Currency != "" {
			return fail(i, fmt.Errorf("new engine: invoice %q: open amount %s above amount %s: %w", inv.ID, inv.Open, inv.Amount, ledger.ErrInvalid))
		}
		cid, ok := lastCust, lastCustID == inv.CustomerID && i > 0
		if !ok {
			cid, ok = e.custByID[inv.CustomerID]
		}
		if !ok {
			cid = int32(len(e.customers))
			e.custByID[inv.CustomerID] = cid
			e.customers = append(e.customers, customer{c: ledger.Customer{ID: inv.CustomerID, Name: inv.CustomerName}})
		} else if e.customers[cid].c.Name == "" {
			e.customers[cid].c.Name = inv.CustomerName
		}
		lastCust, lastCustID = cid, inv.CustomerID
		k, ok := e.curByCode[cur]
		if !ok {
			if len(e.currencies) == 255 {
				return fail(i, fmt.Errorf("new engine: more than 255 currencies: %w", ledger.ErrInvalid))
			}
			k = uint8(len(e.currencies))
			e.curByCode[cur] = k
			e.currencies = append(e.currencies, cur)
			amountBuilders = append(amountBuilders, &matchers.AmountIndexBuilder{})
			e.openCount = append(e.openCount, 0)
			e.residual = append(e.residual, nil)
		}
		e.cust[i], e.curID[i] = cid, k
		e.issue[i], e.due[i] = dayNumber(inv.IssueDate), dayNumber(inv.DueDate)
		if inv.Status == ledger.InvoiceCancelled {
			continue
		}
		if !offered(inv) { // paid: in the reference index, never offered
			continue
		}
		e.open[i] = inv.Open.Minor
		e.openCount[k]++
		amountBuilders[k].Add(int32(i), inv.Open.Minor)
		e.customers[cid].invoices = append(e.customers[cid].invoices, int32(i))
	}
	rb := <-refsDone
	if rb.err != nil {
		return nil, fmt.Errorf("new engine: %w", rb.err)
	}
	e.refs = rb.index
	for _, b := range amountBuilders {
		e.amounts = append(e.amounts, b.Build())
	}
	names := matchers.NewNameIndexBuilder()
	for ci := range e.customers {
		c := &e.customers[ci]
		slices.SortStableFunc(c.invoices, func(a, b int32) int {
			if d := e.due[a] - e.due[b]; d != 0 {
				return int(d)
			}
			return int(a - b)
		})
		c.openN = len(c.invoices)
		if len(c.invoices) > cfg.MaxCustomerInvoices {
			c.byAmount = slices.Clone(c.invoices)
			slices.SortStableFunc(c.byAmount, func(a, b int32) int {
				return cmpInt64(invoices[a].Open.Minor, invoices[b].Open.Minor)
			})
			c.amounts = make([]int64, len(c.byAmount))
			for k, i := range c.byAmount {
				c.amounts[k] = invoices[i].Open.Minor
			}
		}
		for _, a := range c.c.Aliases {
			e.addAlias(a, int32(ci))
		}
		if len(c.invoices) > 0 { // a name with nothing to propose is not a candidate
			names.Add(int32(ci), c.c.Name)
			for _, a := range c.c.Aliases {
				names.Add(int32(ci), a)
			}
		}
		for _, iban := range c.c.IBANs {
			e.accounts.Add(iban, int32(ci))
		}
	}
	e.names = names.Build()
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, fmt.Errorf("new engine: %w", err)
		}
	}
	return e, nil
}

// offered reports whether a valid invoice is offered to credits: neither
// cancelled nor paid, with an amount still open.
func offered(inv *ledger.Invoice) bool {
	return inv.Status != ledger.InvoiceCancelled && inv.Status != ledger.InvoicePaid && inv.Open.Minor > 0
}

// refsBuilt is the outcome of buildReferences.
type refsBuilt struct {
	index *matchers.ReferenceIndex
	err   error
	at    int // the invoice err is about
}

// buildReferences builds the reference index of the invoices: the numbers
// and creditor references of those offered, for exact and fuzzy lookups;
// of paid ones, for exact lookups only — a remittance that names one is
// recognised as naming an invoice already paid; cancelled ones are left
// out. The index reads numbers back from the invoices instead of keeping
// copies: that is memory on millions of invoices. It gives up, returning
// nothing, on reaching the invoice refused says (the caller refused it).
func buildReferences(invoices []ledger.Invoice, refused *atomic.Int64) refsBuilt {
	refs := matchers.NewReferenceIndexBuilderFunc(len(invoices), func(ref int32) (string, string) {
		return invoices[ref].Number, invoices[ref].RFReference
	})
	for i := range invoices {
		if int64(i) >= refused.Load() {
			return refsBuilt{}
		}
		inv := &invoices[i]
		var err error
		switch {
		case inv.Status == ledger.InvoiceCancelled:
			continue
		case offered(inv):
			err = refs.Add(int32(i), inv.Number, inv.RFReference)
		default:
			err = refs.AddExactOnly(int32(i), inv.Number, inv.RFReference)
		}
		if err != nil {
			return refsBuilt{err: err, at: i}
		}
	}
	return refsBuilt{index: refs.Build()}
}

// custKey returns the normalised key of customer ci's legal name.
func (e *Engine) custKey(ci int32) string {
	c := &e.customers[ci]
	if c.key == "" {
		c.key = matchers.NormalizeName(c.c.Name).Key()
	}
	return c.key
}

// duplicateID returns an id two invoices share, if any: through sorted
// 64-bit hashes of the ids (linear radix sort, no map of millions of
// strings), comparing the strings only when hashes collide.
func duplicateID(invoices []ledger.Invoice) (string, bool) {
	n := len(invoices)
	if n > 1<<32-1 {
		n = 1<<32 - 1
	}
	keys := make([]uint64, n)
	for i := 0; i < n; i++ {
		h := fnvString(invoices[i].ID)
		keys[i] = h&0xFFFFFFFF00000000 | uint64(uint32(i))
	}
	slices.Sort(keys)
	for k := 1; k < n; k++ {
		if keys[k]>>32 != keys[k-1]>>32 {
			continue
		}
		// Same upper hash bits: compare every id of the run.
		run := k - 1
		for run > 0 && keys[run-1]>>32 == keys[k]>>32 {
			run--
		}
		a := invoices[uint32(keys[k])].ID
		for r := run; r < k; r++ {
			if invoices[uint32(keys[r])].ID == a {
				return a, true
			}
		}
	}
	return "", false
}

// fnvString hashes s (FNV-1a, 64 bits).
func fnvString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// invoiceIndex returns the position of the invoice with this id.
func (e *Engine) invoiceIndex(id string) (int32, bool) {
	if e.byID == nil {
		e.byID = make(map[string]int32, len(e.invoices))
		for i := range e.invoices {
			e.byID[e.invoices[i].ID] = int32(i)
		}
	}
	i, ok := e.byID[id]
	return i, ok
}

// addAlias records a payer-name alias of customer ci.
func (e *Engine) addAlias(name string, ci int32) {
	k := matchers.NormalizeName(name).Key()
	if k == "" {
		return
	}
	if !slices.Contains(e.aliases[k], ci) {
		e.aliases[k] = append(e.aliases[k], ci)
	}
}

// Reject records that invoiceID must not be proposed again for the credit
// with this fingerprint.
func (e *Engine) Reject(fingerprint, invoiceID string) {
	e.rejected[fingerprint+"\x00"+invoiceID] = struct{}{}
}

// Stats describes the indexes of an engine (for sizing and benchmarks).
type Stats struct {
	Invoices, Offered, Customers   int
	ReferenceKeys, DeletionEntries int
	IBANs                          int
}

// Stats returns the sizes of the engine's indexes.
func (e *Engine) Stats() Stats {
	s := Stats{Invoices: len(e.invoices), Customers: len(e.customers), IBANs: e.accounts.Len()}
	for _, c := range e.openCount {
		s.Offered += c
	}
	s.ReferenceKeys, s.DeletionEntries = e.refs.Len()
	return s
}

// Checkpoint marks the engine's state so that Rollback can undo every
// lettering and proposal made after it (a statement file rejected half-way
// must leave nothing behind). Learned IBANs and aliases are not undone.
type Checkpoint struct{ n int }

// Checkpoint returns the current state mark.
func (e *Engine) Checkpoint() Checkpoint { return Checkpoint{len(e.journal)} }

// Rollback undoes the state changes made since cp.
func (e *Engine) Rollback(cp Checkpoint) {
	for i := len(e.journal) - 1; i >= cp.n; i-- {
		ch := e.journal[i]
		e.setOpen(ch.inv, ch.open)
		e.pending[ch.inv] = ch.pending
		if ch.pending {
			e.holdW[ch.inv] = ch.holdW
		} else {
			delete(e.holdW, ch.inv)
		}
	}
	e.journal = e.journal[:cp.n]
}

// Commit forgets the undo journal: earlier checkpoints become invalid.
func (e *Engine) Commit() { e.journal = e.journal[:0] }

// setOpen changes invoice i's residual, keeping the residual overlay of the
// amount index in step.
func (e *Engine) setOpen(i int32, v int64) {
	old := e.open[i]
	if old == v {
		return
	}
	k := e.curID[i]
	if e.residual[k] == nil {
		e.residual[k] = make(map[int64][]int32)
	}
	if old > 0 && old != e.invoices[i].Open.Minor {
		lst := e.residual[k][old]
		if j := slices.Index(lst, i); j >= 0 {
			e.residual[k][old] = slices.Delete(lst, j, j+1)
		}
	}
	e.open[i] = v
	if v > 0 && v != e.invoices[i].Open.Minor {
		e.residual[k][v] = append(e.residual[k][v], i)
	}
	c := &e.customers[e.cust[i]]
	switch {
	case old > 0 && v <= 0:
		c.openN--
	case old <= 0 && v > 0:
		c.openN++
	}
	if c.byAmount != nil && v > 0 && v != e.invoices[i].Open.Minor {
		c.moved = append(c.moved, i)
	}
}

// cmpInt64 orders two int64s.
func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// record applies a change to invoice i and journals the old state.
// A pending invoice is held with weight w (that of the review proposal
// holding it).
func (e *Engine) record(i int32, open int64, pending bool, w float64) {
	e.journal = append(e.journal, change{inv: i, open: e.open[i], pending: e.pending[i], holdW: e.holdW[i]})
	e.setOpen(i, open)
	e.pending[i] = pending
	if pending {
		e.holdW[i] = w
	} else {
		delete(e.holdW, i)
	}
}

// dayNumber converts a civil date into days since 1970-01-01 (0 = absent).
func dayNumber(d ledger.Date) int32 {
	if d.IsZero() {
		return 0
	}
	return int32(d.Time().Unix() / 86400)
}

// ErrNotMatchable is returned by Match for a transaction that is not a
// booked credit (a debit, a reversal, a pending entry, a zero amount).
var ErrNotMatchable = errors.New("not a booked credit")

// money formats minor units of currency k.
func (e *Engine) money(v int64, cur ledger.Currency) string {
	return ledger.FormatMinor(v, cur.Exponent())
}

// invoiceList names invoices for reasons: "FA-1, FA-2".
func (e *Engine) invoiceList(set []int32) string {
	parts := make([]string, 0, len(set))
	for _, i := range set {
		parts = append(parts, e.invoices[i].Number)
	}
	return strings.Join(parts, ", ")
}

package reconcile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/matchers"
)

// NewEngine validates cfg and builds every index the run needs from the
// invoices (those with an open amount above zero and not cancelled are
// offered) and the customers (their IBANs and aliases; customers that
// appear only on invoices are created from the invoices' customer names).
// It fails on an invalid config, two invoices with the same id, an open
// amount above the amount due, or an invoice without a valid currency.
// The engine keeps nothing of the slices: a Builder fed the same invoices
// one by one builds the same engine without ever holding them all.
func NewEngine(cfg Config, invoices []ledger.Invoice, customers []ledger.Customer, opts ...Option) (*Engine, error) {
	b, err := NewBuilder(cfg, len(invoices))
	if err != nil {
		return nil, err
	}
	for _, c := range customers {
		if err := b.AddCustomer(c); err != nil {
			return nil, err
		}
	}
	if dup, ok := duplicateID(len(invoices), func(i int) string { return invoices[i].ID }); ok {
		return nil, fmt.Errorf("new engine: invoice %q listed twice: %w", dup, ledger.ErrInvalid)
	}
	b.idsChecked = true
	for i := range invoices {
		if err := b.AddInvoice(&invoices[i]); err != nil {
			return nil, err
		}
	}
	return b.Build(opts...)
}

// Builder builds an Engine from invoices and customers given one at a time
// — an invoice file streamed into it, so that a million ledger.Invoice
// values (a gigabyte) never live at once: the engine keeps only what it
// needs of each. A customer may be added before or after its invoices.
// The engine is that of NewEngine given the customers and the invoices in
// the order added.
type Builder struct {
	e          *Engine
	explicit   []bool // per customer: given by AddCustomer
	text       strings.Builder
	off        []uint32
	kinds      []uint8 // per invoice: kindCancelled, kindPaid, kindOffered
	amounts    []*matchers.AmountIndexBuilder
	lastCust   int32
	lastCustID string
	idsChecked bool // NewEngine checked the ids already
	err        error
}

// Kinds of invoices, for the reference index.
const (
	kindCancelled uint8 = iota
	kindPaid
	kindOffered
)

// NewBuilder validates cfg and returns an empty builder; sizeHint is the
// number of invoices expected (0 if unknown).
func NewBuilder(cfg Config, sizeHint int) (*Builder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sizeHint = max(0, min(sizeHint, 1<<24))
	e := &Engine{
		cfg:       cfg,
		tol:       matchers.Tolerance{AbsMinor: cfg.FeeToleranceMinor, Rel: cfg.FeeToleranceRel},
		inv:       make([]invoiceState, 0, sizeHint),
		holdW:     make(map[int32]float64),
		curByCode: make(map[ledger.Currency]uint8),
		custByID:  make(map[string]int32),
		accounts:  matchers.NewAccountIndex(),
		aliases:   make(map[string][]int32),
		rejected:  make(map[string]struct{}),
		book:      &book{open0: make([]int64, 0, sizeHint)},
	}
	b := &Builder{e: e, off: make([]uint32, 0, 3*sizeHint+1), kinds: make([]uint8, 0, sizeHint)}
	b.text.Grow(24 * sizeHint)
	return b, nil
}

// AddCustomer adds a customer: its IBANs, aliases and name (which takes
// precedence over the customer name its invoices give). It fails on a
// customer without id or one added twice; the builder is then unusable.
func (b *Builder) AddCustomer(c ledger.Customer) error {
	if b.err != nil {
		return b.err
	}
	if err := b.addCustomer(c); err != nil {
		b.err = err
		return err
	}
	return nil
}

func (b *Builder) addCustomer(c ledger.Customer) error {
	e := b.e
	if c.ID == "" {
		return fmt.Errorf("new engine: customer without id: %w", ledger.ErrInvalid)
	}
	c.IBANs = slices.Clone(c.IBANs)
	c.Aliases = slices.Clone(c.Aliases)
	ci, seen := e.custByID[c.ID]
	switch {
	case seen && b.explicit[ci]:
		return fmt.Errorf("new engine: customer %q listed twice: %w", c.ID, ledger.ErrInvalid)
	case seen: // known from its invoices
		if c.Name == "" {
			c.Name = e.customers[ci].c.Name
		}
		e.customers[ci].c = c
		b.explicit[ci] = true
	default:
		e.custByID[c.ID] = int32(len(e.customers))
		e.customers = append(e.customers, customer{c: c})
		b.explicit = append(b.explicit, true)
	}
	return nil
}

// AddInvoice adds an invoice (the builder keeps nothing of inv itself). It
// fails on an invoice without id or valid currency, or with an open amount
// above its amount; the builder is then unusable.
func (b *Builder) AddInvoice(inv *ledger.Invoice) error {
	if b.err != nil {
		return b.err
	}
	if err := b.addInvoice(inv); err != nil {
		b.err = err
		return err
	}
	return nil
}

func (b *Builder) addInvoice(inv *ledger.Invoice) error {
	e := b.e
	i := len(e.inv)
	if i >= 1<<28-1 {
		return fmt.Errorf("new engine: more invoices than the engine handles (2²⁸)")
	}
	if inv.ID == "" {
		return fmt.Errorf("new engine: invoice %d has no id: %w", i, ledger.ErrInvalid)
	}
	cur := inv.Open.Currency
	if cur == "" {
		cur = inv.Amount.Currency
	}
	if !cur.Valid() {
		return fmt.Errorf("new engine: invoice %q: currency %q: %w", inv.ID, cur, ledger.ErrInvalid)
	}
	if inv.Amount.Currency != "" && inv.Amount.Currency != cur {
		return fmt.Errorf("new engine: invoice %q: amount in %s, open amount in %s: %w", inv.ID, inv.Amount.Currency, cur, ledger.ErrCurrencyMismatch)
	}
	if inv.Open.Minor > inv.Amount.Minor && inv.Amount.Currency != "" {
		return fmt.Errorf("new engine: invoice %q: open amount %s above amount %s: %w", inv.ID, inv.Open, inv.Amount, ledger.ErrInvalid)
	}
	if b.text.Len()+len(inv.ID)+len(inv.Number)+len(inv.RFReference) > maxBookText {
		return fmt.Errorf("new engine: the invoices' ids, numbers and references exceed %d bytes", maxBookText)
	}
	cid, ok := b.lastCust, b.lastCustID == inv.CustomerID && i > 0
	if !ok {
		cid, ok = e.custByID[inv.CustomerID]
	}
	if !ok {
		cid = int32(len(e.customers))
		e.custByID[inv.CustomerID] = cid
		e.customers = append(e.customers, customer{c: ledger.Customer{ID: inv.CustomerID, Name: inv.CustomerName}})
		b.explicit = append(b.explicit, false)
	} else if e.customers[cid].c.Name == "" {
		e.customers[cid].c.Name = inv.CustomerName
	}
	b.lastCust, b.lastCustID = cid, e.customers[cid].c.ID
	k, ok := e.curByCode[cur]
	if !ok {
		if len(e.currencies) == 255 {
			return fmt.Errorf("new engine: more than 255 currencies: %w", ledger.ErrInvalid)
		}
		k = uint8(len(e.currencies))
		e.curByCode[cur] = k
		e.currencies = append(e.currencies, cur)
		b.amounts = append(b.amounts, &matchers.AmountIndexBuilder{})
		e.openCount = append(e.openCount, 0)
		e.residual = append(e.residual, nil)
	}
	for _, s := range [3]string{inv.ID, inv.Number, inv.RFReference} {
		b.off = append(b.off, uint32(b.text.Len()))
		b.text.WriteString(s)
	}
	e.book.open0 = append(e.book.open0, inv.Open.Minor)
	st := invoiceState{cust: cid, curID: k, issue: dayNumber(inv.IssueDate), due: dayNumber(inv.DueDate)}
	kind := kindOffered
	switch {
	case inv.Status == ledger.InvoiceCancelled:
		kind = kindCancelled
	case inv.Status == ledger.InvoicePaid || inv.Open.Minor <= 0:
		kind = kindPaid
	}
	b.kinds = append(b.kinds, kind)
	if kind != kindOffered {
		e.inv = append(e.inv, st)
		return nil
	}
	st.open = inv.Open.Minor
	e.inv = append(e.inv, st)
	e.openCount[k]++
	b.amounts[k].Add(int32(i), inv.Open.Minor)
	e.customers[cid].invoices = append(e.customers[cid].invoices, int32(i))
	return nil
}

// Build checks that no two invoices share an id and builds the indexes:
// the reference index on a goroutine of its own (the costliest), the
// amounts, customers and names beside it. The builder is unusable
// afterwards.
func (b *Builder) Build(opts ...Option) (*Engine, error) {
	if b.err != nil {
		return nil, b.err
	}
	e := b.e
	b.off = append(b.off, uint32(b.text.Len()))
	e.book.text, e.book.off = b.text.String(), b.off
	n := len(e.inv)
	if !b.idsChecked {
		if dup, ok := duplicateID(n, func(i int) string { return e.book.id(int32(i)) }); ok {
			b.err = fmt.Errorf("new engine: invoice %q listed twice: %w", dup, ledger.ErrInvalid)
			return nil, b.err
		}
	}
	refsDone := make(chan refsBuilt, 1)
	go func() { refsDone <- buildReferences(e.book, b.kinds) }()
	for _, ab := range b.amounts {
		e.amounts = append(e.amounts, ab.Build())
	}
	names := matchers.NewNameIndexBuilder()
	for ci := range e.customers {
		c := &e.customers[ci]
		slices.SortStableFunc(c.invoices, func(a, b int32) int {
			if d := e.inv[a].due - e.inv[b].due; d != 0 {
				return int(d)
			}
			return int(a - b)
		})
		c.openN = len(c.invoices)
		if len(c.invoices) > e.cfg.MaxCustomerInvoices {
			c.byAmount = slices.Clone(c.invoices)
			slices.SortStableFunc(c.byAmount, func(a, b int32) int {
				return cmpInt64(e.book.open0[a], e.book.open0[b])
			})
			c.amounts = make([]int64, len(c.byAmount))
			for k, i := range c.byAmount {
				c.amounts[k] = e.book.open0[i]
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
	rb := <-refsDone
	if rb.err != nil {
		return nil, fmt.Errorf("new engine: %w", rb.err)
	}
	e.refs = rb.index
	b.e, b.err = nil, fmt.Errorf("new engine: builder already built")
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, fmt.Errorf("new engine: %w", err)
		}
	}
	return e, nil
}

// refsBuilt is the outcome of buildReferences.
type refsBuilt struct {
	index *matchers.ReferenceIndex
	err   error
}

// buildReferences builds the reference index of the invoices: the numbers
// and creditor references of those offered, for exact and fuzzy lookups;
// of paid ones, for exact lookups only — a remittance that names one is
// recognised as naming an invoice already paid; cancelled ones are left
// out. The index reads numbers back from the book instead of keeping
// copies.
func buildReferences(bk *book, kinds []uint8) refsBuilt {
	refs := matchers.NewReferenceIndexBuilderFunc(len(kinds), func(ref int32) (string, string) {
		return bk.number(ref), bk.rf(ref)
	})
	for i, kind := range kinds {
		ref := int32(i)
		var err error
		switch kind {
		case kindCancelled:
			continue
		case kindOffered:
			err = refs.Add(ref, bk.number(ref), bk.rf(ref))
		default:
			err = refs.AddExactOnly(ref, bk.number(ref), bk.rf(ref))
		}
		if err != nil {
			return refsBuilt{err: err}
		}
	}
	return refsBuilt{index: refs.Build()}
}

// duplicateID returns an id two of the n invoices share, if any: through
// sorted 64-bit hashes of the ids (no map of millions of strings),
// comparing the strings only when hashes collide.
func duplicateID(n int, id func(i int) string) (string, bool) {
	if n > 1<<32-1 {
		n = 1<<32 - 1
	}
	keys := make([]uint64, n)
	for i := 0; i < n; i++ {
		h := fnvString(id(i))
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
		a := id(int(uint32(keys[k])))
		for r := run; r < k; r++ {
			if id(int(uint32(keys[r]))) == a {
				return a, true
			}
		}
	}
	return "", false
}

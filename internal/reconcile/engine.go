package reconcile

import (
	"errors"
	"slices"
	"strings"

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

	book *book            // the invoices' ids, numbers, references, opening open amounts
	byID map[string]int32 // built on first use (Learn): see invoiceIndex

	// inv is what a match reads of each invoice, indexed like invoices.
	inv []invoiceState
	// holdW is the weight (bits) of the review proposal holding each
	// pending invoice: a later proposal clearly stronger takes precedence.
	holdW map[int32]float64

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

// invoiceState is what a match reads of one invoice, in one 24-byte slot:
// a match reads a few fields of dozens of invoices in no order a cache can
// foresee (candidates of a mistyped number, of an amount, of a customer),
// and on a book larger than the processor's last-level cache each read of
// a separate array would be a cache miss of its own.
type invoiceState struct {
	open    int64 // residual still due in this run; 0 = not offered
	cust    int32 // customer index
	issue   int32 // day numbers (days since 1970-01-01), 0 = unknown
	due     int32
	curID   uint8
	pending bool // held by a review proposal of this run
}

// touch reads the slots of invoices in a loop that does nothing else and
// returns what it read (for the caller to keep, so that the reads are
// made): a scan about to check each of a customer's invoices finds them
// loaded, the cache misses having overlapped, instead of waiting for them
// one by one.
func (e *Engine) touch(invoices []int32) (sum int64) {
	for _, i := range invoices {
		sum += e.inv[i].open
	}
	return sum
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

// custKey returns the normalised key of customer ci's legal name.
func (e *Engine) custKey(ci int32) string {
	c := &e.customers[ci]
	if c.key == "" {
		c.key = matchers.NormalizeName(c.c.Name).Key()
	}
	return c.key
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
		e.byID = make(map[string]int32, e.book.len())
		for i := range int32(e.book.len()) {
			e.byID[e.book.id(i)] = i
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
	s := Stats{Invoices: e.book.len(), Customers: len(e.customers), IBANs: e.accounts.Len()}
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
		e.inv[ch.inv].pending = ch.pending
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
	old := e.inv[i].open
	if old == v {
		return
	}
	k := e.inv[i].curID
	if e.residual[k] == nil {
		e.residual[k] = make(map[int64][]int32)
	}
	if old > 0 && old != e.book.open0[i] {
		lst := e.residual[k][old]
		if j := slices.Index(lst, i); j >= 0 {
			e.residual[k][old] = slices.Delete(lst, j, j+1)
		}
	}
	e.inv[i].open = v
	if v > 0 && v != e.book.open0[i] {
		e.residual[k][v] = append(e.residual[k][v], i)
	}
	c := &e.customers[e.inv[i].cust]
	switch {
	case old > 0 && v <= 0:
		c.openN--
	case old <= 0 && v > 0:
		c.openN++
	}
	if c.byAmount != nil && v > 0 && v != e.book.open0[i] {
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
	e.journal = append(e.journal, change{inv: i, open: e.inv[i].open, pending: e.inv[i].pending, holdW: e.holdW[i]})
	e.setOpen(i, open)
	e.inv[i].pending = pending
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
		parts = append(parts, e.book.number(i))
	}
	return strings.Join(parts, ", ")
}

package reconcile

// book is what the engine keeps of the invoices it was given, after
// NewEngine: each one's id, printed number and creditor reference in one
// string, and its opening open amount. A million invoices as
// ledger.Invoice values are a gigabyte of strings and pointers that the
// garbage collector reads on every cycle of the run; this is a fifth of
// it, without pointers (the strings the engine hands out are substrings of
// the one, which never changes).
type book struct {
	text string
	// off holds, for invoice i, the start of its id (off[3i]), number
	// (off[3i+1]) and creditor reference (off[3i+2]) in text; the next
	// invoice's id start (or the last entry) ends its reference.
	off   []uint32
	open0 []int64 // the open amount each invoice came with (minor units)
}

// maxBookText bounds the bytes of ids, numbers and references (offsets
// are 32-bit).
const maxBookText = 1<<32 - 1

// len returns the number of invoices.
func (b *book) len() int { return len(b.open0) }

// field returns field f (0 id, 1 number, 2 reference) of invoice i.
func (b *book) field(i int32, f int) string {
	k := 3*int(i) + f
	return b.text[b.off[k]:b.off[k+1]]
}

// id returns invoice i's id.
func (b *book) id(i int32) string { return b.field(i, 0) }

// number returns invoice i's printed number.
func (b *book) number(i int32) string { return b.field(i, 1) }

// rf returns invoice i's creditor reference ("" if none).
func (b *book) rf(i int32) string { return b.field(i, 2) }

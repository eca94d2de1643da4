package matchers

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/agnivade/levenshtein"
)

// maxRef is the largest invoice handle an index accepts (28 bits: the
// class of a key takes the other 4 of 32).
const maxRef = 1<<28 - 1

// ReferenceIndexBuilder collects invoice numbers and creditor references.
// Add each open invoice once, then call Build.
type ReferenceIndexBuilder struct {
	numbers    []string
	rfs        map[int32]string
	lookup     func(int32) (string, string)
	present    []bool
	hashes     []uint64
	vals       []uint32
	dels       []uint64
	sigs       map[uint64]struct{}
	prefixLens map[string]uint64
	maxLen     int
	minLen     int
	lens       uint64 // bit n: some key has n characters (bit 63: 63 or more)
	forms      []keyForm
	buf        []byte
	lastSig    uint64
	lastPrefix string
	keys       canonKeys
}

// NewReferenceIndexBuilder returns a builder sized for about n invoices.
// The index keeps its own copy of each number's string header.
func NewReferenceIndexBuilder(n int) *ReferenceIndexBuilder {
	b := newReferenceIndexBuilder(n)
	b.numbers = make([]string, 0, n)
	return b
}

// NewReferenceIndexBuilderFunc returns a builder sized for about n
// invoices whose index reads numbers and creditor references back through
// lookup instead of keeping them (the caller holds them anyway: this saves
// memory on millions of invoices). lookup must return what Add was given.
func NewReferenceIndexBuilderFunc(n int, lookup func(ref int32) (number, rf string)) *ReferenceIndexBuilder {
	b := newReferenceIndexBuilder(n)
	b.lookup = lookup
	return b
}

func newReferenceIndexBuilder(n int) *ReferenceIndexBuilder {
	return &ReferenceIndexBuilder{
		rfs:        make(map[int32]string),
		present:    make([]bool, 0, n),
		hashes:     make([]uint64, 0, 3*n),
		vals:       make([]uint32, 0, 3*n),
		dels:       make([]uint64, 0, 9*n),
		sigs:       make(map[uint64]struct{}),
		prefixLens: make(map[string]uint64),
		keys: canonKeys{
			blob:  make([]byte, 0, 8*n),
			slots: make([]keySlot, 0, n),
		},
	}
}

// Add indexes the invoice with handle ref (0 ≤ ref < 2²⁸; handles need not
// be dense), its printed number and its creditor reference ("" if none).
func (b *ReferenceIndexBuilder) Add(ref int32, number, rf string) error {
	return b.add(ref, number, rf, true)
}

// AddExactOnly indexes an invoice for exact lookups of its number and
// creditor reference only — not for fuzzy search: for invoices already
// paid, whose mention a caller wants to recognise but never proposes.
func (b *ReferenceIndexBuilder) AddExactOnly(ref int32, number, rf string) error {
	return b.add(ref, number, rf, false)
}

func (b *ReferenceIndexBuilder) add(ref int32, number, rf string, fuzzy bool) error {
	if ref < 0 || ref > maxRef {
		return fmt.Errorf("reference index: invoice handle %d out of range", ref)
	}
	for int(ref) >= len(b.present) {
		b.present = append(b.present, false)
		if b.lookup == nil {
			b.numbers = append(b.numbers, "")
		}
	}
	if b.present[ref] {
		return fmt.Errorf("reference index: invoice handle %d added twice", ref)
	}
	b.present[ref] = true
	if fuzzy {
		b.keys.add(ref, number, rf)
	}
	if b.lookup == nil {
		b.numbers[ref] = number
		if rf != "" {
			b.rfs[ref] = rf
		}
	}
	b.forms, b.buf = numberForms(number, rf, b.forms[:0], b.buf)
	for _, f := range b.forms {
		b.hashes = append(b.hashes, fnv64(f.key))
		b.vals = append(b.vals, uint32(ref)<<3|uint32(f.class))
		if sig := signature(f.key); sig != b.lastSig {
			b.sigs[sig] = struct{}{}
			b.lastSig = sig
		}
		if len(f.key) > b.maxLen {
			b.maxLen = len(f.key)
		}
		if b.minLen == 0 || len(f.key) < b.minLen {
			b.minLen = len(f.key)
		}
		if len(f.key) < 64 {
			b.lens |= 1 << uint(len(f.key))
		} else {
			b.lens |= 1 << 63
		}
		if !fuzzy || (f.class != classFull && f.class != classRF) {
			continue
		}
		if f.class == classFull && len(f.key) < 64 {
			p := letterPrefix(f.key)
			if string(p) != b.lastPrefix { // no allocation for a prefix seen just before
				b.lastPrefix = string(p)
			}
			b.prefixLens[b.lastPrefix] |= 1 << uint(len(f.key))
		}
		if len(f.key) < 5 {
			continue
		}
		pre := len(letterPrefix(f.key))
		if f.class == classRF {
			pre = 0
		}
		for k := range f.key {
			if k > 0 && f.key[k] == f.key[k-1] {
				continue // deleting either of two equal neighbours gives the same string
			}
			if k < pre {
				continue // the letter prefix is copied, not typed: fuzzy search keeps it (see fuzzy)
			}
			b.dels = append(b.dels, fnv64Skip(f.key, k)&0xFFFFFFFF00000000|uint64(uint32(ref)))
		}
	}
	return nil
}

// Build sorts the keys and returns the index. The builder must not be used
// afterwards.
func (b *ReferenceIndexBuilder) Build() *ReferenceIndex {
	sortByHigh32(b.hashes, b.vals)
	sortHigh32InPlace(b.dels)
	b.dels = slices.Clip(b.dels)
	x := &ReferenceIndex{
		numbers:    b.numbers,
		rfs:        b.rfs,
		lookup:     b.lookup,
		count:      len(b.present),
		hashes:     b.hashes,
		vals:       b.vals,
		bucket:     bucketIndex(b.hashes),
		dels:       b.dels,
		dbucket:    bucketIndex(b.dels),
		sigs:       b.sigs,
		prefixLens: b.prefixLens,
		maxLen:     b.maxLen,
		minLen:     b.minLen,
		lens:       b.lens,
		keys:       b.keys.build(len(b.present)),
	}
	*b = ReferenceIndexBuilder{}
	return x
}

// ReferenceIndex finds the invoices a payment's texts name: exactly (after
// normalisation, see the keys in refkeys.go), by ISO 11649 reference, or
// one or two edits away. It learns the shape of the creditor's numbers from
// the invoices it holds: only text windows shaped like one of its keys are
// looked up, and only windows close to a known prefix and length are
// searched fuzzily. It is safe for concurrent use.
type ReferenceIndex struct {
	numbers    []string
	rfs        map[int32]string
	lookup     func(int32) (string, string)
	count      int
	hashes     []uint64
	vals       []uint32
	bucket     []uint32
	dels       []uint64
	dbucket    []uint32
	sigs       map[uint64]struct{}
	prefixLens map[string]uint64
	maxLen     int
	minLen     int
	lens       uint64
	keys       canonKeys
}

// Len returns the number of keys and of deletion variants indexed (for
// sizing and benchmarks).
func (x *ReferenceIndex) Len() (keys, deletions int) { return len(x.hashes), len(x.dels) }

// Number returns the printed number of invoice ref.
func (x *ReferenceIndex) Number(ref int32) string {
	if ref < 0 || int(ref) >= x.count {
		return ""
	}
	return x.number(ref)
}

func (x *ReferenceIndex) number(ref int32) string {
	if x.lookup != nil {
		n, _ := x.lookup(ref)
		return n
	}
	return x.numbers[ref]
}

// numberRF returns the printed number and creditor reference of ref.
func (x *ReferenceIndex) numberRF(ref int32) (string, string) {
	if x.lookup != nil {
		return x.lookup(ref)
	}
	return x.numbers[ref], x.rfs[ref]
}

func (x *ReferenceIndex) rf(ref int32) string {
	if x.lookup != nil {
		_, rf := x.lookup(ref)
		return rf
	}
	return x.rfs[ref]
}

// RefHit is one invoice a payment names.
type RefHit struct {
	Ref  int32
	Kind Kind // KindReference, KindFuzzyReference or KindCreditorReference
	// Weight is the evidence in bits (see weights.go and Find).
	Weight float64
	// Strong: the hit identifies the invoice on its own.
	Strong bool
	// Distance is 0 for an exact hit, else the edit distance (an adjacent
	// transposition counts 1, with Swap set).
	Distance int
	Swap     bool
	// Written is the payment's text that matched, as written.
	Written string
	// Partial: the payer left out the number's letter prefix.
	Partial bool
	// Lookalike: the text also reads as a date, SIREN/SIRET or postcode.
	Lookalike bool
	// Structured: the text is a structured creditor reference.
	Structured bool
	// Candidates is the number of invoices the same text matched equally
	// well (the weight already pays log₂ of it).
	Candidates int
	// Contained: the text is a longer number containing the invoice number
	// (a digit added at an end, or a lure: another document's number).
	Contained bool
	// Abbreviated: the text is the last digits of the number, in a list
	// after another invoice number of the same series ("FA-1012, 13").
	Abbreviated bool
	// Unavailable: the invoice is one Accept refused (paid, held,
	// rejected); reported only with FindOptions.ReportUnavailable.
	Unavailable bool
	// Regrouped: the payer split the number where the printed number is
	// not split ("2409/6226" for 24096226).
	Regrouped bool

	class       keyClass
	first, last int // token span in the payment's texts
}

// FindOptions tunes Find.
type FindOptions struct {
	// Accept filters invoices (still open, same currency, not rejected for
	// this payment…). Nil accepts all. It must give the same answer for
	// an invoice throughout a Find call (Find may ask once and remember).
	Accept func(ref int32) bool
	// MaxDistance is the largest edit distance of fuzzy hits: 0 turns fuzzy
	// search off, 1 or 2 turn it on.
	MaxDistance int
	// FuzzyEverywhere also searches, fuzzily, text that matched an
	// invoice exactly: a mistyped number can be another invoice's number.
	FuzzyEverywhere bool
	// FuzzyOnly, with FuzzyEverywhere, skips the exact lookups: Find
	// returns only fuzzy hits, each the best of its invoice's fuzzy hits —
	// for a caller that already has the exact hits from an earlier Find
	// with the same Accept (the fuzzy search everywhere does not depend on
	// them). Without FuzzyEverywhere it is ignored.
	FuzzyOnly bool
	// ReportUnavailable also returns exact hits on invoices Accept
	// refused, flagged Unavailable: the payer named an invoice that is
	// already paid or held.
	ReportUnavailable bool
	// MaxFuzzyCandidates, when above zero, bounds the fuzzy hits one text
	// window returns: when more invoices than that lie at the best
	// distance (dense sequential numbering: the more invoices, the more
	// neighbours), only those Plausible accepts are returned, still
	// weighed against all of them. The work per payment then stays
	// bounded whatever the size of the book.
	MaxFuzzyCandidates int
	// Plausible says whether a fuzzy candidate is worth returning when
	// there are too many (e.g. its amount fits the payment). Nil keeps
	// none of them.
	Plausible func(ref int32) bool
}

// finder holds one Find call's scratch space.
type finder struct {
	x   *ReferenceIndex
	a   *textAnalysis
	opt FindOptions
	// recording: exact lookups are recorded in the analysis, not taken
	// (PrepareExact).
	recording bool
	hits      []RefHit
	forms     []keyForm
	fbuf      []byte
	sbuf      []byte
	rbuf      []byte // a fuzzy candidate's creditor reference key
	seen      []int32
	saved     []RefHit  // FindThenFuzzy: the exact hits, before finish sorts them
	acc       []uint8   // by seen index: accUnknown, accAccepted, accRefused
	slots     []keySlot // by seen index: the candidate's keys (canonKeys.gather)
	hs        []uint64  // a fuzzy window's deletion hashes
	sink      uint64    // what probe read, kept so that the reads are made
	window    []RefHit
	// explained are token spans that match an invoice not accepted.
	explained [][2]int
	unavail   []RefHit
	kbuf      []byte
	// Backing arrays for the buffers above: one allocation per Find.
	formsArr [8]keyForm
	fbufArr  [256]byte
	sbufArr  [64]byte
	kbufArr  [64]byte
	seenArr  [64]int32
}

// minExactBits is the least weight an exact hit must have to be reported.
const minExactBits = 3.0

// maxFuzzyWindows bounds the text windows searched fuzzily per payment.
const maxFuzzyWindows = 24

// Find returns the invoices p's texts name, one hit per invoice (the best),
// ordered by invoice handle. Exact hits come from whole text windows: a
// number inside a longer number is not a hit, and a window of several
// tokens that overlaps a longer hit is dropped. Fuzzy hits are searched in
// windows that no exact hit explains (or everywhere, see FuzzyEverywhere)
// and never for a text that contains the invoice number inside a longer
// one.
func (x *ReferenceIndex) Find(p *Payment, opt FindOptions, dst []RefHit) []RefHit {
	// The finder and its buffers are reused across calls (a pool keeps
	// Find safe for concurrent use): fewer allocations per payment.
	f := x.newFinder(p, opt)
	defer f.release()
	if !opt.FuzzyOnly || !opt.FuzzyEverywhere || opt.MaxDistance <= 0 {
		f.exactPhase()
	}
	if opt.MaxDistance > 0 {
		f.fuzzy()
	}
	return f.finish(dst)
}

// FindThenFuzzy returns what Find(p, opt) returns with opt.MaxDistance
// set to 0 (exact hits only) when exactSuffices, given those hits, says
// so, and else what Find(p, opt) returns — looking the texts up exactly
// once for both. exactSuffices must not keep its argument.
func (x *ReferenceIndex) FindThenFuzzy(p *Payment, opt FindOptions, exactSuffices func(exact []RefHit) bool, dst []RefHit) []RefHit {
	f := x.newFinder(p, opt)
	defer f.release()
	f.exactPhase()
	base := len(dst)
	if opt.MaxDistance <= 0 {
		return f.finish(dst)
	}
	f.saved = append(f.saved[:0], f.hits...) // finish sorts f.hits in place
	dst = f.finish(dst)
	if exactSuffices(dst[base:]) {
		return dst
	}
	f.hits = append(f.hits[:0], f.saved...)
	f.fuzzy()
	return f.finish(dst[:base])
}

// newFinder takes a finder from the pool, set up for one search.
func (x *ReferenceIndex) newFinder(p *Payment, opt FindOptions) *finder {
	f := finderPool.Get().(*finder)
	f.x, f.a, f.opt = x, p.analyse(), opt
	f.forms, f.fbuf, f.sbuf, f.kbuf = f.formsArr[:0], f.fbufArr[:0], f.sbufArr[:0], f.kbufArr[:0]
	if f.seen == nil {
		f.seen = f.seenArr[:0]
	}
	f.hits, f.window, f.explained, f.unavail, f.seen = f.hits[:0], f.window[:0], f.explained[:0], f.unavail[:0], f.seen[:0]
	return f
}

// PrepareExact makes now, for p, the lookups of its text windows that
// every Find and FindThenFuzzy in x begins with — each window's key looked
// up and the invoices whose keys it matches verified — so that a search
// made later, on another goroutine, only asks Accept about them: a caller
// may prepare payments on one goroutine and search them on another. The
// search's outcome is the same. p must not change afterwards (until
// Reset).
func (x *ReferenceIndex) PrepareExact(p *Payment) {
	a := p.analyse()
	a.refWindows()
	a.exact = a.exact.emptied()
	f := x.newFinder(p, FindOptions{})
	f.recording = true
	f.exact()
	f.release()
	a.exact.index = x
}

// exactRecord is the exact lookups of a payment's windows in one index
// (PrepareExact), in the order the search makes them; a lookup that
// verified no invoice is left out (it adds nothing).
type exactRecord struct {
	index *ReferenceIndex // nil: nothing recorded
	calls []exactCall
	cands []exactCand
	keys  []byte
}

// exactCall is one recorded lookup: window i..j, its key
// (keys[keyOff:keyOff+keyLen]) and its invoices (cands[from:to]).
type exactCall struct {
	i, j, keyOff, keyLen, from, to int32
}

// exactCand is an invoice whose key a window's matched.
type exactCand struct {
	ref       int32
	class     keyClass
	regrouped bool
}

func (r *exactRecord) begin(key []byte, i, j int) {
	r.calls = append(r.calls, exactCall{i: int32(i), j: int32(j), keyOff: int32(len(r.keys)), keyLen: int32(len(key)), from: int32(len(r.cands))})
	r.keys = append(r.keys, key...)
}

func (r *exactRecord) add(ref int32, class keyClass, regrouped bool) {
	r.cands = append(r.cands, exactCand{ref, class, regrouped})
}

func (r *exactRecord) end() { r.calls[len(r.calls)-1].to = int32(len(r.cands)) }

// emptied returns r with nothing recorded, its space kept.
func (r exactRecord) emptied() exactRecord {
	return exactRecord{calls: r.calls[:0], cands: r.cands[:0], keys: r.keys[:0]}
}

// outsized reports whether an unusual payment made r large: its space is
// not kept for the next one.
func (r exactRecord) outsized() bool {
	return cap(r.calls) > 1024 || cap(r.cands) > 4096 || cap(r.keys) > 1<<14
}

// exactPhase finds the exact hits (and those a number list abbreviates).
func (f *finder) exactPhase() {
	f.exact()
	f.resolveOverlaps()
	f.abbreviations()
}

// finish appends the hits found to dst, one per invoice, and the
// unavailable ones when asked.
func (f *finder) finish(dst []RefHit) []RefHit {
	dst = append(dst, f.result()...)
	if f.opt.ReportUnavailable {
		for _, h := range f.unavail {
			if !slices.ContainsFunc(dst, func(o RefHit) bool { return o.Ref == h.Ref }) {
				dst = append(dst, h)
			}
		}
	}
	return dst
}

var finderPool = sync.Pool{New: func() any { return new(finder) }}

// release returns the finder to the pool, dropping what it points to
// outside its own buffers.
func (f *finder) release() {
	f.x, f.a, f.opt, f.recording = nil, nil, FindOptions{}, false
	clear(f.saved) // the strings are the caller's
	f.saved = f.saved[:0]
	if cap(f.hits) > 1024 || cap(f.seen) > 4096 || cap(f.acc) > 4096 || cap(f.saved) > 1024 {
		f.hits, f.seen, f.acc, f.saved = nil, nil, nil, nil // an outsized payment: do not keep its buffers
	}
	finderPool.Put(f)
}

func (f *finder) accept(ref int32) bool { return f.opt.Accept == nil || f.opt.Accept(ref) }

// hard reports whether token i may not take part in a window.
func (f *finder) hard(i int) bool { return f.a.tokens[i].flags&flagHard != 0 }

// windows calls fn for each window of tokens i..j (glued over soft
// separators, no hard token, at most maxWindowTokens tokens and the
// index's longest key) with its canonical characters and glue mask.
func (f *finder) windows(fn func(i, j int, c []byte, joins uint64)) {
	a := f.a
	for i := range a.tokens {
		if f.hard(i) {
			continue
		}
		var joins uint64
		for j := i; j < len(a.tokens) && j < i+maxWindowTokens; j++ {
			if j > i {
				if !a.sameSource(i, j) || !a.tokens[j].soft || f.hard(j) {
					break
				}
				if pos := a.tokens[j].off - a.tokens[i].off; pos < 64 {
					joins |= 1 << uint(pos)
				}
			}
			c := a.canon(i, j)
			if len(c) > f.x.maxLen {
				break
			}
			fn(i, j, c, joins)
		}
	}
}

// exact looks every window up, as written and without leading zeros, and
// the bodies of valid creditor references.
func (f *finder) exact() {
	a := f.a
	if a.exact.index == f.x && !f.recording {
		for _, c := range a.exact.calls {
			f.replayExact(c)
		}
		return
	}
	f.windows(func(i, j int, c []byte, joins uint64) {
		// Leading zeros can only shorten a window: one longer than every
		// key, or shorter than every key without a zero to drop, is no key.
		if len(c) < f.x.minLen && bytes.IndexByte(c, '0') < 0 {
			return
		}
		m := joins | transitions(c)
		if len(c) < 64 && f.x.lens&(1<<uint(len(c))) != 0 {
			f.tryExact(c, m, i, j)
		}
		if bytes.IndexByte(c, '0') < 0 {
			return
		}
		s, sm := stripZeros(c, m, f.sbuf[:0])
		f.sbuf = s
		if !bytes.Equal(s, c) && len(s) < 64 && f.x.lens&(1<<uint(len(s))) != 0 {
			f.tryExact(s, sm|transitions(s), i, j)
		}
	})
	for i := range a.tokens {
		t := &a.tokens[i]
		if t.flags&flagRF == 0 {
			continue
		}
		j := i + int(t.rfLen) - 1
		c := a.canon(i, j)
		f.tryExact(c, 0, i, j)
		if len(c) > 4 {
			f.tryExact(c[4:], 0, i, j)
		}
	}
}

// tryExact looks key up and records the invoices whose key of the same
// class equals it and whose boundaries include the window's (when the
// finder is recording, only the invoices, for a later search to replay).
func (f *finder) tryExact(key []byte, mask uint64, i, j int) {
	if _, ok := f.x.sigs[signature(key)]; !ok {
		return
	}
	h := fnv64(key)
	lo, hi := rangeOf(f.x.hashes, f.x.bucket, h)
	start := len(f.window)
	recording := false
	for k := lo; k < hi; k++ {
		if f.x.hashes[k] != h {
			continue
		}
		ref, class := int32(f.x.vals[k]>>3), keyClass(f.x.vals[k]&7)
		ok, regrouped := f.verify(ref, class, key, mask)
		if !ok {
			continue
		}
		if f.recording {
			if !recording {
				f.a.exact.begin(key, i, j)
				recording = true
			}
			f.a.exact.add(ref, class, regrouped)
			continue
		}
		f.exactCandidate(ref, class, regrouped, key, i, j)
	}
	if f.recording {
		if recording {
			f.a.exact.end()
		}
		return
	}
	f.exactWindow(start, key)
}

// replayExact does what tryExact did for a recorded lookup: its invoices
// offered to Accept, the window's hits weighed.
func (f *finder) replayExact(c exactCall) {
	r := &f.a.exact
	key := r.keys[c.keyOff : c.keyOff+c.keyLen]
	start := len(f.window)
	for _, e := range r.cands[c.from:c.to] {
		f.exactCandidate(e.ref, e.class, e.regrouped, key, int(c.i), int(c.j))
	}
	f.exactWindow(start, key)
}

// exactCandidate takes invoice ref, whose key equals window i..j's: a hit
// of the window when Accept takes it, else an explained (and perhaps
// reported) mention of an invoice not offered.
func (f *finder) exactCandidate(ref int32, class keyClass, regrouped bool, key []byte, i, j int) {
	if !f.accept(ref) {
		// The payer named an invoice the caller does not offer (paid,
		// held, rejected): the words are explained, not to be fuzzed.
		f.explained = append(f.explained, [2]int{i, j})
		if f.opt.ReportUnavailable {
			h := RefHit{Ref: ref, class: class, first: i, last: j, Candidates: 1, Unavailable: true}
			f.weigh(&h, key)
			if h.Weight >= minExactBits && !slices.ContainsFunc(f.unavail, func(o RefHit) bool { return o.Ref == ref }) {
				f.unavail = append(f.unavail, h)
			}
		}
		return
	}
	f.window = append(f.window, RefHit{Ref: ref, class: class, first: i, last: j, Regrouped: regrouped})
}

// exactWindow weighs the hits one window added since start and keeps
// those that weigh enough.
func (f *finder) exactWindow(start int, key []byte) {
	added := f.window[start:]
	if len(added) == 0 {
		return
	}
	// Distinct invoices this window matched: each gets log₂ of their count
	// taken off.
	distinct := 0
	for k := range added {
		dup := false
		for l := 0; l < k; l++ {
			if added[l].Ref == added[k].Ref {
				dup = true
			}
		}
		if !dup {
			distinct++
		}
	}
	for k := range added {
		h := &added[k]
		h.Candidates = distinct
		f.weigh(h, key)
		if h.Weight < minExactBits {
			continue // a few digits matching a fragment of a number: noise
		}
		f.hits = append(f.hits, *h)
	}
	f.window = f.window[:start]
}

// verify recomputes invoice ref's key of the given class and checks that it
// equals key and that the window's glue points are boundaries of it.
//
// A glue point the number does not have is tolerated when the groups on
// both sides have at least three characters ("2409/6226" for 24096226:
// payers regroup long numbers) — regrouped is then true and the hit
// weighs less — but not for short groups ("01 23 45" is not 012345).
func (f *finder) verify(ref int32, class keyClass, key []byte, mask uint64) (ok, regrouped bool) {
	if class == classFull { // the common case: the number as printed
		var m uint64
		f.fbuf, m = numberTokens(f.x.number(ref), f.fbuf[:0])
		f.forms = append(f.forms[:0], keyForm{classFull, f.fbuf, m})
	} else {
		f.forms, f.fbuf = numberForms(f.x.number(ref), f.x.rf(ref), f.forms[:0], f.fbuf)
	}
	for _, k := range f.forms {
		if k.class != class || !bytes.Equal(k.key, key) {
			continue
		}
		if k.mask == anyMask || len(key) > 64 {
			return true, false
		}
		// Transitions are shared by equal keys; only glue points matter.
		bad := mask &^ (k.mask | transitions(key))
		if bad == 0 {
			return true, false
		}
		joins := mask &^ transitions(key)
		for p := 1; p < len(key); p++ {
			if bad&(1<<uint(p)) == 0 {
				continue
			}
			prev, next := 0, len(key)
			for q := p - 1; q > 0; q-- {
				if joins&(1<<uint(q)) != 0 {
					prev = q
					break
				}
			}
			for q := p + 1; q < len(key); q++ {
				if joins&(1<<uint(q)) != 0 {
					next = q
					break
				}
			}
			if p-prev < 3 || next-p < 3 {
				return false, false
			}
		}
		return true, true
	}
	return false, false
}

// digitsBits is the weight of an exact digits-only key of n digits.
func digitsBits(n int) float64 {
	switch {
	case n >= 8:
		return 18
	case n == 7:
		return 16
	case n == 6:
		return 14
	case n == 5:
		return 11
	case n == 4:
		return 8
	}
	return 4
}

// lettersBits is the weight of an exact key with letters, by length.
func lettersBits(key []byte) float64 {
	digits := 0
	for _, c := range key {
		if isDigit(c) {
			digits++
		}
	}
	switch {
	case digits == 0:
		return 8 // a word: invoice numbers of letters only are rare and words are common
	case len(key) >= 6:
		return bitsRefWithLetters
	case len(key) == 5:
		return 16
	case len(key) == 4:
		return 12
	}
	return 6
}

// weigh sets the weight, kind and flags of an exact hit.
func (f *finder) weigh(h *RefHit, key []byte) {
	a := f.a
	h.Kind = KindReference
	h.Written = a.written(h.first, h.last)
	lookalike, keyword := false, a.tokens[h.first].flags&flagKeyword != 0
	printed := h.class == classFull || h.class == classStripped
	for k := h.first; k <= h.last; k++ {
		if a.tokens[k].flags&flagLookalike != 0 {
			// An eight-digit date right after an invoice keyword, equal to
			// a number of the book as printed ("FACT 20240603" for
			// 2024-0603): the creditor's numbers have that shape, and the
			// keyword says which reading the payer meant.
			if !(keyword && printed && h.first == h.last && dateToken8(a.canon(k, k))) {
				lookalike = true
			}
		}
		// A Luhn-valid number may be a SIREN — unless it is the whole
		// invoice number: then the creditor's numbers have that shape,
		// and one in ten of them passes Luhn's check by chance.
		if a.tokens[k].flags&flagLuhn != 0 && h.class != classFull && h.class != classStripped {
			lookalike = true
		}
	}
	h.Structured = a.isStructured(&a.tokens[h.first])
	letters := len(letterPrefix(key)) > 0 || bytes.ContainsFunc(key, func(r rune) bool { return r >= 'A' && r <= 'Z' })
	if !letters && h.last > h.first {
		// Glued digits may read as a date or a company number as a whole.
		c := a.canon(h.first, h.last)
		if (len(c) == 8 && validDate8(c)) || ((len(c) == 9 || len(c) == 14) && luhn(c) && h.class != classFull && h.class != classStripped) {
			lookalike = true
		}
	}
	if h.first == h.last && h.Kind == KindReference && isYear(a.canon(h.first, h.first)) {
		// A lone four-digit year is, in most remittances, a date ("JUIN
		// 2025", "LOT 2025/…"). Read as a number rewritten (zeros or a
		// separator dropped: "2025" for 00020/25) it is noise; as printed
		// it is weak unless an invoice keyword precedes it.
		if h.class != classFull {
			h.Weight = 0
			return
		}
		if !keyword {
			lookalike = true
		}
	}
	var w float64
	switch h.class {
	case classRF:
		h.Kind = KindCreditorReference
		w = bitsRF
	case classRFBody:
		h.Kind = KindCreditorReference
		if letters {
			w = math.Min(lettersBits(key), bitsRFBody)
		} else {
			w = math.Min(digitsBits(len(key))+2, bitsRFBody)
		}
	case classFull, classStripped:
		if letters {
			w = lettersBits(key)
		} else {
			w = digitsBits(len(key))
		}
	case classDigits:
		h.Partial = true
		w = digitsBits(len(key)) - bitsPartialPenalty
	case classDigitsStripped:
		h.Partial = true
		w = digitsBits(len(key)) - bitsPartialPenalty - bitsStrippedExtra
	}
	if !letters && keyword && h.Kind == KindReference {
		w = math.Min(w+bitsKeywordBonus, 16)
	}
	if h.Regrouped {
		w -= bitsRegrouped
	}
	if lookalike && h.Kind == KindReference {
		h.Lookalike = true
		w = math.Min(w, bitsLookalikeCap)
	}
	if h.Candidates > 1 {
		w -= math.Log2(float64(h.Candidates))
	}
	h.Weight = w
	h.Strong = w >= StrongBits && h.Candidates == 1
}

// isYear reports whether c is four digits reading as a year 1990–2099.
func isYear(c []byte) bool {
	if len(c) != 4 || !allDigits(c) {
		return false
	}
	y := atoi(c)
	return y >= 1990 && y <= 2099
}

// dateToken8 reports whether c is eight digits reading as a date.
func dateToken8(c []byte) bool { return len(c) == 8 && allDigits(c) && validDate8(c) }

// resolveOverlaps keeps, among exact hits whose token spans overlap, those
// of the longest window: a number inside a longer one is not a hit.
func (f *finder) resolveOverlaps() {
	if len(f.hits) < 2 {
		return
	}
	slices.SortStableFunc(f.hits, func(p, q RefHit) int {
		if lp, lq := p.last-p.first, q.last-q.first; lp != lq {
			return lq - lp
		}
		if lp, lq := len(f.a.canon(p.first, p.last)), len(f.a.canon(q.first, q.last)); lp != lq {
			return lq - lp
		}
		switch {
		case p.Weight > q.Weight:
			return -1
		case p.Weight < q.Weight:
			return 1
		}
		return int(p.Ref - q.Ref)
	})
	kept := f.hits[:0]
	for _, h := range f.hits {
		ok := true
		for _, k := range kept {
			overlap := h.first <= k.last && k.first <= h.last
			sameSpan := h.first == k.first && h.last == k.last
			if overlap && !sameSpan && h.Ref != k.Ref {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, h)
		}
	}
	f.hits = kept
}

// covered reports whether tokens i..j overlap an exact hit.
func (f *finder) covered(i, j int) bool {
	for _, s := range f.explained {
		if i <= s[1] && s[0] <= j {
			return true
		}
	}
	for _, h := range f.hits {
		if h.Distance == 0 && h.Weight >= bitsLookalikeCap && i <= h.last && h.first <= j {
			return true
		}
	}
	return false
}

// fuzzy searches windows shaped like a known number, through the deletion
// neighbourhood: a key one deletion away from the window, the window one
// deletion away from a key, or both one deletion away from the same string
// (a substitution or an adjacent transposition). Candidates are verified
// with Levenshtein's distance.
func (f *finder) fuzzy() {
	a := f.a
	type win struct{ i, j int }
	var wins []win
	f.windows(func(i, j int, c []byte, _ uint64) {
		if len(wins) >= maxFuzzyWindows || len(c) < 5 {
			return
		}
		for k := i; k <= j; k++ {
			if a.tokens[k].flags&(flagLookalike|flagLuhn) != 0 {
				return
			}
		}
		if allDigits(c) && ((len(c) == 6 && validDate6(c)) || (len(c) == 8 && validDate8(c))) {
			return // a date: its neighbourhood is full of numbers
		}
		if !f.opt.FuzzyEverywhere && f.covered(i, j) {
			return
		}
		lens, ok := f.x.prefixLens[string(letterPrefix(c))]
		if !ok || len(c) >= 63 || lens&(7<<uint(len(c)-1)) == 0 {
			return
		}
		if len(letterPrefix(c)) == 0 && len(c) < 7 {
			return // short numbers of digits: one edit away lie too many invoices
		}
		wins = append(wins, win{i, j})
	})
	for _, w := range wins {
		f.fuzzyWindow(w.i, w.j)
	}
}

func (f *finder) fuzzyWindow(i, j int) {
	c := f.a.canon(i, j)
	f.seen = f.seen[:0]
	delLookup := func(h uint64) {
		lo, hi := rangeOf(f.x.dels, f.x.dbucket, h&0xFFFFFFFF00000000)
		for k := lo; k < hi; k++ {
			f.seen = append(f.seen, int32(uint32(f.x.dels[k])))
		}
	}
	// The window with one character deleted, at each position (deleting
	// either of two equal neighbours gives the same string), and whole.
	f.hs = f.hs[:0]
	for k := range c {
		if k == 0 || c[k] != c[k-1] {
			f.hs = append(f.hs, fnv64Skip(c, k))
		}
	}
	full := fnv64(c)
	// Where each lookup will land is read first, in a loop that does
	// nothing else (see canonKeys.gather): the lookups then find their
	// cache lines loaded.
	for _, h := range f.hs {
		f.sink += probe(f.x.hashes, f.x.bucket, h) + probe(f.x.dels, f.x.dbucket, h)
	}
	f.sink += probe(f.x.dels, f.x.dbucket, full)
	for _, h := range f.hs {
		lo, hi := rangeOf(f.x.hashes, f.x.bucket, h)
		for e := lo; e < hi; e++ {
			if f.x.hashes[e] == h {
				if cl := keyClass(f.x.vals[e] & 7); cl == classFull || cl == classRF {
					f.seen = append(f.seen, int32(f.x.vals[e]>>3))
				}
			}
		}
		delLookup(h)
	}
	delLookup(full)
	if len(f.seen) == 0 {
		return
	}
	slices.Sort(f.seen)
	f.seen = slices.Compact(f.seen)
	start := len(f.window)
	best := math.MaxInt
	lens := f.x.prefixLens[string(letterPrefix(c))]
	// Candidates one edit away first (a linear check each); the costlier
	// two-edit distance only when there is none.
	// Each candidate's canonical key is read from the compact key array
	// (cache-friendly: neighbouring numbers are neighbouring handles) and
	// checked first; Accept is asked only of candidates at the distance
	// sought, once per candidate (the caller's state does not change
	// during a Find): the hits are those of asking it of every candidate.
	f.acc = f.acc[:0]
	for range f.seen {
		f.acc = append(f.acc, 0)
	}
	f.slots = f.x.keys.gather(f.slots[:0], f.seen)
	for pass := 1; pass <= f.opt.MaxDistance && best == math.MaxInt; pass++ {
		for ci, ref := range f.seen {
			if f.acc[ci] == accRefused {
				continue
			}
			key, rfKey, ok := f.x.keys.slotKeys(&f.slots[ci])
			if !ok {
				n, rf := f.x.numberRF(ref)
				f.kbuf = canonInto(f.kbuf[:0], n)
				key = f.kbuf
				if rf != "" {
					f.rbuf = canonInto(f.rbuf[:0], rf)
					rfKey = f.rbuf
				}
			}
			if d, swap, hit := fuzzyDistance(c, key, pass); hit && f.acceptCached(ci, ref) {
				f.recordFuzzy(ref, classFull, c, key, d, swap, i, j, &best)
			}
			if rfKey == nil || f.acc[ci] == accRefused {
				continue
			}
			if d, swap, hit := fuzzyDistance(c, rfKey, pass); hit && f.acceptCached(ci, ref) {
				f.recordFuzzy(ref, classRF, c, rfKey, d, swap, i, j, &best)
			}
		}
	}
	found := f.window[start:]
	n := 0
	for _, h := range found {
		if h.Distance == best {
			found[n] = h
			n++
		}
	}
	found = found[:n]
	for k := range found {
		h := &found[k]
		h.Candidates = n
		h.Written = f.a.written(i, j)
		h.Structured = f.a.isStructured(&f.a.tokens[i])
		w := bitsFuzzy1
		if h.Distance >= 2 {
			w = bitsFuzzy2
		}
		if len(c) < 7 {
			w -= bitsFuzzyShort
		}
		if len(letterPrefix(c)) == 0 {
			w -= bitsFuzzyDigits
		}
		if len(c) < 64 && lens&(1<<uint(len(c))) == 0 {
			w -= bitsFuzzyNoShape
		}
		if h.Contained {
			w = math.Min(w, bitsFuzzyContained)
		}
		if n > 1 {
			w -= math.Log2(float64(n))
		}
		h.Weight = w
		if f.opt.MaxFuzzyCandidates > 0 && n > f.opt.MaxFuzzyCandidates &&
			(f.opt.Plausible == nil || !f.opt.Plausible(h.Ref)) {
			continue
		}
		f.hits = append(f.hits, *h)
	}
	f.window = f.window[:start]
}

// Accept states of fuzzy candidates (finder.acc).
const (
	accUnknown = iota
	accAccepted
	accRefused
)

// acceptCached asks Accept about candidate ci (ref) once.
func (f *finder) acceptCached(ci int, ref int32) bool {
	switch f.acc[ci] {
	case accAccepted:
		return true
	case accRefused:
		return false
	}
	if f.accept(ref) {
		f.acc[ci] = accAccepted
		return true
	}
	f.acc[ci] = accRefused
	return false
}

// fuzzyDistance reports whether window c and key are exactly pass edits
// apart (1: one edit or an adjacent transposition, checked in linear
// time; 2: Levenshtein's distance), and the distance and swap to record.
func fuzzyDistance(c, key []byte, pass int) (d int, swap, ok bool) {
	// The lengths first: they come with the key's header, its characters
	// from another cache line.
	if d := len(c) - len(key); d > pass || -d > pass || len(key) == 0 {
		return 0, false, false
	}
	if bytes.Equal(key, c) {
		return 0, false, false
	}
	if pass == 1 {
		switch {
		case isTransposition(c, key):
			return 1, true, true
		case withinOneEditBytes(c, key):
			return 1, false, true
		}
		return 0, false, false
	}
	d, swap = refDist(c, key)
	return d, swap, d == pass
}

// recordFuzzy records a fuzzy hit of window c (tokens i..j) on key of
// invoice ref at distance d.
func (f *finder) recordFuzzy(ref int32, class keyClass, c, key []byte, d int, swap bool, i, j int, best *int) {
	h := RefHit{Ref: ref, Kind: KindFuzzyReference, Distance: d, Swap: swap,
		Contained: len(c) > len(key) && bytes.Contains(c, key), class: class, first: i, last: j}
	if class == classRF {
		h.Kind = KindCreditorReference
	}
	f.window = append(f.window, h)
	*best = min(*best, d)
}

// canonInto appends the canonical characters of s (letters upper-cased,
// accents folded, digits; nothing else) to buf.
func canonInto(buf []byte, s string) []byte {
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z':
			buf = append(buf, c)
		case c >= 'a' && c <= 'z':
			buf = append(buf, c-'a'+'A')
		case c >= 0x80:
			b, _ := numberTokens(s[k:], nil) // rare: fold the rest properly
			return append(buf, b...)
		}
	}
	return buf
}

// isTransposition reports whether a and b differ only by two adjacent
// characters swapped.
func isTransposition(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	k := 0
	for k < len(a) && a[k] == b[k] {
		k++
	}
	if k+1 >= len(a) || a[k] != b[k+1] || a[k+1] != b[k] {
		return false
	}
	return bytes.Equal(a[k+2:], b[k+2:])
}

// result keeps the best hit per invoice, ordered by handle.
func (f *finder) result() []RefHit {
	slices.SortStableFunc(f.hits, func(p, q RefHit) int {
		if p.Ref != q.Ref {
			return int(p.Ref - q.Ref)
		}
		switch {
		case p.Weight > q.Weight:
			return -1
		case p.Weight < q.Weight:
			return 1
		}
		return p.first - q.first
	})
	out := f.hits[:0]
	for _, h := range f.hits {
		if len(out) > 0 && out[len(out)-1].Ref == h.Ref {
			continue
		}
		out = append(out, h)
	}
	return out
}

// Explain writes the reason for a hit, e.g. `invoice number FA-2026-0012
// in remittance (edit distance 1)`.
func (x *ReferenceIndex) Explain(h RefHit) string {
	number := x.Number(h.Ref)
	where := "in remittance"
	if h.Structured {
		where = "in structured reference"
	}
	var b strings.Builder
	switch {
	case h.class == classRF && h.Distance == 0:
		fmt.Fprintf(&b, "creditor reference %s of invoice %s %s (ISO 11649, check digits valid)", h.Written, number, where)
	case h.class == classRFBody:
		fmt.Fprintf(&b, "creditor reference %s of invoice %s %s without its RF prefix (%q)", x.rf(h.Ref), number, where, h.Written)
	case h.class == classRF:
		fmt.Fprintf(&b, "creditor reference %s of invoice %s %s as %q (edit distance %d)", x.rf(h.Ref), number, where, h.Written, h.Distance)
	default:
		fmt.Fprintf(&b, "invoice number %s %s", number, where)
		if h.Distance > 0 || !sameText(h.Written, number) {
			fmt.Fprintf(&b, " as %q", h.Written)
		}
	}
	var notes []string
	switch {
	case h.Swap:
		notes = append(notes, "edit distance 1, transposed characters")
	case h.Distance > 0:
		notes = append(notes, fmt.Sprintf("edit distance %d", h.Distance))
	}
	if h.Partial {
		notes = append(notes, "prefix left out")
	}
	if h.Lookalike {
		notes = append(notes, "weak: also reads as a date, company number or postcode")
	}
	if h.Contained {
		notes = append(notes, "inside a longer number")
	}
	if h.Regrouped {
		notes = append(notes, "split differently")
	}
	if h.Abbreviated {
		notes = append(notes, "abbreviated after the previous number")
	}
	if h.Unavailable {
		notes = append(notes, "already paid, lettered or held")
	}
	if h.Candidates > 1 {
		notes = append(notes, fmt.Sprintf("matches %d invoices", h.Candidates))
	}
	if len(notes) > 0 {
		b.WriteString(" (" + strings.Join(notes, ", ") + ")")
	}
	return b.String()
}

// sameText reports whether the payer wrote the number exactly as printed
// (ignoring case).
func sameText(written, number string) bool { return strings.EqualFold(written, number) }

// Span returns the first and last token of the payment's texts the hit
// covers: hits with overlapping spans come from the same words, so they
// are alternatives, not separate invoices.
func (h RefHit) Span() (first, last int) { return h.first, h.last }

// listWords may separate the numbers of a list ("FA-1012 ET 13").
var listWords = map[string]bool{"ET": true, "AND": true, "UND": true, "Y": true}

// abbreviations reads lists whose later numbers are abbreviated to their
// last digits: after a hit on "FA25/01317", a token "2824" (or "02824")
// stands for FA25/02824 when that is an invoice too.
func (f *finder) abbreviations() {
	a := f.a
	n := len(f.hits)
	for hi := 0; hi < n; hi++ {
		h := f.hits[hi]
		if h.Distance != 0 || h.Lookalike || h.Kind != KindReference {
			continue
		}
		var bb [64]byte
		base, _ := numberTokens(f.x.number(h.Ref), bb[:0])
		if len(base) == 0 || len(base) > maxKeyLen {
			continue
		}
		run := 0
		for run < len(base) && isDigit(base[len(base)-1-run]) {
			run++
		}
		if run < 2 {
			continue
		}
		listed := false // a list separator or word since the last number
		for k := h.last + 1; k < len(a.tokens) && k <= h.last+8 && a.sameSource(h.first, k); k++ {
			t := &a.tokens[k]
			sep := a.sep(k)
			if strings.Trim(sep, " ,;+/&-") != "" || t.flags&(flagHard|flagLookalike) != 0 {
				break
			}
			if strings.Trim(sep, " ") != "" {
				listed = true
			}
			c := a.canon(k, k)
			if t.letters > 0 {
				if listWords[string(c)] {
					listed = true
					continue
				}
				break
			}
			if !listed {
				break // "171991 68100 MULHOUSE": a space alone does not make a list
			}
			listed = false
			if f.covered(k, k) || len(c) < 2 || len(c) > run {
				if f.covered(k, k) {
					break // another hit: it expands its own list
				}
				continue
			}
			cand := append(append([]byte(nil), base[:len(base)-len(c)]...), c...)
			if bytes.Equal(cand, base) {
				continue
			}
			hh := fnv64(cand)
			lo, hiR := rangeOf(f.x.hashes, f.x.bucket, hh)
			for e := lo; e < hiR; e++ {
				if f.x.hashes[e] != hh || keyClass(f.x.vals[e]&7) != classFull {
					continue
				}
				ref := int32(f.x.vals[e] >> 3)
				if ok, _ := f.verify(ref, classFull, cand, 0); !ok || !f.accept(ref) {
					continue
				}
				f.hits = append(f.hits, RefHit{Ref: ref, Kind: KindReference, Weight: bitsAbbreviated, Abbreviated: true,
					Written: a.written(k, k), Candidates: 1, class: classFull, first: k, last: k,
					Structured: a.isStructured(t)})
			}
		}
	}
}

// CanonicalReference returns the letters and digits of s, accents folded,
// upper case: the form in which two ways of writing a number compare.
func CanonicalReference(s string) string {
	var buf [64]byte
	b, _ := numberTokens(s, buf[:0])
	return string(b)
}

// RefDistance is the edit distance between a reference as written and an
// invoice number, after normalisation, as written and with leading zeros
// dropped (the smaller); an adjacent transposition counts 1 (swap set).
func RefDistance(written, number string) (d int, swap bool) {
	w, wm := numberTokens(written, nil)
	k, km := numberTokens(number, nil)
	d, swap = refDist(w, k)
	ws, _ := stripZeros(w, wm, nil)
	ks, _ := stripZeros(k, km, nil)
	if d2, s2 := refDist(ws, ks); d2 < d {
		d, swap = d2, s2
	}
	return d, swap
}

// RefDistanceWithin is RefDistance bounded by k: ok is false when the
// distance exceeds k. It does not allocate for numbers of up to 64
// characters.
func RefDistanceWithin(written, number string, k int) (d int, swap, ok bool) {
	return NewRefText(written).Within(number, k)
}

// RefText is a text read as a reference, normalised once, to be compared
// with many invoice numbers (Within).
type RefText struct {
	w, ws []byte
}

// NewRefText normalises written for Within.
func NewRefText(written string) RefText {
	w, wm := numberTokens(written, nil)
	ws, _ := stripZeros(w, wm, nil)
	return RefText{w: w, ws: ws}
}

// Within is RefDistance(written, number) bounded by k: ok is false when
// the distance exceeds k. It does not allocate for numbers of up to 64
// characters.
func (t RefText) Within(number string, k int) (d int, swap, ok bool) {
	var kb, ksb [64]byte
	key, km := numberTokens(number, kb[:0])
	var ks []byte
	// Zeros can only shorten a number: the stripped form is needed only
	// when the lengths may be within k.
	if len(t.ws) <= len(key)+k {
		ks, _ = stripZeros(key, km, ksb[:0])
	}
	return t.WithinKeys(key, ks, k)
}

// WithinKeys is Within given the number's key and the key with leading
// zeros dropped, as ReferenceIndex.NumberKeys returns them (stripped may be
// nil when len(t.ws) > len(key)+k: it is not read then).
func (t RefText) WithinKeys(key, stripped []byte, k int) (d int, swap, ok bool) {
	d = k + 1
	if abs(len(t.w)-len(key)) <= k {
		d, swap = boundedDist(t.w, key, k)
	}
	// Zeros can only shorten a number: stripped forms are compared only
	// when their lengths may be within k.
	if len(t.ws) <= len(key)+k {
		if abs(len(t.ws)-len(stripped)) <= k {
			if d2, s2 := boundedDist(t.ws, stripped, k); d2 < d {
				d, swap = d2, s2
			}
		}
	}
	return d, swap, d <= k
}

// NumberKeys returns the key of invoice ref's number (its letters and
// digits, accents folded, upper case) and the same with each group's
// leading zeros dropped, as RefText.WithinKeys and NearReferenceKeys take
// them, from the index's compact copy (no read of the invoice's string:
// cheaper on a large book); ok is false when the index keeps none for ref
// (an invoice added with AddExactOnly, or a number over 253 characters).
// The slices are the index's: read-only.
func (x *ReferenceIndex) NumberKeys(ref int32) (key, stripped []byte, ok bool) {
	return x.keys.number(ref)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func refDist(a, b []byte) (int, bool) {
	d := levenshtein.ComputeDistance(string(a), string(b))
	if d == 2 && isTransposition(a, b) {
		return 1, true
	}
	return d, false
}

func allDigits(c []byte) bool {
	for _, ch := range c {
		if !isDigit(ch) {
			return false
		}
	}
	return true
}

// NearReference looks in the payment's texts for a window one or two edits
// (at most maxDist) from number — a reference to it mistyped badly enough
// that no index lookup reached it (a dropped digit in a short number, say).
// Windows that are amounts, dates, IBANs or phone numbers are skipped. It
// returns the closest window as written and its distance; ok is false when
// none is within maxDist. Cost: one bounded comparison per window of a
// length near the number's.
func NearReference(p *Payment, number string, maxDist int) (written string, d int, swap bool, ok bool) {
	if len(p.analyse().refWindows()) == 0 {
		return "", 0, false, false // before reading the number: a cache miss on a large book
	}
	var kb, sb [64]byte
	key, kmask := numberTokens(number, kb[:0])
	if len(key) < 4 {
		return "", 0, false, false
	}
	skey, _ := stripZeros(key, kmask, sb[:0])
	return NearReferenceKeys(p, key, skey, maxDist)
}

// NearReferenceKeys is NearReference given the number's keys as
// ReferenceIndex.NumberKeys returns them.
func NearReferenceKeys(p *Payment, key, skey []byte, maxDist int) (written string, d int, swap bool, ok bool) {
	a := p.analyse()
	wins := a.refWindows()
	if len(wins) == 0 || len(key) < 4 {
		return "", 0, false, false
	}
	best := maxDist + 1
	for _, w := range wins {
		c := a.canon(w.i, w.j)
		if len(c) > len(key)+maxDist || len(c)+maxDist < len(skey) {
			continue
		}
		if len(c) > len(key) && bytes.Contains(c, key) {
			continue // inside a longer number
		}
		dd, sw := boundedDist(c, key, maxDist)
		if d2, s2 := boundedDist(c, skey, maxDist); d2 < dd {
			dd, sw = d2, s2
		}
		if dd > 0 && dd < best {
			best, written, swap = dd, a.written(w.i, w.j), sw
		}
	}
	if best > maxDist {
		return "", 0, false, false
	}
	return written, best, swap, true
}

// HasReferenceText reports whether some text window of p could be read as
// a reference (NearReference finds nothing otherwise): a caller can skip
// reading the numbers it would compare.
func (p *Payment) HasReferenceText() bool { return len(p.analyse().refWindows()) > 0 }

// boundedDist returns the edit distance of a and b when it is at most k
// (an adjacent transposition counting 1), else k+1: without allocating for
// k ≤ 1, through Levenshtein's distance otherwise.
func boundedDist(a, b []byte, k int) (int, bool) {
	if d := len(a) - len(b); d > k || -d > k {
		return k + 1, false
	}
	if bytes.Equal(a, b) {
		return 0, false
	}
	if k <= 1 {
		if isTransposition(a, b) {
			return 1, true
		}
		if withinOneEditBytes(a, b) {
			return 1, false
		}
		return k + 1, false
	}
	return refDist(a, b)
}

// withinOneEditBytes reports whether a and b differ by one insertion,
// deletion or substitution at most.
func withinOneEditBytes(a, b []byte) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return i == len(a) || bytes.Equal(a[i+1:], b[i+1:])
	}
	return bytes.Equal(a[i:], b[i+1:])
}

// window is a run of tokens i..j glued into one reference candidate.
type window struct{ i, j int }

// refWindows returns, once per payment, the windows that may be
// references: glued over soft separators, without amounts, dates, IBANs,
// phone numbers or lookalikes, at most maxWindowTokens tokens and
// maxKeyLen characters, and not a whole date.
func (a *textAnalysis) refWindows() []window {
	if a.windowsDone {
		return a.wins
	}
	a.windowsDone = true
	for i := range a.tokens {
		if a.tokens[i].flags&(flagHard|flagLookalike) != 0 {
			continue
		}
		for j := i; j < len(a.tokens) && j < i+maxWindowTokens; j++ {
			if j > i && (!a.sameSource(i, j) || !a.tokens[j].soft || a.tokens[j].flags&(flagHard|flagLookalike) != 0) {
				break
			}
			c := a.canon(i, j)
			if len(c) > maxKeyLen {
				break
			}
			if len(c) < 4 || (allDigits(c) && ((len(c) == 6 && validDate6(c)) || (len(c) == 8 && validDate8(c)))) {
				continue
			}
			a.wins = append(a.wins, window{i, j})
		}
	}
	return a.wins
}

// Alternative returns a fuzzy hit on another invoice read from the same
// text as h (same span and written text): a caller that found, by other
// means, an invoice whose number h's text may be a typo of.
func (h RefHit) Alternative(ref int32, distance int, swap bool, weight float64) RefHit {
	a := h
	a.Ref, a.Kind, a.Distance, a.Swap, a.Weight = ref, KindFuzzyReference, distance, swap, weight
	a.Strong, a.Partial, a.Lookalike, a.Candidates, a.Contained, a.Abbreviated, a.Unavailable, a.Regrouped = false, false, false, 1, false, false, false, false
	a.class = classFull
	return a
}

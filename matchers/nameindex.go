package matchers

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
)

// NameIndexBuilder collects customer names (legal names and aliases).
type NameIndexBuilder struct {
	records []nameRecord
	vocab   map[string]int32
	words   []string
	df      []int32
}

type nameRecord struct {
	customer int32
	tokens   []int32
	legal    string
}

// NewNameIndexBuilder returns an empty builder.
func NewNameIndexBuilder() *NameIndexBuilder {
	return &NameIndexBuilder{vocab: make(map[string]int32)}
}

// Add indexes one name of customer (its legal name, or an alias). A name
// with no identity-bearing word is ignored.
func (b *NameIndexBuilder) Add(customer int32, name string) {
	f := NormalizeName(name)
	if len(f.Tokens) == 0 {
		return
	}
	r := nameRecord{customer: customer, legal: f.LegalForm, tokens: make([]int32, 0, len(f.Tokens))}
	for _, t := range f.Tokens {
		id, ok := b.vocab[t]
		if !ok {
			id = int32(len(b.words))
			b.vocab[t] = id
			b.words = append(b.words, t)
			b.df = append(b.df, 0)
		}
		b.df[id]++
		r.tokens = append(r.tokens, id)
	}
	b.records = append(b.records, r)
}

// Build returns the index. The builder must not be used afterwards.
func (b *NameIndexBuilder) Build() *NameIndex {
	n := float64(len(b.records))
	x := &NameIndex{
		records:    b.records,
		vocab:      b.vocab,
		words:      b.words,
		idf:        make([]float64, len(b.words)),
		postings:   make([][]int32, len(b.words)),
		unknownIDF: math.Log2((n + 1) / 0.5),
	}
	for id, df := range b.df {
		x.idf[id] = math.Log2((n + 1) / (float64(df) + 0.5))
		x.postings[id] = make([]int32, 0, df)
	}
	maxCust := int32(-1)
	for ri, r := range b.records {
		for _, t := range r.tokens {
			x.postings[t] = append(x.postings[t], int32(ri))
		}
		maxCust = max(maxCust, r.customer)
	}
	// Records by customer, as offsets into one array (customers are
	// numerous: a map of slices would cost more than the names).
	x.custOff = make([]int32, maxCust+2)
	for _, r := range b.records {
		if r.customer >= 0 {
			x.custOff[r.customer+1]++
		}
	}
	for c := 1; c < len(x.custOff); c++ {
		x.custOff[c] += x.custOff[c-1]
	}
	x.custRecs = make([]int32, len(b.records))
	fill := slices.Clone(x.custOff)
	for ri, r := range b.records {
		if r.customer >= 0 {
			x.custRecs[fill[r.customer]] = int32(ri)
			fill[r.customer]++
		}
	}
	x.sorted = make([]int32, len(b.words))
	for i := range x.sorted {
		x.sorted[i] = int32(i)
	}
	slices.SortFunc(x.sorted, func(p, q int32) int { return strings.Compare(x.words[p], x.words[q]) })
	*b = NameIndexBuilder{}
	return x
}

// NameIndex finds customers by payer name through token postings, and
// compares names with an IDF-weighted token similarity: a word few names
// share ("MARTINEAU") weighs much more than one many share ("TRANSPORTS").
// It is safe for concurrent use.
type NameIndex struct {
	records    []nameRecord
	vocab      map[string]int32
	words      []string
	sorted     []int32
	idf        []float64
	postings   [][]int32
	custOff    []int32 // records of customer c: custRecs[custOff[c]:custOff[c+1]]
	custRecs   []int32
	unknownIDF float64
}

// NameHit is how well a payer name matches one customer.
type NameHit struct {
	Customer int32
	// Similarity in [0, 1]: IDF-weighted share of words in common.
	Similarity float64
	// Weight is the evidence in bits (see PayerName).
	Weight float64
	// LegalConflict: the names carry different legal forms (SAS vs SARL).
	LegalConflict bool
	// Strong: the names agree well enough to corroborate other evidence
	// (never enough to identify a customer alone).
	Strong bool
}

// maxPostings is the most names a word may belong to and still be used to
// retrieve candidates (it still counts in similarities).
const maxPostings = 1000

// maxNameCandidates bounds the names compared in full per search.
const maxNameCandidates = 24

// Search returns up to max customers whose names resemble name, best
// first, with similarity at least minSim.
func (x *NameIndex) Search(name string, max int, minSim float64) []NameHit {
	return x.SearchForm(NormalizeName(name), max, minSim)
}

// maxRetrievalTokens is how many of a query's rarest words retrieve
// candidates (all words count in the similarity).
const maxRetrievalTokens = 4

// maxPostingsRead bounds the postings one search reads (past the first
// word's).
const maxPostingsRead = 300

// SearchForm is Search for a name already normalised.
func (x *NameIndex) SearchForm(q NameForm, max int, minSim float64) []NameHit {
	if len(q.Tokens) == 0 || len(x.records) == 0 {
		return nil
	}
	// Retrieve through the rarest words only: common ones find thousands
	// of names and add little. Stop once enough postings were read.
	type qt struct {
		i, df int
		id    int32
	}
	var orderArr [8]qt
	order := orderArr[:0]
	for i, t := range q.Tokens {
		if id, ok := x.vocab[t]; ok && len(x.postings[id]) <= maxPostings {
			order = append(order, qt{i, len(x.postings[id]), id})
		}
	}
	slices.SortStableFunc(order, func(a, b qt) int { return a.df - b.df })
	// Postings are accumulated in a slice, merged by record after a sort
	// (no map per search), and only the best maxNameCandidates are kept.
	sc := nameScratchPool.Get().(*nameScratch)
	defer sc.release()
	post := sc.post[:0]
	defer func() { sc.post = post[:0] }()
	read := 0
	for k, o := range order {
		if k >= maxRetrievalTokens || (k > 0 && read+o.df > maxPostingsRead) {
			break // enough read
		}
		read += o.df
		for _, r := range x.postings[o.id] {
			post = append(post, cand{r, x.idf[o.id]})
		}
	}
	// A last word cut short (or unknown): the words it begins.
	if last := q.Tokens[len(q.Tokens)-1]; len(last) >= 3 {
		if _, known := x.vocab[last]; !known || q.Truncated {
			lo := sort.Search(len(x.sorted), func(k int) bool { return x.words[x.sorted[k]] >= last })
			for k := lo; k < len(x.sorted) && k < lo+maxNameCandidates && strings.HasPrefix(x.words[x.sorted[k]], last); k++ {
				id := x.sorted[k]
				if x.words[id] == last || len(x.postings[id]) > maxPostings || read > maxPostingsRead {
					continue
				}
				read += len(x.postings[id])
				for _, r := range x.postings[id] {
					post = append(post, cand{r, x.idf[id] * 0.9})
				}
			}
		}
	}
	slices.SortStableFunc(post, func(a, b cand) int { return int(a.r - b.r) })
	better := func(a, b cand) bool { return a.s > b.s || (a.s == b.s && a.r < b.r) }
	top := sc.top[:0]
	for k := 0; k < len(post); {
		c := post[k]
		for k++; k < len(post) && post[k].r == c.r; k++ {
			c.s += post[k].s
		}
		if len(top) == maxNameCandidates && !better(c, top[len(top)-1]) {
			continue
		}
		at := len(top)
		for at > 0 && better(c, top[at-1]) {
			at--
		}
		if len(top) < maxNameCandidates {
			top = append(top, cand{})
		}
		copy(top[at+1:], top[at:len(top)-1])
		top[at] = c
	}
	best := make([]NameHit, 0, len(top))
	for _, c := range top {
		rec := &x.records[c.r]
		h := x.compare(q, rec)
		if h.Similarity < minSim {
			continue
		}
		j := slices.IndexFunc(best, func(o NameHit) bool { return o.Customer == rec.customer })
		switch {
		case j < 0:
			best = append(best, h)
		case h.Weight > best[j].Weight:
			best[j] = h
		}
	}
	out := best
	slices.SortFunc(out, func(a, b NameHit) int {
		switch {
		case a.Weight > b.Weight:
			return -1
		case a.Weight < b.Weight:
			return 1
		}
		return int(a.Customer - b.Customer)
	})
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// cand is a name record retrieved by SearchForm and its score so far.
type cand struct {
	r int32
	s float64
}

// nameScratch is SearchForm's working space, reused through a pool (the
// index stays safe for concurrent use): a search per credit would
// otherwise allocate its postings buffer every time.
type nameScratch struct {
	post []cand
	top  []cand
	arr  [maxNameCandidates]cand
}

var nameScratchPool = sync.Pool{New: func() any {
	sc := &nameScratch{post: make([]cand, 0, 128)}
	sc.top = sc.arr[:0]
	return sc
}}

func (sc *nameScratch) release() {
	if cap(sc.post) > 1<<14 {
		sc.post = make([]cand, 0, 128) // an outsized search: do not keep its buffer
	}
	nameScratchPool.Put(sc)
}

// Compare weighs name against the names of one customer (legal name and
// aliases). ok is false when the customer has no indexed name or name is
// empty.
func (x *NameIndex) Compare(name string, customer int32) (NameHit, bool) {
	return x.CompareForm(NormalizeName(name), customer)
}

// CompareForm is Compare for a name already normalised.
func (x *NameIndex) CompareForm(q NameForm, customer int32) (NameHit, bool) {
	var recs []int32
	if customer >= 0 && int(customer)+1 < len(x.custOff) {
		recs = x.custRecs[x.custOff[customer]:x.custOff[customer+1]]
	}
	if len(q.Tokens) == 0 || len(recs) == 0 {
		return NameHit{}, false
	}
	var best NameHit
	for k, r := range recs {
		h := x.compare(q, &x.records[r])
		if k == 0 || h.Weight > best.Weight {
			best = h
		}
	}
	return best, true
}

// Similar reports how two free names compare with this index's word
// weights (for tests and tools).
func (x *NameIndex) Similar(a, b string) NameHit {
	fb := NormalizeName(b)
	r := nameRecord{customer: -1, legal: fb.LegalForm}
	extra := map[int32]string{}
	for _, t := range fb.Tokens {
		id, ok := x.vocab[t]
		if !ok {
			id = int32(-1 - len(extra))
			extra[id] = t
		}
		r.tokens = append(r.tokens, id)
	}
	return x.compareWith(NormalizeName(a), &r, extra)
}

func (x *NameIndex) compare(q NameForm, rec *nameRecord) NameHit {
	return x.compareWith(q, rec, nil)
}

func (x *NameIndex) word(id int32, extra map[int32]string) (string, float64) {
	if id < 0 {
		return extra[id], x.unknownIDF
	}
	return x.words[id], x.idf[id]
}

// compareWith computes the similarity of query q and record rec: each
// query word is paired with the best unused word of the record (equal; a
// prefix when it is the last word, possibly cut short; an initial; one edit
// away for long words), and the IDF weights of the pairs are summed.
func (x *NameIndex) compareWith(q NameForm, rec *nameRecord, extra map[int32]string) NameHit {
	h := NameHit{Customer: rec.customer}
	used := make([]bool, len(rec.tokens))
	var matched, qw, rw, matchedIDF float64
	for _, id := range rec.tokens {
		_, w := x.word(id, extra)
		rw += w
	}
	for i, t := range q.Tokens {
		tw := x.unknownIDF
		if id, ok := x.vocab[t]; ok {
			tw = x.idf[id]
		}
		qw += tw
		last := i == len(q.Tokens)-1
		bestQ, bestK := 0.0, -1
		for k, id := range rec.tokens {
			if used[k] {
				continue
			}
			r, _ := x.word(id, extra)
			qual := tokenMatch(t, r, last, q.Truncated)
			if qual > bestQ {
				bestQ, bestK = qual, k
			}
		}
		if bestK >= 0 {
			used[bestK] = true
			_, w := x.word(rec.tokens[bestK], extra)
			matched += bestQ * w
			matchedIDF += bestQ * math.Min(w, tw)
		}
	}
	if qw+rw == 0 {
		return h
	}
	sim := 2 * matched / (qw + rw)
	if q.Truncated && qw > 0 {
		sim = math.Max(sim, 0.95*matched/qw)
	}
	// The customer's whole name inside a longer payer name ("IMPRIMERIE
	// MICHAUD SAS SERVICE COMPTABILITE 5 RUE…", "CHAUFFAGE LEMOINE REIMS"):
	// banks append addresses, towns and departments.
	if rw > 0 && matched/rw >= 0.999 && len(rec.tokens) >= 2 {
		sim = math.Max(sim, 0.9)
	}
	h.Similarity = math.Min(1, sim)
	h.LegalConflict = q.LegalForm != "" && rec.legal != "" && q.LegalForm != rec.legal
	w := bitsNameMin + (bitsNameMax-bitsNameMin)*math.Max(0, math.Min(1, (h.Similarity-0.3)/0.7))
	w = math.Min(w, math.Max(bitsNameMin, matchedIDF)) // common words in common say little
	if h.LegalConflict {
		w = math.Min(w, bitsNameLegalCap)
	}
	h.Weight = w
	h.Strong = h.Similarity >= 0.85 && !h.LegalConflict && w >= 6
	return h
}

// tokenMatch grades how well query word t matches record word r.
func tokenMatch(t, r string, last, truncated bool) float64 {
	switch {
	case t == r:
		return 1
	case last && len(t) >= 3 && strings.HasPrefix(r, t):
		if truncated {
			return 0.95
		}
		return 0.6 + 0.3*float64(len(t))/float64(len(r))
	case len(t) >= 4 && len(r) > len(t) && strings.HasPrefix(r, t):
		return 0.8 // an abbreviation: "TRANSP" for TRANSPORTS
	case len(t) == 1 && r[0] == t[0], len(r) == 1 && t[0] == r[0]:
		return 0.3
	case len(t) >= 5 && len(r) >= 5 && (withinOneEdit(t, r) || isTransposition([]byte(t), []byte(r))):
		return 0.8
	}
	return 0
}

// withinOneEdit reports whether a and b differ by at most one insertion,
// deletion or substitution, in linear time.
func withinOneEdit(a, b string) bool {
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
		return i == len(a) || a[i+1:] == b[i+1:]
	}
	return a[i:] == b[i+1:]
}

package reconcile

import "github.com/lettrage/lettrage/matchers"

// Prepared is a credit with the part of its matching that depends on the
// credit and the engine's fixed indexes alone done ahead: the matchable
// check, the payment the matchers read with its texts analysed and its
// windows looked up in the reference index (matchers'
// ReferenceIndex.PrepareExact), the payer's names normalised and looked up
// in the customer-name index.
// Engine.Prepare builds it, MatchPrepared decides on it; a pipeline
// prepares the next credits on one goroutine while the engine decides in
// order on another (see internal/matchstream).
type Prepared struct {
	c     Credit
	err   error // Matchable's verdict
	p     *matchers.Payment
	names []payerName
}

// Credit returns the credit p was prepared from.
func (p *Prepared) Credit() Credit { return p.c }

// Matchable returns nil when the credit is a booked credit the engine
// letters, as Matchable does.
func (p *Prepared) Matchable() error { return p.err }

// Prepare does the matching work that depends on the credit alone and on
// the indexes NewEngine built, which deciding never changes: it may run on
// another goroutine than the one calling MatchPrepared, at the same time
// (but not at the same time as Learn or Reject, which change the engine's
// knowledge). into, when not nil, is a Prepared whose credit has been
// decided, its space reused; the result is into.
func (e *Engine) Prepare(c Credit, into *Prepared) *Prepared {
	into = prepare(c, into)
	if into.err != nil {
		return into
	}
	e.refs.PrepareExact(into.p)
	for k := range into.names {
		into.names[k].search(e)
	}
	return into
}

// prepare is Prepare without the name search (Match searches names only
// when it needs them).
func prepare(c Credit, into *Prepared) *Prepared {
	if into == nil {
		into = &Prepared{}
	}
	into.c, into.err = c, Matchable(c)
	into.names = into.names[:0]
	if into.err != nil {
		return into
	}
	if into.p == nil {
		into.p = &matchers.Payment{}
	}
	paymentInto(into.p, c).Analyse()
	into.names = payerNamesOf(into.names, into.p)
	return into
}

// payerNamesOf appends the payment's debtor and ultimate debtor names,
// normalised (those with no word left are skipped).
func payerNamesOf(dst []payerName, p *matchers.Payment) []payerName {
	for _, n := range [2]string{p.PayerName, p.UltimatePayerName} {
		if n == "" {
			continue
		}
		f := matchers.NormalizeName(n)
		if len(f.Tokens) == 0 {
			continue
		}
		dst = append(dst, payerName{raw: n, form: f, key: f.Key()})
	}
	return dst
}

// Bounds of the payer-name search: the best few customers whose names are
// at least this similar.
const (
	maxNameHits   = 3
	minNameSearch = 0.55
)

// search looks the name up in e's customer-name index, once.
func (py *payerName) search(e *Engine) []matchers.NameHit {
	if !py.searched {
		py.hits, py.searched = e.names.SearchForm(py.form, maxNameHits, minNameSearch), true
	}
	return py.hits
}

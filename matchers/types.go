package matchers

import (
	"math"
	"time"
)

// Payment is one incoming bank credit as the strategies see it.
type Payment struct {
	// Amount is the credited amount in minor units of Currency (positive).
	Amount int64
	// Currency is the ISO 4217 code, e.g. "EUR".
	Currency string
	// Exponent is the number of decimals of Currency's minor unit (2 for
	// EUR), used to write amounts in reasons and to judge round amounts.
	Exponent int
	// Date is the booking date (a civil date at midnight UTC); zero when
	// unknown.
	Date time.Time
	// PayerName is the debtor's name as the bank gives it.
	PayerName string
	// UltimatePayerName is the ultimate debtor's name, when given (the
	// customer a third party pays for).
	UltimatePayerName string
	// PayerIBAN is the debtor's account, when given.
	PayerIBAN string
	// Texts are the free texts of the payment: remittance lines, the
	// EndToEndId, bank labels. Each is tokenised separately.
	Texts []string
	// StructuredRefs are structured creditor references (CAMT
	// RmtInf/Strd/CdtrRefInf/Ref, CFONB LCS), e.g. "RF18 5390 0754 7034".
	StructuredRefs []string

	analysis *textAnalysis // tokens of Texts and StructuredRefs, built once
	spare    *textAnalysis // an earlier payment's analysis, its space reused (Reset)
}

// Reset empties p for another payment, keeping the space of its Texts,
// StructuredRefs and text analysis for reuse: a caller matching payments
// one after the other saves their allocations. Nothing p returned before
// (hits, analyses) may be used after Reset.
func (p *Payment) Reset() {
	a := p.analysis
	if a == nil {
		a = p.spare
	}
	clear(p.Texts)
	clear(p.StructuredRefs)
	*p = Payment{Texts: p.Texts[:0], StructuredRefs: p.StructuredRefs[:0], spare: a}
}

// Invoice is an open receivable as the strategies see it.
type Invoice struct {
	// Ref is the caller's handle for the invoice: the number it gave the
	// index builders (ReferenceIndexBuilder.Add, AmountIndexBuilder.Add).
	Ref          int32
	ID           string // the accounting system's id
	Number       string // the number printed on the invoice
	CustomerID   string
	CustomerName string
	// CustomerRef is the caller's handle for the customer, as given to
	// AccountIndex and NameIndexBuilder.
	CustomerRef int32
	// Open is the amount still due, in minor units of Currency.
	Open     int64
	Currency string
	// IssueDate and DueDate are civil dates at midnight UTC; zero when
	// unknown.
	IssueDate, DueDate time.Time
	// RFReference is the ISO 11649 creditor reference printed on the
	// invoice, if any.
	RFReference string
}

// Kind says which strategy produced a piece of evidence.
type Kind uint8

// Kinds of evidence.
const (
	KindReference         Kind = iota + 1 // invoice number found as written (after normalisation)
	KindFuzzyReference                    // invoice number found one or two edits away
	KindCreditorReference                 // ISO 11649 creditor reference (or its body)
	KindAccount                           // payer IBAN known for the customer
	KindName                              // payer name compared with the customer's name
	KindAlias                             // payer name equal to a learned alias of the customer
	KindAmount                            // amounts reconcile (or do not)
	KindDate                              // date plausibility
)

// String names the kind as reasons and logs show it.
func (k Kind) String() string {
	switch k {
	case KindReference:
		return "reference"
	case KindFuzzyReference:
		return "fuzzy-reference"
	case KindCreditorReference:
		return "creditor-reference"
	case KindAccount:
		return "account"
	case KindName:
		return "name"
	case KindAlias:
		return "alias"
	case KindAmount:
		return "amount"
	case KindDate:
		return "date"
	}
	return "unknown"
}

// Evidence is what one strategy found about one invoice (or one customer).
type Evidence struct {
	Kind Kind
	// InvoiceRef and InvoiceID name the invoice the evidence is about;
	// InvoiceRef is -1 and InvoiceID empty for evidence about a customer.
	InvoiceRef int32
	InvoiceID  string
	// CustomerRef and CustomerID name the customer concerned.
	CustomerRef int32
	CustomerID  string
	// Weight is a log-likelihood ratio in bits: positive supports the
	// match, negative speaks against it, 0 is neutral.
	Weight float64
	// Strong marks evidence that identifies the invoice (or customer) on
	// its own: an exact invoice number of a distinctive shape, a valid
	// creditor reference, a payer IBAN known for one customer only, a
	// learned alias. Weak evidence needs corroboration.
	Strong bool
	// Distance is the edit distance of a fuzzy reference (1 or 2; a
	// transposition of adjacent characters counts 1).
	Distance int
	// Token is the text of the payment that matched, as written.
	Token string
	// Reason says in one sentence what was found.
	Reason string
}

// Strategy is one way of recognising a payment's invoices. Evaluate looks
// at the payment and the candidate invoices (found through the indexes)
// and returns evidence about some of them; a candidate it has nothing to
// say about gets no evidence. Implementations are safe for concurrent use
// once built, and Evaluate does not keep the slices it is given.
type Strategy interface {
	Name() string
	Evaluate(p *Payment, candidates []Invoice) []Evidence
}

// Probability turns a total weight in bits (prior log-odds plus evidence)
// into a probability in [0, 1].
func Probability(bits float64) float64 {
	switch {
	case math.IsNaN(bits):
		return 0
	case bits > 60:
		return 1
	case bits < -60:
		return 0
	}
	return 1 / (1 + math.Exp2(-bits))
}

// days returns t as a day number (days since 1970-01-01), or 0 for the
// zero time.
func days(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix() / 86400
}

// unixDay returns midnight UTC of day number d.
func unixDay(d int64) time.Time { return time.Unix(d*86400, 0).UTC() }

// Day returns t as a day number: days since 1970-01-01 (0 for the zero
// time). The engine keeps dates as day numbers.
func Day(t time.Time) int64 { return days(t) }

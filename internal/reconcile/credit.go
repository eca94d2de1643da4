package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/matchers"
)

// Credit is one transaction to letter, with the entry and statement it
// belongs to (both may be nil in tests; the entry gives the booking date
// and label, the statement the account and format).
type Credit struct {
	Statement *ledger.Statement
	Entry     *ledger.Entry
	Tx        *ledger.Transaction
}

// Amount returns the credit's amount: the transaction's, else (for an
// entry with a single transaction) the entry's.
func (c Credit) Amount() ledger.Money {
	m := ledger.Money{}
	if c.Tx != nil {
		m = c.Tx.Amount
	}
	if m.Minor == 0 && c.Entry != nil && len(c.Entry.Transactions) <= 1 {
		m = c.Entry.Amount
	}
	if m.Currency == "" && c.Entry != nil {
		m.Currency = c.Entry.Amount.Currency
	}
	if m.Currency == "" && c.Statement != nil {
		m.Currency = c.Statement.Account.Currency
	}
	return m
}

// Date returns the booking date, else the value date.
func (c Credit) Date() ledger.Date {
	if c.Entry == nil {
		return ledger.Date{}
	}
	if !c.Entry.BookingDate.IsZero() {
		return c.Entry.BookingDate
	}
	return c.Entry.ValueDate
}

// Direction returns the transaction's direction, else the entry's.
func (c Credit) Direction() ledger.Direction {
	if c.Tx != nil && c.Tx.Direction != "" {
		return c.Tx.Direction
	}
	if c.Entry != nil {
		return c.Entry.Direction
	}
	return ""
}

// BankRef returns the bank's reference of the transaction, as the match
// contract defines it.
func (c Credit) BankRef() string {
	if c.Tx == nil {
		if c.Entry != nil {
			return c.Entry.AcctSvcrRef
		}
		return ""
	}
	return c.Tx.BankRef(c.Entry)
}

// Payer returns the debtor's name, else the ultimate debtor's.
func (c Credit) Payer() string {
	if c.Tx == nil {
		return ""
	}
	if c.Tx.Debtor.Name != "" {
		return c.Tx.Debtor.Name
	}
	return c.Tx.UltimateDebtor.Name
}

// Matchable returns nil when c is a booked credit the engine letters, and
// an error wrapping ErrNotMatchable saying why not otherwise.
func Matchable(c Credit) error {
	switch {
	case c.Tx == nil:
		return fmt.Errorf("no transaction: %w", ErrNotMatchable)
	case c.Direction() != ledger.Credit:
		return fmt.Errorf("direction %q: %w", c.Direction(), ErrNotMatchable)
	case c.Entry != nil && c.Entry.Status != "" && c.Entry.Status != ledger.StatusBooked:
		return fmt.Errorf("entry status %s: %w", c.Entry.Status, ErrNotMatchable)
	case c.Entry != nil && c.Entry.Reversal:
		return fmt.Errorf("reversal: %w", ErrNotMatchable)
	}
	m := c.Amount()
	switch {
	case m.Minor <= 0:
		return fmt.Errorf("amount %s: %w", m, ErrNotMatchable)
	case !m.Currency.Valid():
		return fmt.Errorf("currency %q: %w", m.Currency, ErrNotMatchable)
	}
	return nil
}

// extraTextKeys are the CFONB complements (kept in Transaction.Extra) whose
// text payers fill with references.
var extraTextKeys = map[string]bool{"RCN": true, "RCN.purpose": true, "LCS": true, "LCS.rest": true, "REF": true, "LIB": true}

// payment turns a credit into what the matchers read: amount, date, payer
// name and IBAN, the free texts (remittance lines, EndToEndId, instruction
// id, labels, CFONB reference complements) and the structured references.
func payment(c Credit) *matchers.Payment { return paymentInto(&matchers.Payment{}, c) }

// paymentInto is payment reusing p (Reset): an earlier credit's payment
// whose space is reused.
func paymentInto(p *matchers.Payment, c Credit) *matchers.Payment {
	m := c.Amount()
	tx := c.Tx
	p.Reset()
	p.Amount, p.Currency, p.Exponent = m.Minor, string(m.Currency), m.Currency.Exponent()
	p.PayerName, p.UltimatePayerName, p.PayerIBAN = tx.Debtor.Name, tx.UltimateDebtor.Name, tx.Debtor.IBAN
	if p.PayerIBAN == "" { // CFONB IPY: the payer's identifier is sometimes its IBAN
		if n := matchers.NormalizeIBAN(tx.Debtor.Other); matchers.ValidIBAN(n) {
			p.PayerIBAN = n
		}
	}
	if d := c.Date(); !d.IsZero() {
		p.Date = d.Time()
	}
	add := func(s string) {
		if s != "" && !slices.Contains(p.Texts, s) {
			p.Texts = append(p.Texts, s)
		}
	}
	for _, r := range tx.Remittance {
		add(r)
	}
	add(tx.EndToEndID)
	add(tx.InstructionID)
	add(tx.PaymentInfoID)
	if c.Statement != nil && c.Statement.Format == ledger.FormatCFONB120 {
		add(tx.TransactionID) // CFONB REF complement
	}
	add(tx.AdditionalInfo)
	if c.Entry != nil {
		add(c.Entry.AdditionalInfo)
	}
	for _, kv := range tx.Extra {
		if extraTextKeys[kv.Key] {
			add(kv.Value)
		}
	}
	for _, r := range tx.CreditorRefs {
		if r.Ref != "" {
			p.StructuredRefs = append(p.StructuredRefs, r.Ref)
		}
	}
	return p
}

// Fingerprint identifies a credit across imports of the same statement:
// account, booking date, amount, references, payer IBAN and remittance,
// hashed. Rejections are keyed by it.
func Fingerprint(c Credit) string {
	h := sha256.New()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	if c.Statement != nil {
		w(c.Statement.Account.ID())
	}
	w(c.Date().String())
	m := c.Amount()
	w(strconv.FormatInt(m.Minor, 10))
	w(string(m.Currency))
	w(c.BankRef())
	if c.Tx != nil {
		w(c.Tx.EndToEndID)
		w(c.Tx.Debtor.IBAN)
		for _, r := range c.Tx.Remittance {
			w(r)
		}
		w(strconv.Itoa(c.Tx.Index))
	}
	if c.Entry != nil {
		w(strconv.Itoa(c.Entry.Index))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

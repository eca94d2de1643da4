package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// BankTransaction is a transaction as the store keeps it: the parsed
// Transaction plus what it needs from its entry and statement, its stored
// identity and the key that makes it unique per account.
type BankTransaction struct {
	ID          string // assigned by the store
	StatementID string // the stored statement that first brought it
	AccountID   string // Account.ID() of the statement
	// DedupKey identifies the transaction within its account across every
	// statement and file (see DedupKey). The store keeps one transaction
	// per (AccountID, DedupKey).
	DedupKey string
	// BankRef is the bank's reference as the match contract defines it
	// (Transaction.BankRef).
	BankRef     string
	EntryIndex  int // 1-based position of the entry in its statement
	BookingDate Date
	ValueDate   Date
	Status      EntryStatus
	Reversal    bool
	BankTxCode  BankTxCode
	// EntryAmount is the booked amount of the whole entry (a batch entry
	// books the sum of its transactions).
	EntryAmount      Money
	EntryAcctSvcrRef string
	EntryRef         string
	EntryInfo        string // the entry's AddtlNtryInf or CFONB label
	Transaction      Transaction
	CreatedAt        time.Time
}

// Signed returns the transaction amount with its sign: positive for a
// credit, negative for a debit.
func (b *BankTransaction) Signed() Money {
	return Money{Minor: b.Transaction.Amount.Minor * b.Transaction.Direction.Sign(), Currency: b.Transaction.Amount.Currency}
}

// EntryTransactions returns the transactions of e, or, when the bank gave no
// transaction details, one transaction standing for the whole entry (amount,
// direction, references and label of the entry).
func EntryTransactions(e *Entry) []Transaction {
	if len(e.Transactions) > 0 {
		return e.Transactions
	}
	return []Transaction{{
		Index:          1,
		Amount:         e.Amount,
		Direction:      e.Direction,
		AcctSvcrRef:    e.AcctSvcrRef,
		AdditionalInfo: e.AdditionalInfo,
	}}
}

// DedupKey returns the key that identifies a transaction within its account,
// so that the same transaction delivered again (the same file twice, or
// overlapping statements) is recognised and stored once.
//
// The bank's own references are not unique enough on their own: banks reuse
// an AcctSvcrRef across days and many transactions carry no reference at all
// (formats.md §4). The key is therefore the SHA-256 (hex) of, in order: a
// version tag, the account, the entry status, the booking date (value date
// when absent), the direction, the currency and amount in minor units, the
// transaction's AcctSvcrRef, the entry's AcctSvcrRef, the TxId, the
// EndToEndId, and ordinal: 1 for the first transaction of a statement with
// these values, 2 for the second identical one, and so on. CFONB parsers put
// their deterministic reference in AcctSvcrRef.
//
// Two genuinely different payments with identical amount, date and
// references on one day stay distinct through the ordinal; the same payment
// in two statements gets the same key as long as each statement lists it
// with the same values. A pending entry and its later booked form differ
// by status and are both kept.
func DedupKey(accountID string, e *Entry, t *Transaction, ordinal int) string {
	return keyOf(dedupBase(accountID, e, t), ordinal)
}

// keyOf hashes a dedup base and its ordinal.
func keyOf(base string, ordinal int) string {
	h := sha256.Sum256([]byte(base + "\x1f" + strconv.Itoa(ordinal)))
	return hex.EncodeToString(h[:])
}

// dedupBase joins the identifying values of a transaction, without ordinal.
func dedupBase(accountID string, e *Entry, t *Transaction) string {
	day := e.BookingDate
	if day.IsZero() {
		day = e.ValueDate
	}
	var b strings.Builder
	for i, p := range []string{
		"v1", accountID, string(e.Status), day.String(), string(t.Direction),
		string(t.Amount.Currency), strconv.FormatInt(t.Amount.Minor, 10),
		t.AcctSvcrRef, e.AcctSvcrRef, t.TransactionID, t.EndToEndID,
	} {
		if i > 0 {
			b.WriteByte(0x1f)
		}
		b.WriteString(p)
	}
	return b.String()
}

// KeyedTransaction is one transaction of a statement with its entry and
// dedup key, as KeyTransactions produces them.
type KeyedTransaction struct {
	Entry       *Entry
	Transaction Transaction
	Key         string
}

// KeyTransactions lists the transactions of a statement's entries in order
// (EntryTransactions of each entry) with their dedup keys, numbering
// identical transactions 1, 2, … within the statement.
func KeyTransactions(accountID string, entries []*Entry) []KeyedTransaction {
	seen := make(map[string]int)
	var out []KeyedTransaction
	for _, e := range entries {
		for _, t := range EntryTransactions(e) {
			base := dedupBase(accountID, e, &t)
			seen[base]++
			out = append(out, KeyedTransaction{Entry: e, Transaction: t, Key: keyOf(base, seen[base])})
		}
	}
	return out
}

// NewBankTransaction builds the stored form of a keyed transaction of a
// statement (without ID, StatementID and CreatedAt, which the store sets).
func NewBankTransaction(s *Statement, k KeyedTransaction) BankTransaction {
	e, t := k.Entry, k.Transaction
	return BankTransaction{
		AccountID:        s.Account.ID(),
		DedupKey:         k.Key,
		BankRef:          t.BankRef(e),
		EntryIndex:       e.Index,
		BookingDate:      e.BookingDate,
		ValueDate:        e.ValueDate,
		Status:           e.Status,
		Reversal:         e.Reversal,
		BankTxCode:       e.BankTxCode,
		EntryAmount:      e.Amount,
		EntryAcctSvcrRef: e.AcctSvcrRef,
		EntryRef:         e.EntryRef,
		EntryInfo:        e.AdditionalInfo,
		Transaction:      t,
	}
}

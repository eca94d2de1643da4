package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Fixture values shared by the tests.
const (
	testIBAN  = "FR7630006000011234567890189"
	payerIBAN = "DE89370400440532013000"
	eur       = ledger.Currency("EUR")
)

func eurs(minor int64) ledger.Money { return ledger.Money{Minor: minor, Currency: eur} }

func day(d int) ledger.Date { return ledger.NewDate(2026, time.November, d) }

// hashOf returns a content hash for a test file name.
func hashOf(name string) string {
	h := sha256.Sum256([]byte(name))
	return hex.EncodeToString(h[:])
}

// credit is a booked credit entry with one transaction.
func credit(ref string, minor int64, d ledger.Date) *ledger.Entry {
	return &ledger.Entry{
		Amount: eurs(minor), Direction: ledger.Credit, Status: ledger.StatusBooked,
		BookingDate: d, ValueDate: d, AcctSvcrRef: ref,
		BankTxCode: ledger.BankTxCode{Domain: "PMNT", Family: "RCDT", SubFamily: "ESCT"},
		Transactions: []ledger.Transaction{{
			Index: 1, Amount: eurs(minor), Direction: ledger.Credit,
			AcctSvcrRef: ref, EndToEndID: "E2E-" + ref,
			Debtor:       ledger.Party{Name: "ACME SARL", IBAN: payerIBAN},
			Remittance:   []string{"FACTURE FA-2026-0012", "MERCI"},
			CreditorRefs: []ledger.CreditorReference{{Type: "SCOR", Ref: "RF18539007547034"}},
			Extra:        []ledger.KeyValue{{Key: "RUM", Value: "MANDATE-1"}},
		}},
	}
}

// batch is a booked credit entry carrying several transactions.
func batch(ref string, d ledger.Date, minors ...int64) *ledger.Entry {
	e := &ledger.Entry{Direction: ledger.Credit, Status: ledger.StatusBooked, BookingDate: d, ValueDate: d, AcctSvcrRef: ref}
	for i, m := range minors {
		e.Amount.Minor += m
		e.Transactions = append(e.Transactions, ledger.Transaction{
			Index: i + 1, Amount: eurs(m), Direction: ledger.Credit, EndToEndID: fmt.Sprintf("%s-%d", ref, i+1),
			Debtor: ledger.Party{Name: fmt.Sprintf("PAYER %d", i+1)},
		})
	}
	e.Amount.Currency = eur
	return e
}

// statementOf is a statement of the test account with its entries
// numbered in order.
func statementOf(id string, entries ...*ledger.Entry) ledger.ParsedStatement {
	st := &ledger.Statement{
		Format: "camt.053.001.08", MessageID: "MSG-" + id, StatementID: id, ElectronicSeq: id,
		CreatedAt: time.Date(2026, 11, 3, 6, 0, 0, 0, time.UTC),
		Account:   ledger.Account{IBAN: testIBAN, Currency: eur, BIC: "SOGEFRPP"},
		From:      day(1), To: day(30), LastPage: true,
		Balances: []ledger.Balance{{Type: ledger.OpeningBooked, Amount: eurs(100000), Date: day(1)}},
	}
	for i, e := range entries {
		e.Index = i + 1
		st.Totals.Add(e)
	}
	return ledger.ParsedStatement{Statement: st, Entries: entries}
}

// fileOf is a statement file named name holding the statements.
func fileOf(name string, sts ...ledger.ParsedStatement) ledger.StatementFile {
	return ledger.StatementFile{Hash: hashOf(name), Name: name, Size: 1234, Format: "camt.053.001.08", Statements: sts}
}

// invoice is an open EUR invoice of customer C1 due on day 10.
func invoice(id string, minor int64) ledger.Invoice {
	return ledger.Invoice{
		ID: id, Number: "FA-" + id, CustomerID: "C1", CustomerName: "ACME SARL",
		Amount: eurs(minor), Open: eurs(minor), IssueDate: day(1), DueDate: day(10),
		RFReference: "RF18" + id, Segment: "standard",
	}
}

// anyWrite is a Write without events.
func anyWrite[R any](actor string) ledger.Write[R] {
	return ledger.Write[R]{Actor: actor, Reason: "test"}
}

package camt053

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixtureDir holds the public bank samples (see fixtures/SOURCES.md).
const fixtureDir = "../../../fixtures/camt053"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return data
}

// parseBytes parses data into a Collector.
func parseBytes(t testing.TB, data []byte) (*statement.Collector, error) {
	t.Helper()
	var c statement.Collector
	err := Parse(context.Background(), bytes.NewReader(data), &c)
	return &c, err
}

// mustParse parses data and fails the test on error.
func mustParse(t testing.TB, data []byte) *statement.Collector {
	t.Helper()
	c, err := parseBytes(t, data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return c
}

// money parses a decimal amount for expectations: "-12.30" EUR.
func money(t testing.TB, s string, c ledger.Currency) ledger.Money {
	t.Helper()
	m, err := ledger.ParseMoney(s, c)
	if err != nil {
		t.Fatalf("bad expectation %q: %v", s, err)
	}
	return m
}

// date parses "2006-01-02" for expectations.
func date(t testing.TB, s string) ledger.Date {
	t.Helper()
	d, err := ledger.ParseDate(s)
	if err != nil {
		t.Fatalf("bad expectation %q: %v", s, err)
	}
	return d
}

// replace returns data with old replaced by new exactly once.
func replace(t testing.TB, data []byte, old, new string) []byte {
	t.Helper()
	if n := bytes.Count(data, []byte(old)); n != 1 {
		t.Fatalf("%q occurs %d times, want once", old, n)
	}
	return bytes.Replace(data, []byte(old), []byte(new), 1)
}

// wantParseError checks that err is a *statement.ParseError whose text
// contains every part.
func wantParseError(t testing.TB, err error, parts ...string) *statement.ParseError {
	t.Helper()
	var pe *statement.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v (%T), want *statement.ParseError", err, err)
	}
	for _, p := range parts {
		if !strings.Contains(pe.Error(), p) {
			t.Errorf("error %q does not contain %q", pe.Error(), p)
		}
	}
	return pe
}

// sampleStatement builds a statement of n entries that uses every field the
// decoder extracts (for version 001.08; older versions have no UETR), with
// balances that add up.
func sampleStatement(t testing.TB, n int) (*ledger.Statement, []*ledger.Entry) {
	t.Helper()
	eur := ledger.Currency("EUR")
	day := ledger.NewDate(2026, time.November, 3)
	var entries []*ledger.Entry
	var credits, debits int64
	for i := 1; i <= n; i++ {
		amt := int64(i*1733%500000 + 1)
		e := &ledger.Entry{
			Index: i, Amount: ledger.Money{Minor: amt, Currency: eur}, Direction: ledger.Credit, Status: ledger.StatusBooked,
			BookingDate: day, ValueDate: day.AddDays(i % 3), AcctSvcrRef: fmt.Sprintf("ACS%05d", i), EntryRef: fmt.Sprintf("N%d", i),
			BankTxCode: ledger.BankTxCode{Domain: "PMNT", Family: "RCDT", SubFamily: "ESCT", Proprietary: "0158", Issuer: "CFONB"},
		}
		tx := ledger.Transaction{Index: 1, Amount: e.Amount, Direction: ledger.Credit}
		switch i % 7 {
		case 0: // SEPA credit with everything about the payer
			tx.EndToEndID, tx.InstructionID, tx.UETR = fmt.Sprintf("E2E-%d", i), fmt.Sprintf("INSTR-%d", i), "d0826d0f-a005-5e3b-b3dc-54da4ac7f0d0"
			tx.Debtor = ledger.Party{Name: "Société Générale d'Équipement & Fils", IBAN: "FR7630006000011234567890189"}
			tx.UltimateDebtor = ledger.Party{Name: "Filiale Sud"}
			tx.DebtorAgentBIC = "AGRIFRPP"
			tx.Remittance = []string{"Facture FA-2026-0012 <urgent>", "Solde \"avoir\" 12 €"}
		case 1: // returned direct debit: a reversal, booked as the debit it is
			e.Direction, e.Reversal = ledger.Debit, true
			e.BankTxCode = ledger.BankTxCode{Domain: "PMNT", Family: "IDDT", SubFamily: "UPDD"}
			tx.Direction, tx.MandateID, tx.ReturnReason, tx.EndToEndID = ledger.Debit, "RUM-778", "MD06", "SDD-"+fmt.Sprint(i)
			tx.Creditor = ledger.Party{Name: "URSSAF"}
		case 2: // pending: reported, not summed
			e.Status = ledger.StatusPending
		case 3: // batch of three
			a, b := amt/3, amt/4
			tx.Amount.Minor = a
			tx.Debtor = ledger.Party{Name: "Payeur A", Other: "ACC-1"}
			e.Transactions = []ledger.Transaction{tx,
				{Index: 2, Amount: ledger.Money{Minor: b, Currency: eur}, Direction: ledger.Credit, Debtor: ledger.Party{Name: "Payeur B"}, EndToEndID: "B2"},
				{Index: 3, Amount: ledger.Money{Minor: amt - a - b, Currency: eur}, Direction: ledger.Credit, Debtor: ledger.Party{Name: "Payeur C"},
					MessageID: "MSG-9", PaymentInfoID: "PMT-9", TransactionID: "TX-9", AcctSvcrRef: "TXACS-9"}}
		case 4: // outgoing payment to a supplier known by a non-IBAN account
			e.Direction, tx.Direction = ledger.Debit, ledger.Debit
			tx.Creditor = ledger.Party{Name: "Fournisseur SARL", Other: "29501800020582"}
			tx.UltimateCreditor = ledger.Party{Name: "Groupe Fournisseur"}
			tx.CreditorAgentBIC = "SOGEFRPP"
			tx.AdditionalInfo = "Virement fournisseur"
		case 5: // structured creditor references
			tx.CreditorRefs = []ledger.CreditorReference{{Type: "SCOR", Ref: "RF18539007547034"}, {Type: "QRR", Ref: "000000270148751802165444888"}}
			tx.Remittance = []string{"ligne 1", "ligne 2", "ligne 3"}
		case 6:
			e.AdditionalInfo = "Remise de chèques n° 42"
			tx.AcctSvcrRef, tx.AdditionalInfo = "TXACS", "détail"
		}
		if e.Transactions == nil {
			e.Transactions = []ledger.Transaction{tx}
		}
		if e.Status == ledger.StatusBooked {
			if e.Direction == ledger.Credit {
				credits += amt
			} else {
				debits += amt
			}
		}
		entries = append(entries, e)
	}
	s := &ledger.Statement{
		MessageID: "MSG-2026-11-03", CreatedAt: time.Date(2026, time.November, 4, 6, 0, 0, 0, time.FixedZone("", 3600)),
		StatementID: "STMT-2026-11-03", ElectronicSeq: "307", LegalSeq: "44", Page: 1, LastPage: true,
		Account: ledger.Account{IBAN: "FR7610107001011234567890129", Currency: eur, BIC: "BREDFRPP"},
		From:    day, To: day,
		Balances: []ledger.Balance{
			{Type: ledger.OpeningBooked, Amount: ledger.Money{Minor: -150000, Currency: eur}, Date: day},
			{Type: ledger.ClosingBooked, Amount: ledger.Money{Minor: -150000 + credits - debits, Currency: eur}, Date: day},
			{Type: ledger.ClosingAvailable, Amount: ledger.Money{Minor: 99, Currency: eur}, Date: day.AddDays(1)},
		},
	}
	return s, entries
}

package bench

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lettrage/lettrage/fixtures/render"
	"github.com/lettrage/lettrage/internal/ledger"
)

// PayCorpusSpec describes a generated set of open invoices and the bank
// statements that pay them: every invoice is paid by exactly one booked
// credit of exactly its amount, from its customer's IBAN, with its number
// in the remittance text, so that each one is lettered automatically. The
// same spec always gives the same bytes.
type PayCorpusSpec struct {
	// Seed varies amounts, customers and references.
	Seed uint64
	// Statements is how many statement files to write.
	Statements int
	// CreditsPerStatement is how many invoices each statement pays.
	CreditsPerStatement int
	// DebitsPerStatement adds that many supplier payments (booked debits
	// that pay no invoice) to each statement.
	DebitsPerStatement int
	// FirstInvoice numbers the first invoice (0 means 1): successive
	// corpora with disjoint ranges pay distinct invoices and carry distinct
	// bank references.
	FirstInvoice int
	// Formats are cycled over the statements: "camt.053.001.02" …
	// "camt.053.001.13" or "cfonb120". Empty means camt.053.001.08.
	Formats []string
	// FirstDay is the day of the first statement; each next statement of
	// the corpus covers the next day. Zero means 2026-01-05.
	FirstDay ledger.Date
}

// PayInvoice is one generated open invoice and who pays it.
type PayInvoice struct {
	ID, Number   string
	CustomerID   string
	CustomerName string
	CustomerIBAN string
	// Amount is the amount due, in EUR minor units.
	Amount    int64
	IssueDate ledger.Date
	DueDate   ledger.Date
	// Statement is the index in PayCorpus.Statements of the statement
	// whose credit pays it, and BankRef that credit's bank reference.
	Statement int
	BankRef   string
}

// PayStatement is one generated statement file.
type PayStatement struct {
	// Name is the file name to drop it under (its extension follows the
	// format: .xml or .txt).
	Name string
	// Format is the format it is rendered in.
	Format  string
	Header  *ledger.Statement
	Entries []*ledger.Entry
	// Invoices are the ids of the invoices its credits pay, in entry order.
	Invoices []string
	// Data is the rendered file.
	Data []byte
}

// PayCorpus is the generated invoices and statements of a PayCorpusSpec.
type PayCorpus struct {
	Invoices   []PayInvoice
	Statements []PayStatement
}

// Transactions is the number of transactions of all the statements.
func (c *PayCorpus) Transactions() int {
	n := 0
	for i := range c.Statements {
		for _, e := range c.Statements[i].Entries {
			n += len(e.Transactions)
		}
	}
	return n
}

// payCustomers are the generated payers; a customer's IBAN is derived
// from its index.
var payCustomers = []string{
	"SARL Boulangerie Martin", "Dupont et Fils SA", "Ets Leroy", "Muller GmbH", "Societe Generale d'Equipement",
	"Atelier du Cuir", "Cabinet Durand-Lefevre", "SAS Transports Roux", "Patisserie Elise", "Garage Moreau",
	"Imprimerie Faure", "Menuiserie Blanc", "Laboratoires Girard", "Hotel des Alpes", "Ferme du Bocage",
	"Librairie Mercier", "Plomberie Lambert", "Optique Bonnet", "Cave Fontaine", "Studio Chevalier",
}

// PayCustomerIBAN is the IBAN customer i of the generated corpus pays from.
func PayCustomerIBAN(i int) string {
	return ibanOf("FR", fmt.Sprintf("%05d%05d%011d%02d", 30002+i, 100+i, 7_000_000+i*137, 10+i%80))
}

// ibanOf returns the IBAN of a country and a numeric BBAN, with its check
// digits (ISO 13616: 98 − the remainder by 97 of BBAN + country + "00",
// letters as 10…35).
func ibanOf(country, bban string) string {
	rem := 0
	for _, r := range bban + country + "00" {
		v := int(r - '0')
		if r >= 'A' && r <= 'Z' {
			v = int(r-'A') + 10
			rem = (rem*100 + v) % 97
			continue
		}
		rem = (rem*10 + v) % 97
	}
	return fmt.Sprintf("%s%02d%s", country, 98-rem, bban)
}

// payAccount is the account every generated statement is about (the CFONB
// ones are about its RIB).
const payAccount = "FR7630006000011234567890189"

// NewPayCorpus generates the corpus spec describes.
func NewPayCorpus(spec PayCorpusSpec) (*PayCorpus, error) {
	if spec.Statements < 1 || spec.CreditsPerStatement < 1 {
		return nil, fmt.Errorf("pay corpus: want at least one statement and one credit per statement, got %d and %d", spec.Statements, spec.CreditsPerStatement)
	}
	first := max(spec.FirstInvoice, 1)
	formats := spec.Formats
	if len(formats) == 0 {
		formats = []string{"camt.053.001.08"}
	}
	day0 := spec.FirstDay
	if day0.IsZero() {
		day0 = ledger.NewDate(2026, time.January, 5)
	}
	eur := ledger.Currency("EUR")
	c := &PayCorpus{}
	balance := map[string]int64{} // by account kind: camt or cfonb
	seq := map[string]int{}
	n := first
	for k := 0; k < spec.Statements; k++ {
		format := formats[k%len(formats)]
		kind := "camt"
		if format == string(ledger.FormatCFONB120) {
			kind = "cfonb"
		} else if !strings.HasPrefix(format, "camt.053.") {
			return nil, fmt.Errorf("pay corpus: format %q: want camt.053.001.xx or cfonb120", format)
		}
		day := day0.AddDays(k)
		st := PayStatement{Format: format}
		id := fmt.Sprintf("%d-%07d", spec.Seed, n) // by the first invoice it pays: unique across disjoint corpora
		for j := 0; j < spec.CreditsPerStatement; j++ {
			h := camtHash(spec.Seed ^ uint64(n)*0x9E3779B97F4A7C15)
			cust := int(h % uint64(len(payCustomers)))
			inv := PayInvoice{
				ID: fmt.Sprintf("INV-%07d", n), Number: fmt.Sprintf("FA-2026-%07d", n),
				CustomerID: fmt.Sprintf("C%03d", cust), CustomerName: payCustomers[cust], CustomerIBAN: PayCustomerIBAN(cust),
				Amount:    int64((h>>8)%999_000) + 1_000, // 10.00 … 9 999.99
				IssueDate: day.AddDays(-30), DueDate: day.AddDays(-1),
				Statement: len(c.Statements), BankRef: fmt.Sprintf("PAY%09d", n),
			}
			c.Invoices = append(c.Invoices, inv)
			st.Invoices = append(st.Invoices, inv.ID)
			st.Entries = append(st.Entries, PayCredit(inv, len(st.Entries)+1, day))
			n++
		}
		for j := 0; j < spec.DebitsPerStatement; j++ {
			h := camtHash(spec.Seed ^ uint64(k*1000+j+1)*0xBF58476D1CE4E5B9)
			amt := ledger.Money{Minor: int64(h%500_000) + 500, Currency: eur}
			ref := fmt.Sprintf("SUP%02d%09d", j, n)
			st.Entries = append(st.Entries, &ledger.Entry{
				Index: len(st.Entries) + 1, Amount: amt, Direction: ledger.Debit, Status: ledger.StatusBooked,
				BookingDate: day, ValueDate: day, AcctSvcrRef: ref,
				BankTxCode: ledger.BankTxCode{Domain: "PMNT", Family: "ICDT", SubFamily: "ESCT", Proprietary: "0117", Issuer: "CFONB"},
				Transactions: []ledger.Transaction{{Index: 1, Amount: amt, Direction: ledger.Debit, EndToEndID: ref,
					Creditor:   ledger.Party{Name: "Fournitures Dubois", IBAN: "FR7610107001011234567890129"},
					Remittance: []string{"Facture fournisseur " + ref}}},
			})
		}
		if _, ok := balance[kind]; !ok {
			balance[kind] = 10_000_00
		}
		seq[kind]++
		st.Header = PayStatementHeader(id, day, balance[kind], st.Entries)
		balance[kind] = st.Header.Balances[1].Amount.Minor
		if kind == "camt" {
			st.Header.ElectronicSeq = strconv.Itoa(seq[kind])
			st.Name = "stmt-" + id + ".xml"
		} else {
			st.Name = "stmt-" + id + ".txt"
		}
		data, err := RenderStatement(format, st.Header, st.Entries)
		if err != nil {
			return nil, fmt.Errorf("pay corpus: statement %d: %w", k, err)
		}
		st.Data = data
		c.Statements = append(c.Statements, st)
	}
	return c, nil
}

// PayStatementHeader is the header of a one-day statement of the corpus
// account (IBAN FR7630006000011234567890189, EUR) with the given id
// (StatementID "STMT-<id>", MessageID "MSG-<id>"), its opening balance,
// and a closing balance that the booked entries make check.
func PayStatementHeader(id string, day ledger.Date, opening int64, entries []*ledger.Entry) *ledger.Statement {
	closing := opening
	for _, e := range entries {
		if e.Status == ledger.StatusBooked {
			closing += e.Direction.Sign() * e.Amount.Minor
		}
	}
	eur := ledger.Currency("EUR")
	return &ledger.Statement{
		MessageID:   "MSG-" + id,
		CreatedAt:   time.Date(day.Year, day.Month, day.Day, 18, 0, 0, 0, time.UTC),
		StatementID: "STMT-" + id,
		Account:     ledger.Account{IBAN: payAccount, Currency: eur, BIC: "AGRIFRPP"},
		From:        day, To: day,
		Balances: []ledger.Balance{
			{Type: ledger.OpeningBooked, Amount: ledger.Money{Minor: opening, Currency: eur}, Date: day},
			{Type: ledger.ClosingBooked, Amount: ledger.Money{Minor: closing, Currency: eur}, Date: day},
		},
	}
}

// PayCredit is the booked credit that pays inv in full on day: its
// number in the remittance text, its customer's name and IBAN as debtor,
// inv.BankRef as the bank's reference. index is the entry's position.
func PayCredit(inv PayInvoice, index int, day ledger.Date) *ledger.Entry {
	amt := ledger.Money{Minor: inv.Amount, Currency: "EUR"}
	return &ledger.Entry{
		Index: index, Amount: amt, Direction: ledger.Credit, Status: ledger.StatusBooked,
		BookingDate: day, ValueDate: day, AcctSvcrRef: inv.BankRef,
		BankTxCode: ledger.BankTxCode{Domain: "PMNT", Family: "RCDT", SubFamily: "ESCT", Proprietary: "0158", Issuer: "CFONB"},
		Transactions: []ledger.Transaction{{
			Index: 1, Amount: amt, Direction: ledger.Credit,
			EndToEndID:     "E2E-" + inv.BankRef,
			Debtor:         ledger.Party{Name: inv.CustomerName, IBAN: inv.CustomerIBAN},
			DebtorAgentBIC: "BNPAFRPP",
			Remittance:     []string{"Reglement facture " + inv.Number},
		}},
	}
}

// RenderStatement renders one statement in format ("camt.053.001.xx" or
// "cfonb120").
func RenderStatement(format string, s *ledger.Statement, entries []*ledger.Entry) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if format == string(ledger.FormatCFONB120) {
		err = render.WriteCFONB120(&buf, s, entries)
	} else {
		err = render.WriteCAMT053(&buf, strings.TrimPrefix(format, "camt.053."), s, entries)
	}
	return buf.Bytes(), err
}

// InvoicesCSV renders invoices in the import format of contract.md.
func InvoicesCSV(invs []PayInvoice) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"invoice_id", "number", "customer_id", "customer_name", "amount", "currency", "issue_date", "due_date", "customer_iban"})
	for _, inv := range invs {
		_ = w.Write([]string{inv.ID, inv.Number, inv.CustomerID, inv.CustomerName, ledger.FormatMinor(inv.Amount, 2), "EUR",
			inv.IssueDate.String(), inv.DueDate.String(), inv.CustomerIBAN})
	}
	w.Flush() // a bytes.Buffer does not fail
	return b.Bytes()
}

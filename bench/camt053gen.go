// Package bench holds Lettrage's end-to-end benchmarks and quality reports,
// and the deterministic generators that feed them.
package bench

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/lettrage/lettrage/fixtures/render"
	"github.com/lettrage/lettrage/internal/ledger"
)

// CAMT053Spec describes a generated camt.053 statement.
type CAMT053Spec struct {
	Version string // "001.02", "001.08", …
	Entries int    // number of Ntry elements
	Seed    uint64 // varies the content; the same spec always gives the same bytes
}

// CAMT053Summary is what a generated statement must parse back to.
type CAMT053Summary struct {
	Entries      int
	Transactions int
	Credits      int64 // booked credits, minor units
	Debits       int64 // booked debits, minor units
	Opening      int64
	Closing      int64
}

// camtOpening is the generated statement's opening booked balance.
const camtOpening = 100_000_000_00

// camtHash is a tiny deterministic hash: entry i's content depends only on
// (seed, i), so the totals can be computed before the entries are written.
func camtHash(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// camtKind picks the shape of entry i.
type camtKind int

const (
	camtCredit      camtKind = iota // single SEPA credit transfer with Ustrd
	camtCreditRF                    // single credit with an ISO 11649 RF reference
	camtDebit                       // outgoing transfer
	camtDirectDebit                 // SEPA direct debit collected from us
	camtBatch                       // credit batch of three transactions
)

func camtKindOf(h uint64) camtKind {
	switch p := h % 100; {
	case p < 60:
		return camtCredit
	case p < 75:
		return camtCreditRF
	case p < 88:
		return camtDebit
	case p < 95:
		return camtDirectDebit
	}
	return camtBatch
}

// camtAmount returns the minor-unit amount of entry i (or of part j of a batch).
func camtAmount(h uint64, part int) int64 {
	return int64(camtHash(h+uint64(part)*7919)%9_999_900) + 100 // 1.00 … 99 999.99
}

// camtShapeOf returns the direction, number of transactions and amount of entry
// i without building it.
func camtShapeOf(seed uint64, i int) (ledger.Direction, int, int64) {
	h := camtHash(seed ^ uint64(i)*0x2545F4914F6CDD1D)
	switch camtKindOf(h) {
	case camtDebit, camtDirectDebit:
		return ledger.Debit, 1, camtAmount(h, 0)
	case camtBatch:
		return ledger.Credit, 3, camtAmount(h, 1) + camtAmount(h, 2) + camtAmount(h, 3)
	}
	return ledger.Credit, 1, camtAmount(h, 0)
}

// CAMT053SummaryOf computes the totals of the statement spec describes.
func CAMT053SummaryOf(spec CAMT053Spec) CAMT053Summary {
	s := CAMT053Summary{Entries: spec.Entries, Opening: camtOpening}
	for i := 1; i <= spec.Entries; i++ {
		dir, n, amt := camtShapeOf(spec.Seed, i)
		s.Transactions += n
		if dir == ledger.Credit {
			s.Credits += amt
		} else {
			s.Debits += amt
		}
	}
	s.Closing = s.Opening + s.Credits - s.Debits
	return s
}

var (
	camtPayers = []string{"SARL BOULANGERIE MARTIN", "Dupont & Fils SA", "ETS LEROY", "Müller GmbH", "Société Générale d'Équipement",
		"ATELIER DU CUIR", "Cabinet Durand-Lefèvre", "SAS TRANSPORTS ROUX", "Pâtisserie Élise", "GARAGE MOREAU <SUD>"}
	camtBICs = []string{"BNPAFRPPXXX", "SOGEFRPP", "CRLYFRPP", "AGRIFRPP882", "CMCIFRPP", "DEUTDEFF", "CEPAFRPP751"}
)

// camtIBAN returns a plausible (not checksummed) French IBAN for h.
func camtIBAN(h uint64) string {
	return "FR76" + fmt.Sprintf("%023d", h%100_000_000_000_000_000)
}

// CAMT053Entry builds entry i of the statement spec describes.
func CAMT053Entry(spec CAMT053Spec, i int) *ledger.Entry {
	h := camtHash(spec.Seed ^ uint64(i)*0x2545F4914F6CDD1D)
	dir, n, amt := camtShapeOf(spec.Seed, i)
	day := ledger.NewDate(2026, time.November, 2+int(h%5))
	e := &ledger.Entry{
		Index:       i,
		Amount:      ledger.Money{Minor: amt, Currency: "EUR"},
		Direction:   dir,
		Status:      ledger.StatusBooked,
		BookingDate: day,
		ValueDate:   day,
		AcctSvcrRef: fmt.Sprintf("2026110%dA%07d", h%5+2, i),
		EntryRef:    fmt.Sprintf("%07d", i%10_000_000),
	}
	payer := camtPayers[h%uint64(len(camtPayers))]
	bic := camtBICs[(h>>8)%uint64(len(camtBICs))]
	invoice := "FA-2026-" + fmt.Sprintf("%06d", (h>>16)%1_000_000)
	switch camtKindOf(h) {
	case camtCredit, camtCreditRF:
		e.BankTxCode = ledger.BankTxCode{Domain: "PMNT", Family: "RCDT", SubFamily: "ESCT", Proprietary: "0158", Issuer: "CFONB"}
		t := ledger.Transaction{
			Index: 1, Amount: e.Amount, Direction: dir,
			AcctSvcrRef:    "TX" + strconv.Itoa(i),
			EndToEndID:     "E2E-" + strconv.FormatUint(h%1_000_000_000, 36),
			InstructionID:  "INSTR" + strconv.Itoa(i),
			Debtor:         ledger.Party{Name: payer, IBAN: camtIBAN(h)},
			DebtorAgentBIC: bic,
		}
		if camtKindOf(h) == camtCredit {
			t.Remittance = []string{"Reglement facture " + invoice, "Client " + strconv.FormatUint(h%90000+10000, 10)}
		} else {
			t.CreditorRefs = []ledger.CreditorReference{{Type: "SCOR", Ref: "RF18" + fmt.Sprintf("%010d", h%10_000_000_000)}}
		}
		e.Transactions = []ledger.Transaction{t}
	case camtDebit:
		e.BankTxCode = ledger.BankTxCode{Domain: "PMNT", Family: "ICDT", SubFamily: "ESCT"}
		e.Transactions = []ledger.Transaction{{
			Index: 1, Amount: e.Amount, Direction: dir,
			EndToEndID:       "PAY-" + strconv.Itoa(i),
			Creditor:         ledger.Party{Name: payer, IBAN: camtIBAN(h >> 3)},
			CreditorAgentBIC: bic,
			Remittance:       []string{"Facture fournisseur " + invoice},
		}}
	case camtDirectDebit:
		e.BankTxCode = ledger.BankTxCode{Domain: "PMNT", Family: "IDDT", SubFamily: "ESDD"}
		e.Transactions = []ledger.Transaction{{
			Index: 1, Amount: e.Amount, Direction: dir,
			EndToEndID: "SDD-" + strconv.Itoa(i),
			MandateID:  "RUM" + strconv.FormatUint(h%1_000_000, 10),
			Creditor:   ledger.Party{Name: "URSSAF ILE DE FRANCE"},
			Remittance: []string{"Prelevement " + invoice},
		}}
	case camtBatch:
		e.BankTxCode = ledger.BankTxCode{Domain: "PMNT", Family: "RCDT", SubFamily: "ESCT"}
		for j := 1; j <= n; j++ {
			hj := camtHash(h + uint64(j))
			e.Transactions = append(e.Transactions, ledger.Transaction{
				Index: j, Amount: ledger.Money{Minor: camtAmount(h, j), Currency: "EUR"}, Direction: dir,
				EndToEndID:     "BATCH" + strconv.Itoa(i) + "-" + strconv.Itoa(j),
				Debtor:         ledger.Party{Name: camtPayers[hj%uint64(len(camtPayers))], IBAN: camtIBAN(hj)},
				DebtorAgentBIC: camtBICs[hj%uint64(len(camtBICs))],
				Remittance:     []string{"FA-2026-" + fmt.Sprintf("%06d", hj%1_000_000)},
			})
		}
	}
	return e
}

// CAMT053Statement returns the statement header of spec, balances included.
func CAMT053Statement(spec CAMT053Spec, sum CAMT053Summary) *ledger.Statement {
	return &ledger.Statement{
		MessageID:     "GEN-" + strconv.FormatUint(spec.Seed, 10),
		CreatedAt:     time.Date(2026, time.November, 7, 6, 30, 0, 0, time.FixedZone("CET", 3600)),
		StatementID:   "STMT-" + strconv.FormatUint(spec.Seed, 10),
		ElectronicSeq: "311",
		Account:       ledger.Account{IBAN: "FR7630006000011234567890189", Currency: "EUR", BIC: "AGRIFRPP"},
		From:          ledger.NewDate(2026, time.November, 2),
		To:            ledger.NewDate(2026, time.November, 6),
		Balances: []ledger.Balance{
			{Type: ledger.OpeningBooked, Amount: ledger.Money{Minor: sum.Opening, Currency: "EUR"}, Date: ledger.NewDate(2026, time.November, 2)},
			{Type: ledger.ClosingBooked, Amount: ledger.Money{Minor: sum.Closing, Currency: "EUR"}, Date: ledger.NewDate(2026, time.November, 6)},
		},
	}
}

// WriteCAMT053 writes the statement spec describes to w, streaming, and
// returns its summary.
func WriteCAMT053(w io.Writer, spec CAMT053Spec) (CAMT053Summary, error) {
	sum := CAMT053SummaryOf(spec)
	cw, err := render.NewCAMT053Writer(w, spec.Version)
	if err != nil {
		return CAMT053Summary{}, err
	}
	if err := cw.Statement(CAMT053Statement(spec, sum)); err != nil {
		return CAMT053Summary{}, err
	}
	for i := 1; i <= spec.Entries; i++ {
		if err := cw.Entry(CAMT053Entry(spec, i)); err != nil {
			return CAMT053Summary{}, err
		}
	}
	return sum, cw.Close()
}

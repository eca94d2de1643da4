package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// inv builds an open invoice of the test ledger.
func inv(id, number, cust, name, amount string, issue string) ledger.Invoice {
	m, err := ledger.ParseMoney(amount, "EUR")
	if err != nil {
		panic(err)
	}
	d, _ := ledger.ParseDate(issue)
	return ledger.Invoice{ID: id, Number: number, CustomerID: cust, CustomerName: name, Amount: m, Open: m,
		IssueDate: d, DueDate: d.AddDays(30), Status: ledger.InvoiceOpen}
}

// testLedger is a small creditor's open invoices: several customers, a few
// sharing amounts, names differing only by legal form, numbers of one
// scheme.
func testLedger() ([]ledger.Invoice, []ledger.Customer) {
	invs := []ledger.Invoice{
		inv("I01", "FA-2026-0012", "C01", "Boulangerie Martineau SARL", "1200.00", "2026-09-01"),
		inv("I02", "FA-2026-0013", "C01", "Boulangerie Martineau SARL", "845.30", "2026-09-05"),
		inv("I03", "FA-2026-0014", "C02", "Transports Dupont SAS", "2400.00", "2026-09-07"),
		inv("I04", "FA-2026-0015", "C03", "Transports Dupont SARL", "1000.00", "2026-09-08"),
		inv("I05", "FA-2026-0016", "C04", "Garage Lefèvre", "1000.00", "2026-09-09"),
		inv("I06", "FA-2026-0017", "C05", "Cabinet Rousseau", "3150.75", "2026-09-10"),
		inv("I07", "FA-2026-0018", "C05", "Cabinet Rousseau", "1999.99", "2026-09-11"),
		inv("I08", "FA-2026-0019", "C06", "Pharmacie du Centre", "640.00", "2026-09-12"),
		inv("I09", "FA-2026-0020", "C06", "Pharmacie du Centre", "640.00", "2026-09-13"),
		inv("I10", "FA-2026-0021", "C07", "Menuiserie Girard", "517.42", "2026-09-14"),
		inv("I11", "FA-2026-0022", "C07", "Menuiserie Girard", "232.58", "2026-09-15"),
		inv("I12", "FA-2026-0023", "C07", "Menuiserie Girard", "411.11", "2026-09-16"),
		inv("I13", "FA-2026-0024", "C08", "Atelier Benoît", "780.00", "2026-12-20"),
		inv("I14", "FA-2026-0123", "C09", "Librairie Morel", "1000.00", "2026-09-18"),
		inv("I15", "FA-2026-0300", "C10", "Fromagerie Vasseur", "1234.56", "2026-09-19"),
	}
	invs[14].RFReference = "RF18539007547034"
	custs := []ledger.Customer{
		{ID: "C01", Name: "Boulangerie Martineau SARL", IBANs: []string{"FR7630006000011234567890189"}},
		{ID: "C06", Name: "Pharmacie du Centre", IBANs: []string{"FR1420041010050500013M02606"}},
		{ID: "C07", Name: "Menuiserie Girard", IBANs: []string{"DE89370400440532013000"}},
	}
	return invs, custs
}

// credit builds a booked credit of the given amount on 2026-11-03.
func credit(amount, payer, iban string, remittance ...string) Credit {
	m, err := ledger.ParseMoney(amount, "EUR")
	if err != nil {
		panic(err)
	}
	tx := &ledger.Transaction{Index: 1, Amount: m, Direction: ledger.Credit, AcctSvcrRef: "BANKREF-" + amount,
		Debtor: ledger.Party{Name: payer, IBAN: iban}, Remittance: remittance}
	e := &ledger.Entry{Index: 1, Amount: m, Direction: ledger.Credit, Status: ledger.StatusBooked,
		BookingDate: ledger.NewDate(2026, 11, 3), Transactions: []ledger.Transaction{*tx}}
	st := &ledger.Statement{Account: ledger.Account{IBAN: "FR7610107001011234567890129", Currency: "EUR"}}
	return Credit{Statement: st, Entry: e, Tx: &e.Transactions[0]}
}

func newTestEngine(t testing.TB, opts ...Option) *Engine {
	t.Helper()
	invs, custs := testLedger()
	e, err := NewEngine(DefaultConfig(), invs, custs, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// alloc writes allocations as "I01=1200.00 I02=845.30".
func alloc(r Result) string {
	var parts []string
	for _, a := range r.Allocations {
		parts = append(parts, a.InvoiceID+"="+a.Amount.String())
	}
	return strings.Join(parts, " ")
}

func TestDecisions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		credit    Credit
		decision  ledger.Decision
		alloc     string // "" for none; "*" to skip the check
		writeOff  string
		unapplied string
		reason    string // a substring one reason must contain
	}{
		{"exact reference and amount", credit("1200.00", "BOULANGERIE MARTINEAU", "", "REGLEMENT FACT FA-2026-0012"),
			ledger.DecisionAuto, "I01=1200.00", "0.00", "0.00", "invoice number FA-2026-0012 in remittance"},
		{"reference without prefix", credit("845.30", "", "", "PAIEMENT FACTURE 2026-0013"),
			ledger.DecisionAuto, "I02=845.30", "0.00", "0.00", "prefix left out"},
		{"bank fee within tolerance", credit("1194.00", "", "", "FA-2026-0012"),
			ledger.DecisionAuto, "I01=1194.00", "6.00", "0.00", "write-off 6.00"},
		{"two invoices named, sum paid", credit("2045.30", "MARTINEAU", "", "PAIEMENT FACTURES N° FA-2026-0012 ET FA-2026-0013"),
			ledger.DecisionAuto, "I01=1200.00 I02=845.30", "0.00", "0.00", "2 invoices sum to 2045.30"},
		{"1% drift keeps both named invoices", credit("2024.85", "", "", "FA-2026-0012 FA-2026-0013"),
			ledger.DecisionReview, "I01=1200.00 I02=824.85", "0.00", "0.00", "partial payment of several invoices"},
		{"known IBAN, unique amount", credit("1200.00", "MARTINEAU BOULANGERIE", "FR76 3000 6000 0112 3456 7890 189"),
			ledger.DecisionAuto, "I01=1200.00", "0.00", "0.00", "payer IBAN FR76…0189 known for customer C01"},
		{"known IBAN, two invoices of that amount", credit("640.00", "PHARMACIE DU CENTRE", "FR1420041010050500013M02606"),
			ledger.DecisionReview, "*", "0.00", "0.00", "nearly as likely"},
		{"known IBAN, subset of the customer's invoices", credit("750.00", "", "DE89370400440532013000"),
			ledger.DecisionAuto, "I10=517.42 I11=232.58", "0.00", "0.00", "2 invoices sum to 750.00"},
		{"amount alone is never automatic", credit("3150.75", "", "", "VIREMENT"),
			ledger.DecisionReview, "I06=3150.75", "0.00", "0.00", "not named in the remittance"},
		{"a shared round amount alone is nothing", credit("1000.00", "X", "", "VIR SEPA"),
			ledger.DecisionUnmatched, "", "0.00", "1000.00", ""},
		{"names equal up to the legal form", credit("2400.00", "TRANSPORTS DUPONT SARL", ""),
			ledger.DecisionReview, "I03=2400.00", "0.00", "0.00", "legal forms differ"},
		{"fuzzy reference with an unusual exact amount", credit("3150.75", "", "", "FACTURE FA-2026-0071"),
			ledger.DecisionAuto, "I06=3150.75", "0.00", "0.00", "transposed characters"},
		{"fuzzy reference with a shared round amount", credit("1000.00", "", "", "FACTURE FA-2026-0061"),
			ledger.DecisionReview, "I05=1000.00", "0.00", "0.00", "weak"},
		{"a number inside a longer number of another customer", credit("1000.00", "", "", "COMMANDE FA-2026-01234"),
			ledger.DecisionUnmatched, "", "0.00", "1000.00", ""},
		{"partial payment, strong reference, known payer", credit("500.00", "BOULANGERIE MARTINEAU", "FR7630006000011234567890189", "ACOMPTE FA-2026-0012"),
			ledger.DecisionAuto, "I01=500.00", "0.00", "0.00", "700.00 stays open"},
		{"partial payment, strong reference, unknown payer", credit("500.00", "", "", "ACOMPTE FA-2026-0012"),
			ledger.DecisionAuto, "I01=500.00", "0.00", "0.00", "700.00 stays open"},
		{"overpayment from a known payer", credit("1300.00", "BOULANGERIE MARTINEAU", "FR7630006000011234567890189", "FA-2026-0012"),
			ledger.DecisionAuto, "I01=1200.00", "0.00", "100.00", "kept as unapplied"},
		{"overpayment, strong reference, unknown payer", credit("1300.00", "", "", "FA-2026-0012"),
			ledger.DecisionAuto, "I01=1200.00", "0.00", "100.00", "kept as unapplied"},
		{"overpayment whose excess is another invoice", credit("2045.30", "", "FR7630006000011234567890189", "FA-2026-0012"),
			ledger.DecisionReview, "*", "0.00", "*", "not automatic"},
		{"partial payment, payer IBAN of another customer", credit("500.00", "", "FR1420041010050500013M02606", "ACOMPTE FA-2026-0012"),
			ledger.DecisionReview, "I01=500.00", "0.00", "0.00", "looks like another customer"},
		{"partial payment, another invoice has the amount", credit("845.30", "", "", "ACOMPTE FA-2026-0012"),
			ledger.DecisionReview, "*", "0.00", "0.00", "not automatic"},
		{"creditor reference", credit("1234.56", "", "", "RF18 5390 0754 7034"),
			ledger.DecisionAuto, "I15=1234.56", "0.00", "0.00", "ISO 11649"},
		{"payment before the invoice was issued", credit("780.00", "ATELIER BENOIT", "", "FA-2026-0024"),
			ledger.DecisionReview, "I13=780.00", "0.00", "0.00", "issued after the payment"},
		{"unrelated credit", credit("12873.00", "DIRECTION GENERALE DES FINANCES PUBLIQUES", "", "REMBOURSEMENT CREDIT TVA 2026"),
			ledger.DecisionUnmatched, "", "0.00", "12873.00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEngine(t)
			r, err := e.Match(context.Background(), tt.credit)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s score %.4f alloc %q reasons:\n  %s", r.Decision, r.Score, alloc(r), strings.Join(r.Reasons, "\n  "))
			if r.Decision != tt.decision {
				t.Errorf("decision %s, want %s", r.Decision, tt.decision)
			}
			if tt.alloc != "*" && alloc(r) != tt.alloc {
				t.Errorf("allocations %q, want %q", alloc(r), tt.alloc)
			}
			if r.WriteOff.String() != tt.writeOff || (tt.unapplied != "*" && r.Unapplied.String() != tt.unapplied) {
				t.Errorf("write-off %s unapplied %s, want %s %s", r.WriteOff, r.Unapplied, tt.writeOff, tt.unapplied)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(r.Reasons, "|"), tt.reason) {
				t.Errorf("no reason mentions %q", tt.reason)
			}
			checkResult(t, tt.credit, r)
		})
	}
}

// checkResult checks the invariants every result keeps.
func checkResult(t *testing.T, c Credit, r Result) {
	t.Helper()
	m := c.Amount()
	var sum int64
	for _, a := range r.Allocations {
		if a.Amount.Currency != m.Currency {
			t.Errorf("allocation in %s, credit in %s", a.Amount.Currency, m.Currency)
		}
		if a.Amount.Minor <= 0 {
			t.Errorf("allocation %v not positive", a)
		}
		sum += a.Amount.Minor
	}
	if sum+r.Unapplied.Minor != m.Minor {
		t.Errorf("allocations %d + unapplied %d != credit %d", sum, r.Unapplied.Minor, m.Minor)
	}
	if r.Score < 0 || r.Score > 1 {
		t.Errorf("score %v out of [0, 1]", r.Score)
	}
	if r.Decision == ledger.DecisionUnmatched && len(r.Allocations) > 0 {
		t.Errorf("unmatched with allocations")
	}
	if r.Decision != ledger.DecisionUnmatched && len(r.Allocations) == 0 {
		t.Errorf("%s without allocations", r.Decision)
	}
	for _, s := range r.Reasons {
		if strings.Contains(s, "30006000011234567890189") {
			t.Errorf("reason shows an IBAN unmasked: %s", s)
		}
	}
}

func TestNotMatchable(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	c := credit("1200.00", "", "", "FA-2026-0012")
	c.Tx.Direction = ledger.Debit
	if _, err := e.Match(context.Background(), c); !errors.Is(err, ErrNotMatchable) {
		t.Errorf("debit: err %v, want ErrNotMatchable", err)
	}
	c = credit("1200.00", "", "", "FA-2026-0012")
	c.Entry.Reversal = true
	if _, err := e.Match(context.Background(), c); !errors.Is(err, ErrNotMatchable) {
		t.Errorf("reversal: err %v, want ErrNotMatchable", err)
	}
	c = credit("1200.00", "", "", "FA-2026-0012")
	c.Entry.Status = ledger.StatusPending
	if _, err := e.Match(context.Background(), c); !errors.Is(err, ErrNotMatchable) {
		t.Errorf("pending: err %v, want ErrNotMatchable", err)
	}
}

func TestCurrencyMustAgree(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	c := credit("1200.00", "", "", "FA-2026-0012")
	c.Tx.Amount.Currency, c.Entry.Amount.Currency = "CHF", "CHF"
	r, err := e.Match(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Decision != ledger.DecisionUnmatched {
		t.Errorf("CHF credit against EUR invoices: %s %s", r.Decision, alloc(r))
	}
}

func TestStatefulRun(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	ctx := context.Background()
	iban := "FR7630006000011234567890189"
	steps := []struct {
		c        Credit
		decision ledger.Decision
		alloc    string
	}{
		// A partial payment leaves 700.00 open, which the next credit pays.
		{credit("500.00", "BOULANGERIE MARTINEAU", iban, "ACOMPTE FA-2026-0012"), ledger.DecisionAuto, "I01=500.00"},
		{credit("700.00", "BOULANGERIE MARTINEAU", iban, "SOLDE FA-2026-0012"), ledger.DecisionAuto, "I01=700.00"},
		// Paid in full: the same reference again finds nothing to letter.
		{credit("700.00", "BOULANGERIE MARTINEAU", "", "SOLDE FA-2026-0012"), ledger.DecisionUnmatched, ""},
		// A review proposal holds its invoice.
		{credit("3150.75", "", "", "VIREMENT"), ledger.DecisionReview, "I06=3150.75"},
		{credit("3150.75", "", "", "VIREMENT"), ledger.DecisionUnmatched, ""},
	}
	for k, s := range steps {
		r, err := e.Match(ctx, s.c)
		if err != nil {
			t.Fatal(err)
		}
		if r.Decision != s.decision || alloc(r) != s.alloc {
			t.Errorf("step %d: %s %q, want %s %q; reasons %q", k, r.Decision, alloc(r), s.decision, s.alloc, r.Reasons)
		}
	}
}

func TestCheckpointRollback(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	ctx := context.Background()
	cp := e.Checkpoint()
	c := credit("1200.00", "", "", "FA-2026-0012")
	if r, _ := e.Match(ctx, c); r.Decision != ledger.DecisionAuto {
		t.Fatalf("first match %s", r.Decision)
	}
	e.Rollback(cp)
	if r, _ := e.Match(ctx, c); r.Decision != ledger.DecisionAuto || alloc(r) != "I01=1200.00" {
		t.Errorf("after rollback: %s %q", r.Decision, alloc(r))
	}
}

func TestRejectionsAreNotProposedAgain(t *testing.T) {
	t.Parallel()
	c := credit("3150.75", "", "", "VIREMENT")
	e := newTestEngine(t, WithRejections([]Rejection{{Fingerprint: Fingerprint(c), InvoiceID: "I06"}}))
	r, err := e.Match(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(alloc(r), "I06") {
		t.Errorf("rejected invoice proposed again: %s %q", r.Decision, alloc(r))
	}
}

func TestLearn(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	ctx := context.Background()
	iban := "FR7630004000031234567890143"
	// First payment: name only — a review proposal a person confirms.
	c := credit("3150.75", "SCP ROUSSEAU ET ASSOCIES", iban)
	r, err := e.Match(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Decision == ledger.DecisionAuto {
		t.Fatalf("name and amount alone lettered automatically: %q", r.Reasons)
	}
	updates, err := e.Learn(c, []ledger.Allocation{{InvoiceID: "I06", Amount: ledger.Money{Minor: 315075, Currency: "EUR"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(updates) != 1 || updates[0].ID != "C05" || len(updates[0].IBANs) != 1 || len(updates[0].Aliases) != 1 {
		t.Fatalf("updates %+v", updates)
	}
	// Next payment from the same account: the customer is known.
	r, err = e.Match(ctx, credit("1999.99", "SCP ROUSSEAU ET ASSOCIES", iban))
	if err != nil {
		t.Fatal(err)
	}
	if r.Decision != ledger.DecisionAuto || alloc(r) != "I07=1999.99" {
		t.Errorf("after learning: %s %q %q", r.Decision, alloc(r), r.Reasons)
	}
	_ = fmt.Sprint()
}

package reconcile

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// safetyLedger holds two customers whose invoice numbers are one edit
// apart with the same amount (2025-0153 and 2025-1153), a customer known
// by its IBAN, and filler invoices so that amounts are unusual.
func safetyLedger() ([]ledger.Invoice, []ledger.Customer) {
	invs := []ledger.Invoice{
		inv("A1", "2025-0153", "CA", "Roux et Fils SARL", "87.00", "2025-05-02"),
		inv("B1", "2025-1153", "CB", "Carrelage Orsini SAS", "87.00", "2025-05-20"),
		inv("B2", "2025-1154", "CB", "Carrelage Orsini SAS", "3150.75", "2025-05-21"),
		inv("K1", "2025-2001", "CK", "Boulangerie Martineau SARL", "412.30", "2025-05-03"),
		inv("P1", "2025-0999", "CP", "Pharmacie du Centre", "999.00", "2025-04-01"),
		inv("Q1", "2025-0998", "CQ", "Menuiserie Girard", "999.00", "2025-04-02"),
		inv("Z1", "2025-3001", "CZ", "Garage Lefèvre", "120.00", "2025-05-04"),
		inv("Z2", "2025-3002", "CZ", "Garage Lefèvre", "240.00", "2025-05-05"),
	}
	invs[4].Open = ledger.Money{Currency: "EUR"} // paid before the run
	invs[4].Status = ledger.InvoicePaid
	custs := []ledger.Customer{
		{ID: "CK", Name: "Boulangerie Martineau SARL", IBANs: []string{"FR7630006000011234567890189"}},
	}
	return invs, custs
}

func safetyCredit(amount, payer, iban, date string, remittance ...string) Credit {
	c := credit(amount, payer, iban, remittance...)
	d, err := ledger.ParseDate(date)
	if err != nil {
		panic(err)
	}
	c.Entry.BookingDate = d
	c.Tx.AcctSvcrRef = "REF-" + amount + "-" + strings.Join(remittance, "")
	return c
}

// TestContradictingEvidenceCapsAtReview pins the rules that keep a weak
// reading from being lettered automatically when other evidence speaks
// against it: a text naming exactly an invoice already paid or lettered
// (a duplicate payment) is not slid to a one-edit neighbour of another
// customer, and a fuzzy reference is not automatic when the payer's IBAN
// or name designates another customer. Each case is a run of credits in
// statement order; the last one is checked, under the default settings
// and under a lax auto threshold (so that the rules, not a low score, keep
// the decision from being automatic).
func TestContradictingEvidenceCapsAtReview(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		credits []Credit
		notAuto bool   // the last credit must not be automatic
		auto    string // else: it must be automatic with these allocations
		reason  string // a substring one reason of the last credit contains ("" for none)
	}{
		{"duplicate payment of an invoice lettered earlier in the run",
			[]Credit{
				safetyCredit("87.00", "ROUX ET FILS", "", "2025-06-08", "REGLEMENT FACT 2025-0153"),
				safetyCredit("87.00", "ROUX ET FILS", "", "2025-06-20", "VIR SEPA REGLEMENT FACT 2025-0153"),
			}, true, "", ""},
		{"duplicate payment, no payer name",
			[]Credit{
				safetyCredit("87.00", "", "", "2025-06-08", "FACT 2025-0153"),
				safetyCredit("87.00", "", "", "2025-06-20", "PAIEMENT FACT 2025-0153"),
			}, true, "", ""},
		{"payment of an invoice paid before the run, neighbour of the same amount",
			[]Credit{
				safetyCredit("999.00", "PHARMACIE DU CENTRE", "", "2025-06-08", "FACTURE 2025-0999"),
			}, true, "", ""},
		{"fuzzy reference, unusual exact amount, unknown payer: automatic",
			[]Credit{
				safetyCredit("3150.75", "", "", "2025-06-08", "FACTURE 2025-1145"),
			}, false, "B2=3150.75", ""},
		{"fuzzy reference, payer IBAN known for another customer",
			[]Credit{
				safetyCredit("3150.75", "", "FR7630006000011234567890189", "2025-06-08", "FACTURE 2025-1145"),
			}, true, "", "points to another customer"},
		{"fuzzy reference, payer name another customer's",
			[]Credit{
				safetyCredit("3150.75", "ROUX ET FILS SARL", "", "2025-06-08", "FACTURE 2025-1145"),
			}, true, "", "points to another customer"},
		{"known IBAN, no reference, but the payer's name is another customer's",
			[]Credit{
				safetyCredit("412.30", "ROUX ET FILS SARL", "FR7630006000011234567890189", "2025-06-08", "VIREMENT"),
			}, true, "", "payer's name is another customer's"},
		{"known IBAN, no reference, the customer's own name: automatic",
			[]Credit{
				safetyCredit("412.30", "BOULANGERIE MARTINEAU", "FR7630006000011234567890189", "2025-06-08", "VIREMENT"),
			}, false, "K1=412.30", ""},
		{"strong reference, but IBAN and name both another customer's",
			[]Credit{
				safetyCredit("3150.75", "BOULANGERIE MARTINEAU SARL", "FR7630006000011234567890189", "2025-06-08", "FACTURE 2025-1154"),
			}, true, "", "both designate another customer"},
		{"strong reference, another customer's IBAN only (an accountant, a group): automatic",
			[]Credit{
				safetyCredit("3150.75", "CABINET FIDUCIAIRE DUPONT", "FR7630006000011234567890189", "2025-06-08", "FACTURE 2025-1154"),
			}, false, "B2=3150.75", ""},
		{"a weak review proposal does not keep a later well-named credit from its invoice",
			[]Credit{
				safetyCredit("3150.75", "", "", "2025-06-08", "VIREMENT"),
				safetyCredit("3150.75", "CARRELAGE ORSINI", "", "2025-06-09", "FACTURE 2025-1154"),
			}, false, "B2=3150.75", ""},
		{"a comparable later proposal stays held",
			[]Credit{
				safetyCredit("3150.75", "", "", "2025-06-08", "VIREMENT"),
				safetyCredit("3150.75", "", "", "2025-06-09", "VIREMENT"),
			}, true, "", "held by a pending review"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lax := DefaultConfig()
			lax.AutoThreshold = 0.6
			for _, cfg := range []Config{DefaultConfig(), lax} {
				checkSafetyRun(t, cfg, tt.credits, tt.notAuto, tt.auto, tt.reason)
			}
		})
	}
}

func checkSafetyRun(t *testing.T, cfg Config, credits []Credit, notAuto bool, auto, reason string) {
	t.Helper()
	invs, custs := safetyLedger()
	e, err := NewEngine(cfg, invs, custs)
	if err != nil {
		t.Fatal(err)
	}
	var r Result
	for k, c := range credits {
		if r, err = e.Match(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		t.Logf("auto threshold %.3f, credit %d: %s score %.4f alloc %q reasons:\n  %s", cfg.AutoThreshold, k, r.Decision, r.Score, alloc(r), strings.Join(r.Reasons, "\n  "))
		checkResult(t, c, r)
	}
	switch {
	case notAuto && r.Decision == ledger.DecisionAuto:
		t.Errorf("auto threshold %.3f: lettered automatically (%q) against contradicting evidence", cfg.AutoThreshold, alloc(r))
	case !notAuto && (r.Decision != ledger.DecisionAuto || alloc(r) != auto):
		t.Errorf("auto threshold %.3f: %s %q, want auto %q", cfg.AutoThreshold, r.Decision, alloc(r), auto)
	}
	if reason != "" && !strings.Contains(strings.Join(r.Reasons, "|"), reason) {
		t.Errorf("auto threshold %.3f: no reason mentions %q", cfg.AutoThreshold, reason)
	}
}

// TestRollbackRestoresHolds checks that Rollback gives back the hold of a
// review proposal that a stronger later credit took over.
func TestRollbackRestoresHolds(t *testing.T) {
	t.Parallel()
	invs, custs := safetyLedger()
	e, err := NewEngine(DefaultConfig(), invs, custs)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	weak := safetyCredit("3150.75", "", "", "2025-06-08", "VIREMENT")
	if r, _ := e.Match(ctx, weak); r.Decision != ledger.DecisionReview || alloc(r) != "B2=3150.75" {
		t.Fatalf("weak credit: %s %q", r.Decision, alloc(r))
	}
	cp := e.Checkpoint()
	strong := safetyCredit("3150.75", "CARRELAGE ORSINI", "", "2025-06-09", "FACTURE 2025-1154")
	if r, _ := e.Match(ctx, strong); r.Decision != ledger.DecisionAuto {
		t.Fatalf("strong credit: %s %q", r.Decision, r.Reasons)
	}
	e.Rollback(cp)
	again := safetyCredit("3150.75", "", "", "2025-06-10", "VIREMENT")
	r, _ := e.Match(ctx, again)
	if r.Decision != ledger.DecisionUnmatched || !strings.Contains(strings.Join(r.Reasons, "|"), "held by a pending review") {
		t.Errorf("after rollback, a comparable credit: %s %q %q, want unmatched, held", r.Decision, alloc(r), r.Reasons)
	}
}

// TestLargeCustomer checks the amount index of a customer with more open
// invoices than a subset search takes: an invoice of the credit's amount is
// found without a scan, and so is one whose residual changed in the run.
func TestLargeCustomer(t *testing.T) {
	t.Parallel()
	var invs []ledger.Invoice
	for k := range 60 {
		amount := fmt.Sprintf("%d.%02d", 100+k*37, k)
		invs = append(invs, inv(fmt.Sprintf("L%02d", k), fmt.Sprintf("FA-2025-%04d", 100+k), "CL", "Grands Magasins Lyonnais SA", amount, "2025-05-01"))
	}
	iban := "FR7630006000011234567890189"
	custs := []ledger.Customer{{ID: "CL", Name: "Grands Magasins Lyonnais SA", IBANs: []string{iban}}}
	e, err := NewEngine(DefaultConfig(), invs, custs)
	if err != nil {
		t.Fatal(err)
	}
	if e.customers[e.custByID["CL"]].byAmount == nil {
		t.Fatal("a customer of 60 invoices has no amount index")
	}
	ctx := context.Background()
	steps := []struct {
		c     Credit
		alloc string
	}{
		// L10 is 470.10: an instalment leaves 420.10 open.
		{safetyCredit("50.00", "GRANDS MAGASINS LYONNAIS", iban, "2025-06-01", "ACOMPTE FA-2025-0110"), "L10=50.00"},
		// The residual, paid from the known account without a reference.
		{safetyCredit("420.10", "GRANDS MAGASINS LYONNAIS", iban, "2025-06-02", "VIREMENT"), "L10=420.10"},
		// Another invoice's amount (L20 is 840.20).
		{safetyCredit("840.20", "GRANDS MAGASINS LYONNAIS", iban, "2025-06-03", "VIREMENT"), "L20=840.20"},
	}
	for k, s := range steps {
		r, err := e.Match(ctx, s.c)
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, s.c, r)
		if r.Decision != ledger.DecisionAuto || alloc(r) != s.alloc {
			t.Errorf("step %d: %s %q, want auto %q; reasons %q", k, r.Decision, alloc(r), s.alloc, r.Reasons)
		}
	}
	if n := e.customers[e.custByID["CL"]].openN; n != 58 {
		t.Errorf("open invoices counted %d, want 58", n)
	}
}

package lettering

import (
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// TestProposalSupersededInTheSameStatement: a credit that only matches an
// invoice by amount is proposed for review; a later credit of the same
// statement that names the invoice and comes from its customer letters it
// automatically. The earlier proposal would then wait in the review queue
// for an invoice already paid (and fail when confirmed), so it becomes an
// unmatched credit for a person, saying why.
func TestProposalSupersededInTheSameStatement(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.importLedger()
		e.saveStatement("S1", day("2026-11-03"),
			credit("3150.75", "", "", "VIREMENT"),
			credit("3150.75", "CABINET ROUSSEAU", "E2E-9", "REGLEMENT FACTURE FA-2026-0017"),
		)
		sum := e.runOnce()
		if sum.Auto != 1 {
			t.Fatalf("summary %+v\n%s", sum, e.logs)
		}
		auto := e.matchesOf(e.transactionOf("S1-2").ID)
		if len(auto) != 1 || auto[0].Decision != ledger.DecisionAuto || auto[0].Allocations[0].InvoiceID != "I06" {
			t.Fatalf("the referenced credit: %+v", auto)
		}
		first := e.matchesOf(e.transactionOf("S1-1").ID)
		if len(first) != 1 {
			t.Fatalf("the amount-only credit: %+v", first)
		}
		for _, al := range first[0].Allocations {
			if al.InvoiceID == "I06" {
				t.Fatalf("the amount-only credit still proposes I06, which the referenced credit paid: %+v", first[0])
			}
		}
		if first[0].Decision != ledger.DecisionUnmatched || first[0].Status != ledger.MatchProposed || first[0].Unapplied != eur("3150.75") ||
			!strings.Contains(strings.Join(first[0].Reasons, "; "), "lettered automatically to a stronger payment of the same statement (bank reference S1-2)") {
			t.Fatalf("the amount-only credit: %+v, want unmatched for a person, saying which payment took I06", first[0])
		}
		if sum.Review != 0 || sum.Unmatched != 1 {
			t.Errorf("summary %+v: want the superseded proposal counted as unmatched", sum)
		}
	})
}

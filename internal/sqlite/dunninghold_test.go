package sqlite

import (
	"path/filepath"
	"testing"
)

// TestUpgradeMovesJournalHolds: the customer holds a version-3 database
// kept as journal rows become rows of dunning_holds at migration 4, lifted
// ones with their lift; down and up again is clean.
func TestUpgradeMovesJournalHolds(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), FileName), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.migrateTo(3); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO customers VALUES ('C', 'ACME', '', 0, 0)`,
		`INSERT INTO audit_journal (at, actor, action, entity_type, entity_id, invoice_id, reason, details) VALUES
			(10, 'erp', 'dunning.customer_hold.placed', 'dunning_customer_hold', 'C', '', 'RJ',
			 '{"hold_id":"H1","kind":"insolvency","since":"2026-03-02","published":"2026-03-05","reason":"RJ"}'),
			(20, 'erp', 'dunning.customer_hold.placed', 'dunning_customer_hold', 'C', '', 'manual',
			 '{"hold_id":"H2","kind":"manual","since":"2026-03-03","until":"2026-04-01"}'),
			(30, 'boss', 'dunning.customer_hold.lifted', 'dunning_customer_hold', 'C', '', 'customer hold lifted',
			 '{"hold_id":"H1","kind":"insolvency","until":"2026-05-04","reason":"plan adopted"}')`,
	} {
		if _, err := s.w.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	h1, err := s.GetDunningHold(t.Context(), "H1")
	if err != nil || h1.CustomerID != "C" || h1.Kind != "insolvency" || h1.Note != "RJ" || h1.Since.String() != "2026-03-02" ||
		h1.Published.String() != "2026-03-05" || h1.PlacedBy != "erp" || h1.LiftedOn.String() != "2026-05-04" || h1.LiftedBy != "boss" ||
		h1.LiftNote != "plan adopted" || h1.PlacedAt.UnixMicro() != 10 || h1.LiftedAt.UnixMicro() != 30 {
		t.Fatalf("H1 after upgrade %+v, %v", h1, err)
	}
	h2, err := s.GetDunningHold(t.Context(), "H2")
	if err != nil || h2.Until.String() != "2026-04-01" || h2.Lifted() || h2.Note != "" {
		t.Fatalf("H2 after upgrade %+v, %v", h2, err)
	}
	if err := s.migrateTo(3); err != nil {
		t.Fatalf("down: %v", err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if _, err := s.GetDunningHold(t.Context(), "H2"); err != nil {
		t.Fatalf("H2 after down and up: %v", err)
	}
}

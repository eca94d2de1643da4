package postgres

import (
	"testing"
)

// TestUpgradeMovesJournalHolds: the customer holds a version-3 schema kept
// as journal rows become rows of dunning_holds at migration 4, lifted ones
// with their lift; down and up again is clean.
func TestUpgradeMovesJournalHolds(t *testing.T) {
	s, err := Open(t.Context(), newSchema(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.migrateTo(3); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO customers VALUES ('C', 'ACME', '', now(), now())`,
		`INSERT INTO audit_journal (at, actor, action, entity_type, entity_id, invoice_id, reason, details) VALUES
			('2026-03-02T10:00:00Z', 'erp', 'dunning.customer_hold.placed', 'dunning_customer_hold', 'C', '', 'RJ',
			 '{"hold_id":"H1","kind":"insolvency","since":"2026-03-02","published":"2026-03-05","reason":"RJ"}'),
			('2026-03-03T10:00:00Z', 'erp', 'dunning.customer_hold.placed', 'dunning_customer_hold', 'C', '', 'manual',
			 '{"hold_id":"H2","kind":"manual","since":"2026-03-03","until":"2026-04-01"}'),
			('2026-05-04T10:00:00Z', 'boss', 'dunning.customer_hold.lifted', 'dunning_customer_hold', 'C', '', 'customer hold lifted',
			 '{"hold_id":"H1","kind":"insolvency","until":"2026-05-04","reason":"plan adopted"}')`,
	} {
		if _, err := s.pool.Exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	h1, err := s.GetDunningHold(t.Context(), "H1")
	if err != nil || h1.CustomerID != "C" || h1.Kind != "insolvency" || h1.Note != "RJ" || h1.Since.String() != "2026-03-02" ||
		h1.Published.String() != "2026-03-05" || h1.PlacedBy != "erp" || h1.LiftedOn.String() != "2026-05-04" || h1.LiftedBy != "boss" ||
		h1.LiftNote != "plan adopted" || h1.LiftedAt.Format("2006-01-02") != "2026-05-04" {
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

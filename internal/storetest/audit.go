package storetest

import (
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

var auditTests = []test{
	{"Audit/AppendAndExportPerInvoice", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		_, err := s.AppendAudit(ctx, ledger.AuditRecord{Action: "x"})
		wantErr(t, err, ledger.ErrInvalid, "row without actor")
		_, err = s.AppendAudit(ctx, ledger.AuditRecord{Actor: "a", Action: "x", Details: []byte("{nope")})
		wantErr(t, err, ledger.ErrInvalid, "details not JSON")
		importInvoices(t, s, invoice("A", 10000), invoice("B", 100))
		out := applyMatch(t, s, storeCredit(t, s, "PAY1", 4000), alloc("A", 4000))
		r, err := s.AppendAudit(ctx, ledger.AuditRecord{Actor: "alice", Action: "invoice.note", EntityType: "invoice", EntityID: "A", InvoiceID: "A",
			Reason: "customer called", Details: []byte(`{"note":"will pay the rest on Friday"}`)})
		ok(t, err)
		if r.Seq == 0 || r.At.IsZero() {
			t.Fatalf("appended %+v", r)
		}
		_, err = s.ReverseMatch(ctx, out.Match.ID, ledger.Write[ledger.MatchOutcome]{Actor: "bob", Reason: "wrong customer"})
		ok(t, err)
		journal, err := s.ListAudit(ctx, ledger.AuditFilter{InvoiceID: "A"})
		ok(t, err)
		var actions []string
		for i, r := range journal {
			actions = append(actions, r.Action)
			if i > 0 && r.Seq <= journal[i-1].Seq {
				t.Fatalf("journal out of order: %+v", journal)
			}
			if r.InvoiceID != "A" {
				t.Fatalf("row of another invoice in A's journal: %+v", r)
			}
		}
		want := []string{"invoice.created", "invoice.lettered", "match.applied", "invoice.note", "invoice.unlettered", "match.reversed"}
		if !equalStrings(actions, want) {
			t.Fatalf("journal of A: %v\nwant %v", actions, want)
		}
		last := journal[len(journal)-1]
		if last.Actor != "bob" || last.Reason != "wrong customer" || len(last.Details) == 0 {
			t.Fatalf("reversal row %+v", last)
		}
		page, err := s.ListAudit(ctx, ledger.AuditFilter{InvoiceID: "A", AfterSeq: journal[2].Seq, Limit: 2})
		ok(t, err)
		if len(page) != 2 || page[0].Seq != journal[3].Seq {
			t.Fatalf("page %+v", page)
		}
	}},
}

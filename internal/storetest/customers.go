package storetest

import (
	"reflect"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

var customerTests = []test{
	{"Customers/UpsertMergesIdentities", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		ok(t, s.UpsertCustomers(ctx, []ledger.Customer{
			{ID: "C1", Name: "ACME SARL", Segment: "standard", IBANs: []string{"fr76 3000 6000 0112 3456 7890 189"}, Aliases: []string{"ACME"}},
			{ID: "C2", Name: "Globex SA"},
		}))
		// A second upsert adds an IBAN, keeps the rest, and leaves the
		// segment when none is given.
		ok(t, s.UpsertCustomers(ctx, []ledger.Customer{{ID: "C1", Name: "ACME", IBANs: []string{payerIBAN}}}))
		c, err := s.GetCustomer(ctx, "C1")
		ok(t, err)
		want := ledger.Customer{ID: "C1", Name: "ACME", Segment: "standard", IBANs: []string{payerIBAN, testIBAN}, Aliases: []string{"ACME"}}
		if !reflect.DeepEqual(c, want) {
			t.Fatalf("customer %+v\nwant %+v", c, want)
		}
		found, err := s.FindCustomersByIBAN(ctx, "FR76 3000 6000 0112 3456 7890 189")
		ok(t, err)
		if len(found) != 1 || found[0].ID != "C1" {
			t.Fatalf("by IBAN: %+v", found)
		}
		none, err := s.FindCustomersByIBAN(ctx, "GB00NOPE")
		ok(t, err)
		if len(none) != 0 {
			t.Fatalf("unknown IBAN found %+v", none)
		}
		all, err := s.ListCustomers(ctx, ledger.CustomerFilter{})
		ok(t, err)
		if len(all) != 2 || all[0].ID != "C1" || all[1].ID != "C2" || len(all[0].IBANs) != 2 {
			t.Fatalf("ListCustomers %+v", all)
		}
		page, err := s.ListCustomers(ctx, ledger.CustomerFilter{After: "C1", Limit: 5})
		ok(t, err)
		if len(page) != 1 || page[0].ID != "C2" {
			t.Fatalf("ListCustomers after C1: %+v", page)
		}
		_, err = s.GetCustomer(ctx, "nope")
		wantErr(t, err, ledger.ErrNotFound, "unknown customer")
		wantErr(t, s.UpsertCustomers(ctx, []ledger.Customer{{Name: "no id"}}), ledger.ErrInvalid, "customer without id")
	}},
	{"Customers/LearnPayer", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		ok(t, s.UpsertCustomers(ctx, []ledger.Customer{{ID: "C1", Name: "ACME SARL"}}))
		c, err := s.LearnPayer(ctx, "C1", payerIBAN, "ACME GMBH", anyWrite[ledger.Customer]("alice"))
		ok(t, err)
		if !reflect.DeepEqual(c.IBANs, []string{payerIBAN}) || !reflect.DeepEqual(c.Aliases, []string{"ACME GMBH"}) {
			t.Fatalf("learned customer %+v", c)
		}
		// Learning it again changes nothing and journals nothing.
		_, err = s.LearnPayer(ctx, "C1", payerIBAN, "", anyWrite[ledger.Customer]("alice"))
		ok(t, err)
		journal, err := s.ListAudit(ctx, ledger.AuditFilter{EntityType: "customer", EntityID: "C1"})
		ok(t, err)
		if len(journal) != 1 || journal[0].Action != "customer.learned" || journal[0].Actor != "alice" {
			t.Fatalf("journal %+v", journal)
		}
		_, err = s.LearnPayer(ctx, "nope", payerIBAN, "", anyWrite[ledger.Customer]("alice"))
		wantErr(t, err, ledger.ErrNotFound, "learn for unknown customer")
		_, err = s.LearnPayer(ctx, "C1", "", " ", anyWrite[ledger.Customer]("alice"))
		wantErr(t, err, ledger.ErrInvalid, "learn nothing")
	}},
}

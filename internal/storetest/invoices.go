package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// importInvoices imports invoices and fails the test on error.
func importInvoices(t *testing.T, s ledger.Store, invs ...ledger.Invoice) ledger.ImportResult {
	t.Helper()
	res, err := s.UpsertInvoices(t.Context(), ledger.InvoiceImport{Source: "test", Invoices: invs}, anyWrite[ledger.ImportResult]("import"))
	ok(t, err)
	return res
}

func getInvoice(t *testing.T, s ledger.Store, id string) ledger.Invoice {
	t.Helper()
	inv, err := s.GetInvoice(t.Context(), id)
	ok(t, err)
	return inv
}

var invoiceTests = []test{
	{"Invoices/OpenBalances", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		inv := func(id, customer string, minor int64, cur ledger.Currency, due ledger.Date) ledger.Invoice {
			i := invoice(id, minor)
			i.CustomerID, i.Amount, i.Open, i.DueDate = customer, ledger.Money{Minor: minor, Currency: cur}, ledger.Money{Minor: minor, Currency: cur}, due
			return i
		}
		paid := inv("P", "C1", 700, eur, day(10))
		paid.Open.Minor = 0
		cancelled := inv("X", "C1", 900, eur, day(10))
		cancelled.Status = ledger.InvoiceCancelled
		importInvoices(t, s, inv("A", "C1", 10000, eur, day(10)), inv("B", "C1", 5000, eur, day(10)), inv("C", "C1", 300, eur, day(20)),
			inv("D", "C1", 400, "CHF", day(10)), inv("E", "C2", 800, eur, ledger.Date{}), paid, cancelled)
		// A partial payment counts with what is left of it.
		tx := storeCredit(t, s, "PAY1", 4000)
		applyMatch(t, s, tx, alloc("B", 4000))
		got, err := s.OpenBalances(ctx, ledger.OpenBalanceFilter{})
		ok(t, err)
		want := []ledger.OpenBalance{
			{CustomerID: "C1", DueDate: day(10), Open: ledger.Money{Minor: 400, Currency: "CHF"}, Invoices: 1},
			{CustomerID: "C1", DueDate: day(10), Open: eurs(11000), Invoices: 2},
			{CustomerID: "C1", DueDate: day(20), Open: eurs(300), Invoices: 1},
			{CustomerID: "C2", Open: eurs(800), Invoices: 1},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("open balances\n got %+v\nwant %+v", got, want)
		}
		got, err = s.OpenBalances(ctx, ledger.OpenBalanceFilter{CustomerID: "C1", Currency: eur})
		ok(t, err)
		if fmt.Sprint(got) != fmt.Sprint(want[1:3]) {
			t.Fatalf("open balances of C1 in EUR %+v", got)
		}
		if got, err := s.OpenBalances(ctx, ledger.OpenBalanceFilter{CustomerID: "nobody"}); err != nil || len(got) != 0 {
			t.Fatalf("open balances of an unknown customer %+v, %v", got, err)
		}
	}},
	{"Invoices/ImportCreatesAndUpdates", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		a, b, c := invoice("A", 10000), invoice("B", 5000), invoice("C", 7000)
		c.CustomerID, c.CustomerName, c.Segment = "C2", "Globex", "public"
		b.Open = eurs(2000) // partly settled outside Lettrage
		res, err := s.UpsertInvoices(ctx, ledger.InvoiceImport{Source: "csv:first.csv", Invoices: []ledger.Invoice{a, b, c},
			Customers: []ledger.Customer{{ID: "C1", IBANs: []string{payerIBAN}}}}, anyWrite[ledger.ImportResult]("import"))
		ok(t, err)
		if res.Created != 3 || res.Updated != 0 || res.ImportID == 0 {
			t.Fatalf("first import %+v", res)
		}
		got := getInvoice(t, s, "B")
		want := b
		want.Status = ledger.InvoicePartiallyPaid
		if got != want {
			t.Fatalf("invoice B %+v\nwant %+v", got, want)
		}
		if a := getInvoice(t, s, "A"); a.Status != ledger.InvoiceOpen || a.Open != eurs(10000) {
			t.Fatalf("invoice A %+v", a)
		}
		cust, err := s.GetCustomer(ctx, "C1")
		ok(t, err)
		if cust.Name != "ACME SARL" || cust.Segment != "standard" || len(cust.IBANs) != 1 || cust.IBANs[0] != payerIBAN {
			t.Fatalf("customer from import %+v", cust)
		}
		if c2, err := s.GetCustomer(ctx, "C2"); err != nil || c2.Segment != "public" {
			t.Fatalf("customer C2 %+v, %v", c2, err)
		}
		// A full re-import: a new amount and due date for A, C as it is,
		// B missing.
		a.Amount, a.Open, a.DueDate = eurs(12000), eurs(12000), day(20)
		full := func(invs ...ledger.Invoice) ledger.ImportResult {
			res, err := s.UpsertInvoices(ctx, ledger.InvoiceImport{Source: "test", Full: true, Invoices: invs}, anyWrite[ledger.ImportResult]("import"))
			ok(t, err)
			return res
		}
		res2 := full(a, c)
		if res2.Created != 0 || res2.Updated != 2 || res2.Changed != 1 || res2.Unchanged != 1 || res2.Absent != 1 || res2.ImportID <= res.ImportID {
			t.Fatalf("second import %+v: want A updated, C unchanged, B absent", res2)
		}
		if got := getInvoice(t, s, "A"); got.Amount != eurs(12000) || got.Open != eurs(12000) || got.DueDate != day(20) {
			t.Fatalf("updated invoice A %+v", got)
		}
		// B is not deleted: it is listed as absent.
		absent, err := s.ListInvoices(ctx, ledger.InvoiceFilter{Absent: true})
		ok(t, err)
		if len(absent) != 1 || absent[0].ID != "B" || absent[0] != getInvoice(t, s, "B") {
			t.Fatalf("absent from the last full import: %+v", absent)
		}
		latest, err := s.LatestImport(ctx)
		ok(t, err)
		if latest.ID != res2.ImportID || latest.Invoices != 2 || latest.Source != "test" {
			t.Fatalf("latest import %+v", latest)
		}
		// The journal shows each invoice's creation and change.
		journal, err := s.ListAudit(ctx, ledger.AuditFilter{InvoiceID: "A"})
		ok(t, err)
		if len(journal) != 2 || journal[0].Action != "invoice.created" || journal[1].Action != "invoice.updated" ||
			!beforeAfter(t, journal[1].Details, "amount_minor", 10000, 12000) {
			t.Fatalf("journal of A: %+v", journal)
		}
		// Re-importing the same batch changes nothing.
		if res3 := full(a, c); res3.Updated != 2 || res3.Changed != 0 || res3.Unchanged != 2 || res3.Absent != 1 {
			t.Fatalf("identical import %+v", res3)
		}
		if got := getInvoice(t, s, "A"); got.Amount != eurs(12000) || got.Open != eurs(12000) {
			t.Fatalf("invoice A after identical import %+v", got)
		}
		if journal, _ := s.ListAudit(ctx, ledger.AuditFilter{InvoiceID: "A"}); len(journal) != 2 {
			t.Fatalf("identical import journaled changes: %+v", journal)
		}
		// A partial import mentioning B brings it back; one that does not
		// mention A marks nothing.
		if res4 := importInvoices(t, s, b); res4.Updated != 1 || res4.Changed != 0 || res4.Absent != 0 {
			t.Fatalf("partial import of B %+v", res4)
		}
		if absent, _ := s.ListInvoices(ctx, ledger.InvoiceFilter{Absent: true}); len(absent) != 0 {
			t.Fatalf("absent after B came back: %+v", absent)
		}
	}},
	{"Invoices/ListFilters", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		a, b, c := invoice("A", 100), invoice("B", 200), invoice("C", 300)
		b.DueDate = day(25)
		c.CustomerID = "C2"
		c.Open = eurs(0)
		importInvoices(t, s, a, b, c)
		for _, tc := range []struct {
			name string
			f    ledger.InvoiceFilter
			want []string
		}{
			{"all", ledger.InvoiceFilter{}, []string{"A", "B", "C"}},
			{"customer", ledger.InvoiceFilter{CustomerID: "C1"}, []string{"A", "B"}},
			{"open", ledger.InvoiceFilter{Statuses: []ledger.InvoiceStatus{ledger.InvoiceOpen, ledger.InvoicePartiallyPaid}}, []string{"A", "B"}},
			{"paid", ledger.InvoiceFilter{Statuses: []ledger.InvoiceStatus{ledger.InvoicePaid}}, []string{"C"}},
			{"due before", ledger.InvoiceFilter{DueBefore: day(11)}, []string{"A", "C"}},
			{"currency", ledger.InvoiceFilter{Currency: "USD"}, nil},
			{"page", ledger.InvoiceFilter{After: "A", Limit: 1}, []string{"B"}},
		} {
			got, err := s.ListInvoices(ctx, tc.f)
			ok(t, err)
			var ids []string
			for _, inv := range got {
				ids = append(ids, inv.ID)
			}
			if len(ids) != len(tc.want) || (len(ids) > 0 && !equalStrings(ids, tc.want)) {
				t.Errorf("%s: %v, want %v", tc.name, ids, tc.want)
			}
		}
		_, err := s.GetInvoice(ctx, "nope")
		wantErr(t, err, ledger.ErrNotFound, "unknown invoice")
		_, err = s.LatestImport(ctx)
		ok(t, err)
	}},
	{"Invoices/InvalidBatches", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		_, err := s.LatestImport(ctx)
		wantErr(t, err, ledger.ErrNotFound, "no import yet")
		tooOpen := invoice("A", 100)
		tooOpen.Open = eurs(101)
		noCurrency := invoice("B", 100)
		noCurrency.Amount.Currency = ""
		for name, invs := range map[string][]ledger.Invoice{
			"duplicate id":      {invoice("A", 1), invoice("A", 2)},
			"open above amount": {tooOpen},
			"no currency":       {noCurrency},
			"no id":             {invoice("", 5)},
		} {
			_, err := s.UpsertInvoices(ctx, ledger.InvoiceImport{Invoices: invs}, anyWrite[ledger.ImportResult]("import"))
			wantErr(t, err, ledger.ErrInvalid, name)
		}
		if invs, _ := s.ListInvoices(ctx, ledger.InvoiceFilter{}); len(invs) != 0 {
			t.Fatalf("invalid batches stored %d invoices", len(invs))
		}
	}},
	{"Invoices/ReimportKeepsLettrage", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		importInvoices(t, s, invoice("A", 10000), invoice("B", 3000))
		tx := storeCredit(t, s, "PAY1", 4000)
		applyMatch(t, s, tx, alloc("A", 4000))
		// The amount goes up: the lettrage stays, the open amount follows.
		a := invoice("A", 11000)
		importInvoices(t, s, a, invoice("B", 3000))
		if got := getInvoice(t, s, "A"); got.Amount != eurs(11000) || got.Open != eurs(7000) || got.Status != ledger.InvoicePartiallyPaid {
			t.Fatalf("re-imported lettered invoice %+v: want open 70.00", got)
		}
		// An amount below what is lettered is a conflict; nothing of the
		// batch is stored, not even the other invoice's change.
		a.Amount, a.Open = eurs(3000), eurs(3000)
		b := invoice("B", 3500)
		_, err := s.UpsertInvoices(ctx, ledger.InvoiceImport{Invoices: []ledger.Invoice{a, b}}, anyWrite[ledger.ImportResult]("import"))
		var ce *ledger.ImportConflictError
		if !errors.As(err, &ce) || !errors.Is(err, ledger.ErrConflict) || len(ce.Conflicts) != 1 || ce.Conflicts[0].InvoiceID != "A" {
			t.Fatalf("import below lettered amount: %v, want an ImportConflictError on A", err)
		}
		if got := getInvoice(t, s, "B"); got.Amount != eurs(3000) {
			t.Fatalf("refused batch changed invoice B: %+v", got)
		}
		// The residual may reach zero: the invoice is then paid.
		a.Amount, a.Open = eurs(4000), eurs(4000)
		importInvoices(t, s, a, b)
		if got := getInvoice(t, s, "A"); got.Open != eurs(0) || got.Status != ledger.InvoicePaid {
			t.Fatalf("invoice A re-imported at its lettered amount: %+v", got)
		}
		// A currency change under lettrage and a cancellation are refused.
		usd := invoice("A", 4000)
		usd.Amount, usd.Open = ledger.Money{Minor: 4000, Currency: "USD"}, ledger.Money{Minor: 4000, Currency: "USD"}
		_, err = s.UpsertInvoices(ctx, ledger.InvoiceImport{Invoices: []ledger.Invoice{usd}}, anyWrite[ledger.ImportResult]("import"))
		wantErr(t, err, ledger.ErrConflict, "currency change under lettrage")
		cancelled := a
		cancelled.Status = ledger.InvoiceCancelled
		_, err = s.UpsertInvoices(ctx, ledger.InvoiceImport{Invoices: []ledger.Invoice{cancelled}}, anyWrite[ledger.ImportResult]("import"))
		wantErr(t, err, ledger.ErrConflict, "cancel a lettered invoice by import")
	}},
	{"Invoices/Cancel", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		importInvoices(t, s, invoice("A", 100), invoice("B", 200))
		inv, err := s.CancelInvoice(ctx, "A", anyWrite[ledger.Invoice]("alice"))
		ok(t, err)
		if inv.Status != ledger.InvoiceCancelled {
			t.Fatalf("cancelled invoice %+v", inv)
		}
		_, err = s.CancelInvoice(ctx, "A", anyWrite[ledger.Invoice]("alice"))
		ok(t, err)
		// Mentioned again by an import, it stays cancelled.
		res := importInvoices(t, s, invoice("A", 150), invoice("B", 200))
		if res.KeptCancelled != 1 {
			t.Fatalf("import result %+v: want 1 kept cancelled", res)
		}
		if got := getInvoice(t, s, "A"); got.Status != ledger.InvoiceCancelled || got.Amount != eurs(150) {
			t.Fatalf("cancelled invoice after import %+v", got)
		}
		// A batch can cancel an invoice.
		b := invoice("B", 200)
		b.Status = ledger.InvoiceCancelled
		res = importInvoices(t, s, b)
		if res.Cancelled != 1 || getInvoice(t, s, "B").Status != ledger.InvoiceCancelled {
			t.Fatalf("cancel by import: %+v", res)
		}
		_, err = s.CancelInvoice(ctx, "nope", anyWrite[ledger.Invoice]("alice"))
		wantErr(t, err, ledger.ErrNotFound, "cancel unknown invoice")
		importInvoices(t, s, invoice("L", 500))
		applyMatch(t, s, storeCredit(t, s, "PAYL", 500), alloc("L", 500))
		_, err = s.CancelInvoice(ctx, "L", anyWrite[ledger.Invoice]("alice"))
		wantErr(t, err, ledger.ErrConflict, "cancel lettered invoice")
		journal, err := s.ListAudit(ctx, ledger.AuditFilter{InvoiceID: "A"})
		ok(t, err)
		if journal[len(journal)-2].Action != "invoice.cancelled" {
			t.Fatalf("journal of A: %+v", journal)
		}
	}},
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// beforeAfter reports whether the journal details hold [before, after] for
// the key.
func beforeAfter(t *testing.T, details []byte, key string, before, after int64) bool {
	t.Helper()
	var d map[string]json.RawMessage
	if err := json.Unmarshal(details, &d); err != nil {
		t.Fatalf("journal details %s: %v", details, err)
	}
	var v []int64
	if err := json.Unmarshal(d[key], &v); err != nil {
		return false
	}
	return len(v) == 2 && v[0] == before && v[1] == after
}

package ledger

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestLettrageEvents(t *testing.T) {
	t.Parallel()
	eur := func(minor int64) Money { return Money{Minor: minor, Currency: "EUR"} }
	bt := BankTransaction{
		ID: "T1", BankRef: "REF-1", BookingDate: NewDate(2026, 11, 12),
		Transaction: Transaction{Amount: eur(150000), Direction: Credit, Debtor: Party{Name: "ACME", IBAN: "DE89370400440532013000"}, Remittance: []string{"FA-1 FA-2"}},
	}
	inv := func(id string, amount, open int64, st InvoiceStatus) Invoice {
		return Invoice{ID: id, Number: "N-" + id, CustomerID: "C1", Amount: eur(amount), Open: eur(open), DueDate: NewDate(2026, 11, 30), Status: st}
	}
	two := []Allocation{{InvoiceID: "F-1", Amount: eur(120000)}, {InvoiceID: "F-2", Amount: eur(30000)}}
	type ev struct{ typ, agg, id string }
	for _, tc := range []struct {
		name string
		o    MatchOutcome
		want []ev
	}{
		{"confirmation over two invoices, one paid", MatchOutcome{
			Match:    Match{ID: "M1", TransactionID: "T1", Decision: DecisionReview, Status: MatchConfirmed, Allocations: two, Unapplied: eur(0)},
			Previous: MatchProposed, Transaction: bt, Invoices: []Invoice{inv("F-1", 120000, 0, InvoicePaid), inv("F-2", 50000, 20000, InvoicePartiallyPaid)},
		}, []ev{{"lettrage.confirmed", "invoice", "F-1"}, {"lettrage.confirmed", "invoice", "F-2"}, {"invoice.paid", "invoice", "F-1"}}},
		{"automatic lettrage", MatchOutcome{
			Match:       Match{ID: "M1", TransactionID: "T1", Decision: DecisionAuto, Status: MatchApplied, Allocations: two[:1], Unapplied: eur(30000)},
			Transaction: bt, Invoices: []Invoice{inv("F-1", 120000, 0, InvoicePaid)},
		}, []ev{{"lettrage.applied", "invoice", "F-1"}, {"invoice.paid", "invoice", "F-1"}}},
		{"automatic lettrage confirmed: nothing paid again", MatchOutcome{
			Match:    Match{ID: "M1", TransactionID: "T1", Decision: DecisionAuto, Status: MatchConfirmed, Allocations: two[:1], Unapplied: eur(30000)},
			Previous: MatchApplied, Transaction: bt,
		}, []ev{{"lettrage.confirmed", "invoice", "F-1"}}},
		{"reversal", MatchOutcome{
			Match:    Match{ID: "M1", TransactionID: "T1", Decision: DecisionAuto, Status: MatchReversed, Allocations: two[:1], Unapplied: eur(30000)},
			Previous: MatchApplied, Transaction: bt, Invoices: []Invoice{inv("F-1", 120000, 120000, InvoiceOpen)},
		}, []ev{{"lettrage.reversed", "invoice", "F-1"}}},
		{"proposal", MatchOutcome{
			Match:       Match{ID: "M1", TransactionID: "T1", Decision: DecisionReview, Status: MatchProposed, Allocations: two},
			Transaction: bt,
		}, []ev{{"lettrage.proposed", "invoice", "F-1"}, {"lettrage.proposed", "invoice", "F-2"}}},
		{"unmatched credit", MatchOutcome{
			Match:       Match{ID: "M1", TransactionID: "T1", Decision: DecisionUnmatched, Status: MatchProposed, Unapplied: eur(150000)},
			Transaction: bt,
		}, []ev{{"payment.unmatched", "transaction", "T1"}}},
		{"unmatched credit rejected", MatchOutcome{
			Match:    Match{ID: "M1", TransactionID: "T1", Decision: DecisionUnmatched, Status: MatchRejected, Unapplied: eur(150000)},
			Previous: MatchProposed, Transaction: bt,
		}, []ev{{"lettrage.rejected", "transaction", "T1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := LettrageEvents(tc.o, "erp", "checked")
			if err != nil {
				t.Fatal(err)
			}
			var got []ev
			for _, e := range evs {
				got = append(got, ev{e.Type, e.AggregateType, e.AggregateID})
				if !json.Valid(e.Data) {
					t.Errorf("%s: data not JSON: %s", e.Type, e.Data)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("events = %v, want %v", got, tc.want)
			}
		})
	}

	// The payload of the first confirmation event, field by field.
	evs, _ := LettrageEvents(MatchOutcome{
		Match:    Match{ID: "M1", TransactionID: "T1", Decision: DecisionReview, Status: MatchConfirmed, Score: 0.8, Reasons: []string{"number"}, Allocations: two, Unapplied: eur(0), DecidedBy: "erp"},
		Previous: MatchProposed, Transaction: bt, Invoices: []Invoice{inv("F-1", 120000, 0, InvoicePaid)},
	}, "erp", "checked")
	want := `{"match_id":"M1","invoice_id":"F-2","invoice_amount":"300.00","transaction_id":"T1","bank_ref":"REF-1","booking_date":"2026-11-12",` +
		`"amount":"1500.00","currency":"EUR","payer_name":"ACME","payer_iban":"DE89370400440532013000","remittance":["FA-1 FA-2"],` +
		`"decision":"review","status":"confirmed","previous_status":"proposed","score":0.8,"reasons":["number"],` +
		`"allocations":[{"invoice_id":"F-1","amount":"1200.00"},{"invoice_id":"F-2","amount":"300.00"}],"unapplied":"0.00","write_off":"0.00",` +
		`"decided_by":"erp","actor":"erp","reason":"checked",` +
		`"invoices":[{"invoice_id":"F-1","number":"N-F-1","customer_id":"C1","amount":"1200.00","open_amount":"0.00","currency":"EUR","due_date":"2026-11-30","status":"paid"}]}`
	if string(evs[1].Data) != want {
		t.Fatalf("data =\n%s\nwant\n%s", evs[1].Data, want)
	}
	paid := `{"invoice_id":"F-1","number":"N-F-1","customer_id":"C1","amount":"1200.00","open_amount":"0.00","currency":"EUR","due_date":"2026-11-30",` +
		`"status":"paid","match_id":"M1","transaction_id":"T1","bank_ref":"REF-1","paid_on":"2026-11-12"}`
	if string(evs[2].Data) != paid {
		t.Fatalf("invoice.paid data =\n%s\nwant\n%s", evs[2].Data, paid)
	}
}

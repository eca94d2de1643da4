package dunningrun

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
)

const (
	ownIBAN   = "FR7630006000011234567890189"
	payerIBAN = "DE89370400440532013000"
)

// day parses a test date.
func day(s string) ledger.Date {
	d, err := ledger.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func eur(s string) ledger.Money {
	m, err := ledger.ParseMoney(s, "EUR")
	if err != nil {
		panic(err)
	}
	return m
}

// newRunner returns a runner on s with the default policy; its clock reads
// noon UTC of today.
func newRunner(t *testing.T, s Store, today string) *Runner {
	t.Helper()
	p, err := dunning.DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	now := day(today).Time().Add(12 * time.Hour)
	r, err := New(Config{Store: s, Policy: p, Location: time.UTC, Clock: func() time.Time { return now }, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// inv is an open EUR invoice of customer cust, issued 30 days before due.
func inv(id, cust, amount, due string) ledger.Invoice {
	m := eur(amount)
	return ledger.Invoice{ID: id, Number: "FA-" + id, CustomerID: cust, CustomerName: "Client " + cust, Amount: m, Open: m,
		IssueDate: day(due).AddDays(-30), DueDate: day(due), Segment: "standard"}
}

func importInvoices(t *testing.T, s ledger.Store, invs ...ledger.Invoice) {
	t.Helper()
	var cs []ledger.Customer
	seen := map[string]bool{}
	for _, i := range invs {
		if !seen[i.CustomerID] {
			seen[i.CustomerID] = true
			cs = append(cs, ledger.Customer{ID: i.CustomerID, Name: i.CustomerName, Segment: i.Segment})
		}
	}
	if _, err := s.UpsertInvoices(t.Context(), ledger.InvoiceImport{Source: "test", Invoices: invs, Customers: cs},
		ledger.Write[ledger.ImportResult]{Actor: "test", Reason: "test"}); err != nil {
		t.Fatal(err)
	}
}

// book stores a credit of amount booked on d from payer, and returns its
// transaction id.
func book(t *testing.T, s ledger.Store, ref, amount string, d ledger.Date, payer ledger.Party) string {
	t.Helper()
	m := eur(amount)
	e := &ledger.Entry{Index: 1, Amount: m, Direction: ledger.Credit, Status: ledger.StatusBooked, BookingDate: d, ValueDate: d, AcctSvcrRef: ref,
		Transactions: []ledger.Transaction{{Index: 1, Amount: m, Direction: ledger.Credit, AcctSvcrRef: ref, EndToEndID: "E2E-" + ref, Debtor: payer}}}
	st := &ledger.Statement{Format: "camt.053.001.08", MessageID: "MSG-" + ref, StatementID: ref, CreatedAt: d.Time(),
		Account: ledger.Account{IBAN: ownIBAN, Currency: "EUR"}, From: d, To: d, LastPage: true}
	st.Totals.Add(e)
	h := sha256.Sum256([]byte(ref))
	res, err := s.SaveStatementFile(t.Context(), ledger.StatementFile{Hash: hex.EncodeToString(h[:]), Name: ref + ".xml", Size: 1, Format: "camt.053.001.08",
		Statements: []ledger.ParsedStatement{{Statement: st, Entries: []*ledger.Entry{e}}}}, ledger.Write[ledger.StatementFileResult]{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	txs, err := s.ListTransactions(t.Context(), ledger.TransactionFilter{StatementID: res.Statements[0].ID})
	if err != nil || len(txs) != 1 {
		t.Fatalf("transactions of %s: %v %v", ref, txs, err)
	}
	return txs[0].ID
}

// letter books a payment of amount on d and letters it to the invoice
// (applied); it returns the match id.
func letter(t *testing.T, s ledger.Store, ref, invoiceID, amount string, d ledger.Date) string {
	t.Helper()
	tx := book(t, s, ref, amount, d, ledger.Party{Name: "Somebody"})
	o, err := s.SaveMatch(t.Context(), ledger.Match{TransactionID: tx, Decision: ledger.DecisionAuto, Status: ledger.MatchApplied, Score: 1,
		Allocations: []ledger.Allocation{{InvoiceID: invoiceID, Amount: eur(amount)}}, Unapplied: eur("0.00"), WriteOff: eur("0.00"), DecidedBy: "test"},
		ledger.Write[ledger.MatchOutcome]{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return o.Match.ID
}

// propose books a credit on d and stores it as a review proposal for the
// invoice, or, with invoiceID "", as an unmatched credit.
func propose(t *testing.T, s ledger.Store, ref, invoiceID, amount string, d ledger.Date, payer ledger.Party) {
	t.Helper()
	tx := book(t, s, ref, amount, d, payer)
	m := ledger.Match{TransactionID: tx, Decision: ledger.DecisionReview, Status: ledger.MatchProposed, Score: 0.7,
		Allocations: []ledger.Allocation{{InvoiceID: invoiceID, Amount: eur(amount)}}, Unapplied: eur("0.00"), WriteOff: eur("0.00"), DecidedBy: "test"}
	if invoiceID == "" {
		m.Decision, m.Allocations, m.Unapplied, m.Score = ledger.DecisionUnmatched, nil, eur(amount), 0
	}
	if _, err := s.SaveMatch(t.Context(), m, ledger.Write[ledger.MatchOutcome]{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
}

// got is a step as the tests compare it: day, invoice, kind, to.
type got struct {
	On, Invoice, Kind, To string
}

func gotOf(steps []Step) []got {
	var out []got
	for _, s := range steps {
		out = append(out, got{s.AsOf.String(), s.InvoiceID, string(s.Kind), s.To})
	}
	return out
}

// runDays runs every day from first to last, twice each (the second run
// must store nothing), and returns the steps stored.
func runDays(t *testing.T, r *Runner, first, last string, before func(ledger.Date)) []Step {
	t.Helper()
	var all []Step
	for d := day(first); !d.After(day(last)); d = d.AddDays(1) {
		if before != nil {
			before(d)
		}
		rep, err := r.Run(t.Context(), d, Options{})
		if err != nil {
			t.Fatalf("run %s: %v", d, err)
		}
		if len(rep.Failed) > 0 {
			t.Fatalf("run %s: failed %v", d, rep.Failed)
		}
		all = append(all, rep.Steps...)
		again, err := r.Run(t.Context(), d, Options{})
		if err != nil || len(again.Steps) != 0 {
			t.Fatalf("second run %s: %v %+v", d, err, again.Steps)
		}
	}
	return all
}

// eventsOf returns the dunning events of an invoice, decoded.
func eventsOf(t *testing.T, s ledger.Store, invoiceID string) []map[string]any {
	t.Helper()
	evs, err := s.ListEvents(t.Context(), ledger.EventFilter{AggregateType: "invoice", AggregateID: invoiceID})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range evs {
		var m map[string]any
		if err := json.Unmarshal(e.Data, &m); err != nil {
			t.Fatal(err)
		}
		m["type"] = e.Type
		out = append(out, m)
	}
	return out
}

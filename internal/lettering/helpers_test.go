package lettering

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/lettrage/lettrage/internal/ledger"
	storeengines "github.com/lettrage/lettrage/internal/storetest/engines"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// engine opens a fresh, migrated store of one engine; reopen gives another
// store on the same database, as a restarted process would have.
type engine = storeengines.Engine

// engines returns SQLite, and PostgreSQL when LETTRAGE_TEST_PG_DSN is set.
func engines(t *testing.T) []engine { return storeengines.All(t, "lettering") }

// forEngines runs f as a subtest on every engine.
func forEngines(t *testing.T, f func(t *testing.T, e engine)) {
	storeengines.ForEach(t, "lettering", f)
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a test's store, metrics and runner configuration.
type env struct {
	t       *testing.T
	store   ledger.Store
	reopen  func() ledger.Store
	metrics *Metrics
	logs    *syncBuffer
	cfg     Config
}

func newEnv(t *testing.T, e engine) *env {
	t.Helper()
	s, reopen := e.Open(t)
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	return &env{t: t, store: s, reopen: reopen, metrics: m, logs: logs, cfg: Config{
		Store: s, Interval: 100 * time.Millisecond, Logger: zerolog.New(logs), Metrics: m,
	}}
}

func (e *env) runner() *Runner {
	e.t.Helper()
	cfg := e.cfg
	cfg.Store = e.store
	r, err := New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) runOnce() Summary {
	e.t.Helper()
	sum, err := e.runner().RunOnce(context.Background())
	if err != nil {
		e.t.Fatalf("RunOnce: %v\n%s", err, e.logs)
	}
	return sum
}

func eur(s string) ledger.Money {
	m, err := ledger.ParseMoney(s, "EUR")
	if err != nil {
		panic(err)
	}
	return m
}

func day(s string) ledger.Date {
	d, err := ledger.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// invoice is an open invoice of the test ledger.
func invoice(id, number, cust, name, amount, issue string) ledger.Invoice {
	return ledger.Invoice{ID: id, Number: number, CustomerID: cust, CustomerName: name, Amount: eur(amount),
		IssueDate: day(issue), DueDate: day(issue).AddDays(30)}
}

// importLedger imports the test invoices and customers.
func (e *env) importLedger() {
	e.t.Helper()
	invs := []ledger.Invoice{
		invoice("I01", "FA-2026-0012", "C01", "Boulangerie Martineau SARL", "1200.00", "2026-09-01"),
		invoice("I02", "FA-2026-0013", "C01", "Boulangerie Martineau SARL", "845.30", "2026-09-05"),
		invoice("I06", "FA-2026-0017", "C05", "Cabinet Rousseau", "3150.75", "2026-09-10"),
		invoice("I07", "FA-2026-0018", "C05", "Cabinet Rousseau", "1999.99", "2026-09-11"),
		invoice("I15", "FA-2026-0300", "C10", "Fromagerie Vasseur", "1234.56", "2026-09-19"),
		invoice("I16", "FA-2026-0301", "C11", "Garage Lefèvre", "1200.00", "2026-09-20"),
	}
	custs := []ledger.Customer{{ID: "C01", Name: "Boulangerie Martineau SARL", IBANs: []string{"FR7630006000011234567890189"}}}
	if _, err := e.store.UpsertInvoices(context.Background(), ledger.InvoiceImport{Source: "test", Invoices: invs, Customers: custs},
		ledger.Write[ledger.ImportResult]{Actor: "test"}); err != nil {
		e.t.Fatal(err)
	}
}

// line is one transaction of a test statement.
type line struct {
	amount     string
	dir        ledger.Direction
	status     ledger.EntryStatus
	payer      string
	e2e        string
	remittance string
	reversal   bool
	ret        string // return reason
}

func credit(amount, payer, e2e, remittance string) line {
	return line{amount: amount, dir: ledger.Credit, payer: payer, e2e: e2e, remittance: remittance}
}

const account = "FR7610107001011234567890129"

// saveStatement stores a statement of the test account with one entry per
// line, booked on d.
func (e *env) saveStatement(id string, d ledger.Date, lines ...line) ledger.StatementFileResult {
	e.t.Helper()
	var entries []*ledger.Entry
	for i, l := range lines {
		m := eur(l.amount)
		status := l.status
		if status == "" {
			status = ledger.StatusBooked
		}
		ref := id + "-" + strconv.Itoa(i+1)
		tx := ledger.Transaction{Index: 1, Amount: m, Direction: l.dir, AcctSvcrRef: ref, EndToEndID: l.e2e,
			Debtor: ledger.Party{Name: l.payer}, ReturnReason: l.ret}
		if l.remittance != "" {
			tx.Remittance = []string{l.remittance}
		}
		entries = append(entries, &ledger.Entry{Index: i + 1, Amount: m, Direction: l.dir, Status: status, Reversal: l.reversal,
			BookingDate: d, ValueDate: d, AcctSvcrRef: ref, Transactions: []ledger.Transaction{tx}})
	}
	st := &ledger.Statement{Format: "camt.053.001.08", StatementID: id, Account: ledger.Account{IBAN: account, Currency: "EUR"}, From: d, To: d}
	for _, en := range entries {
		st.Totals.Add(en)
	}
	var hash [32]byte
	_, _ = rand.Read(hash[:])
	res, err := e.store.SaveStatementFile(context.Background(), ledger.StatementFile{Hash: hex.EncodeToString(hash[:]), Name: id + ".xml",
		Format: st.Format, Statements: []ledger.ParsedStatement{{Statement: st, Entries: entries}}}, ledger.Write[ledger.StatementFileResult]{Actor: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// transactionOf returns the stored transaction with a bank reference.
func (e *env) transactionOf(ref string) ledger.BankTransaction {
	e.t.Helper()
	txs, err := e.store.ListTransactions(context.Background(), ledger.TransactionFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, t := range txs {
		if t.BankRef == ref {
			return t
		}
	}
	e.t.Fatalf("no transaction %s", ref)
	return ledger.BankTransaction{}
}

// matchesOf returns a transaction's matches.
func (e *env) matchesOf(txID string) []ledger.Match {
	e.t.Helper()
	ms, err := e.store.ListMatches(context.Background(), ledger.MatchFilter{TransactionID: txID})
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

func (e *env) invoice(id string) ledger.Invoice {
	e.t.Helper()
	inv, err := e.store.GetInvoice(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return inv
}

func (e *env) events(f ledger.EventFilter) []ledger.OutboxEvent {
	e.t.Helper()
	evs, err := e.store.ListEvents(context.Background(), f)
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// metricValue reads a counter or gauge.
func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	switch {
	case d.Counter != nil:
		return d.Counter.GetValue()
	case d.Gauge != nil:
		return d.Gauge.GetValue()
	case d.Histogram != nil:
		return float64(d.Histogram.GetSampleCount())
	}
	t.Fatalf("metric %v has no value", m.Desc())
	return 0
}

// eventually polls cond until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %s: %s", timeout, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

package lettering

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/postgres"
	"github.com/lettrage/lettrage/internal/sqlite"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// engine opens a fresh, migrated store of one engine; reopen gives another
// store on the same database, as a restarted process would have.
type engine struct {
	name string
	open func(t *testing.T) (s ledger.Store, reopen func() ledger.Store)
}

func engines(t *testing.T) []engine {
	t.Helper()
	out := []engine{{name: "sqlite", open: openSQLite}}
	if os.Getenv("LETTRAGE_TEST_PG_DSN") != "" {
		out = append(out, engine{name: "postgres", open: openPostgres})
	} else {
		t.Log("SKIPPING the PostgreSQL variant: LETTRAGE_TEST_PG_DSN is not set, so lettering on PostgreSQL is NOT TESTED; " +
			"set LETTRAGE_TEST_PG_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'")
	}
	return out
}

func forEngines(t *testing.T, f func(t *testing.T, e engine)) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) { f(t, e) })
	}
}

func openSQLite(t *testing.T) (ledger.Store, func() ledger.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	open := func() ledger.Store {
		s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	return open(), open
}

func openPostgres(t *testing.T) (ledger.Store, func() ledger.Store) {
	t.Helper()
	dsn := os.Getenv("LETTRAGE_TEST_PG_DSN")
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "lettering_" + hex.EncodeToString(b[:])
	pgExec(t, dsn, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { pgExec(t, dsn, `DROP SCHEMA `+schema+` CASCADE`) })
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	open := func() ledger.Store {
		s, err := postgres.Open(context.Background(), u.String(), postgres.Options{MaxConns: 6})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	return open(), open
}

func pgExec(t *testing.T, dsn, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
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
	s, reopen := e.open(t)
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

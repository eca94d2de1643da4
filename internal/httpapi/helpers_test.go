package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/sqlite"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Bearer tokens of the tests, and the names the journal records.
const (
	tokenRW    = "rw-token-0123456789abcdef" // erp: read and write
	tokenRO    = "ro-token-0123456789abcdef" // dashboard: read only
	tokenWO    = "wo-token-0123456789abcdef" // loader: write only
	tokenWrong = "not-a-configured-token-000"
	actorRW    = "erp"
)

// Fixture values.
const (
	ownIBAN   = "FR7630006000011234567890189" // the account statements are about
	payerIBAN = "DE89370400440532013000"      // a payer's account, not yet known
	eur       = ledger.Currency("EUR")
)

func hashHex(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// testTokens are the configured tokens: hashes only.
func testTokens() []Token {
	return []Token{
		{Name: actorRW, SHA256: hashHex(tokenRW), Scopes: []string{"read", "write"}},
		{Name: "dashboard", SHA256: strings.ToUpper(hashHex(tokenRO)), Scopes: []string{"read"}},
		{Name: "loader", SHA256: hashHex(tokenWO), Scopes: []string{"write"}},
	}
}

// opener opens a fresh, migrated store for one test.
type opener func(t *testing.T) ledger.Store

// openSQLite opens a migrated SQLite store in a temporary directory.
func openSQLite(t *testing.T) ledger.Store { return openSQLiteTB(t) }

func openSQLiteTB(t testing.TB) ledger.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), sqlite.FileName), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

// env is an API served by httptest over a real store.
type env struct {
	t     *testing.T
	store ledger.Store
	srv   *httptest.Server
	reg   *prometheus.Registry
	today time.Time
}

// setup starts the API on a fresh store; edit adjusts the options.
func setup(t *testing.T, open opener, edit ...func(*Options)) *env {
	t.Helper()
	st := open(t)
	reg := prometheus.NewRegistry()
	today := time.Date(2026, time.November, 20, 9, 30, 0, 0, time.UTC)
	o := Options{
		Store: st, Logger: zerolog.New(io.Discard), Gatherer: reg, Registerer: reg, Tokens: testTokens(),
		Clock: func() time.Time { return today }, Location: time.UTC,
	}
	for _, f := range edit {
		f(&o)
	}
	h, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, store: st, srv: srv, reg: reg, today: today}
}

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with a bearer token ("" for none) and a body with its
// content type.
func (e *env) do(method, path, token, contentType, body string) answer {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

// get is an authenticated GET with the read-write token.
func (e *env) get(path string) answer { return e.do(http.MethodGet, path, tokenRW, "", "") }

// post is an authenticated JSON POST with the read-write token.
func (e *env) post(path, body string) answer {
	return e.do(http.MethodPost, path, tokenRW, "application/json", body)
}

// want checks the status, reporting the body when it differs.
func (a answer) want(t *testing.T, status int) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body: %s", a.status, status, a.body)
	}
	return a
}

// decode unmarshals the body into v.
func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
}

// errorOf returns the error answer's body.
func (a answer) errorOf(t *testing.T) errorJSON {
	t.Helper()
	var b errorBody
	a.decode(t, &b)
	if b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("not an error answer: %s", a.body)
	}
	return b.Error
}

// wantError checks an error answer's status and code.
func (a answer) wantError(t *testing.T, status int, code string) errorJSON {
	t.Helper()
	a.want(t, status)
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q, want application/json", ct)
	}
	e := a.errorOf(t)
	if e.Code != code {
		t.Fatalf("error code %q, want %q: %s", e.Code, code, a.body)
	}
	return e
}

// day is a date of November 2026.
func day(d int) ledger.Date { return ledger.NewDate(2026, time.November, d) }

func eurs(minor int64) ledger.Money { return ledger.Money{Minor: minor, Currency: eur} }

// payment describes a credit to store.
type payment struct {
	ref        string
	minor      int64
	payer      string
	iban       string
	remittance string
	booked     ledger.Date
}

// storeCredit stores a one-credit statement file, as ingestion would, and
// returns the stored transaction's id.
func storeCredit(t *testing.T, s ledger.Store, p payment) string {
	t.Helper()
	if p.booked.IsZero() {
		p.booked = day(12)
	}
	m := eurs(p.minor)
	e := &ledger.Entry{
		Index: 1, Amount: m, Direction: ledger.Credit, Status: ledger.StatusBooked, BookingDate: p.booked, ValueDate: p.booked,
		AcctSvcrRef: p.ref, BankTxCode: ledger.BankTxCode{Domain: "PMNT", Family: "RCDT", SubFamily: "ESCT"},
		Transactions: []ledger.Transaction{{
			Index: 1, Amount: m, Direction: ledger.Credit, AcctSvcrRef: p.ref, EndToEndID: "E2E-" + p.ref,
			Debtor: ledger.Party{Name: p.payer, IBAN: p.iban}, Remittance: []string{p.remittance},
		}},
	}
	st := &ledger.Statement{
		Format: "camt.053.001.08", MessageID: "MSG-" + p.ref, StatementID: "S-" + p.ref,
		Account: ledger.Account{IBAN: ownIBAN, Currency: eur}, From: p.booked, To: p.booked, LastPage: true,
	}
	st.Totals.Add(e)
	res, err := s.SaveStatementFile(t.Context(), ledger.StatementFile{
		Hash: hashHex("file-" + p.ref), Name: p.ref + ".xml", Size: 1, Format: st.Format,
		Statements: []ledger.ParsedStatement{{Statement: st, Entries: []*ledger.Entry{e}}},
	}, ledger.Write[ledger.StatementFileResult]{Actor: "ingest", Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	txs, err := s.ListTransactions(t.Context(), ledger.TransactionFilter{StatementID: res.Statements[0].ID})
	if err != nil || len(txs) != 1 {
		t.Fatalf("stored transactions: %v, %v", txs, err)
	}
	return txs[0].ID
}

// saveMatch stores an engine decision (a proposal, or an automatic
// lettrage) about a stored transaction, as the pipeline would.
func saveMatch(t *testing.T, s ledger.Store, txID string, d ledger.Decision, st ledger.MatchStatus, total int64, allocs ...ledger.Allocation) ledger.Match {
	t.Helper()
	rest := total
	for _, a := range allocs {
		rest -= a.Amount.Minor
	}
	o, err := s.SaveMatch(t.Context(), ledger.Match{
		TransactionID: txID, Decision: d, Status: st, Score: 0.81,
		Reasons: []string{"invoice number in remittance"}, Allocations: allocs, Unapplied: eurs(rest), DecidedBy: "engine/test",
	}, ledger.Write[ledger.MatchOutcome]{Actor: "engine/test", Reason: "test",
		Events: func(o ledger.MatchOutcome) ([]ledger.EventDraft, error) {
			return ledger.LettrageEvents(o, "engine/test", "")
		}})
	if err != nil {
		t.Fatal(err)
	}
	return o.Match
}

func alloc(invoiceID string, minor int64) ledger.Allocation {
	return ledger.Allocation{InvoiceID: invoiceID, Amount: eurs(minor)}
}

// invoicesCSV is an import of three invoices of two customers.
const invoicesCSV = `invoice_id,number,customer_id,customer_name,amount,currency,issue_date,due_date,open_amount,customer_iban
F-1,FA-2026-0001,C1,ACME SARL,1200.00,EUR,2026-10-01,2026-10-31,,
F-2,FA-2026-0002,C1,ACME SARL,300.50,EUR,2026-10-15,2026-11-14,,
F-3,FA-2026-0003,C2,Boulangerie Dupont,99.99,EUR,2026-11-01,2026-12-01,,FR1420041010050500013M02606
`

// importInvoices imports CSV through the API.
func (e *env) importInvoices(csv string) importJSON {
	e.t.Helper()
	var res importJSON
	e.do(http.MethodPost, "/v1/invoices", tokenRW, "text/csv", csv).want(e.t, http.StatusOK).decode(e.t, &res)
	return res
}

// invoice reads an invoice from the store.
func (e *env) invoice(id string) ledger.Invoice {
	e.t.Helper()
	inv, err := e.store.GetInvoice(e.t.Context(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return inv
}

// events lists the outbox events of an aggregate.
func (e *env) events(aggType, aggID string) []ledger.OutboxEvent {
	e.t.Helper()
	evs, err := e.store.ListEvents(e.t.Context(), ledger.EventFilter{AggregateType: aggType, AggregateID: aggID})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// eventTypes lists the types of events.
func eventTypes(evs []ledger.OutboxEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Type
	}
	return out
}

// journal lists the journal rows of an invoice.
func (e *env) journal(invoiceID string) []ledger.AuditRecord {
	e.t.Helper()
	rows, err := e.store.ListAudit(e.t.Context(), ledger.AuditFilter{InvoiceID: invoiceID})
	if err != nil {
		e.t.Fatal(err)
	}
	return rows
}

// mustJSON marshals v.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/lettrage/lettrage/fixtures/render"
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
func engines(t *testing.T) []engine { return storeengines.All(t, "ingestion") }

// forEngines runs f as a subtest on every engine.
func forEngines(t *testing.T, f func(t *testing.T, e engine)) {
	storeengines.ForEach(t, "ingestion", f)
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

// env is one test's data directory, store and watcher configuration.
type env struct {
	t       *testing.T
	dir     string
	store   ledger.Store
	reopen  func() ledger.Store
	metrics *Metrics
	reg     *prometheus.Registry
	logs    *syncBuffer
	cfg     Config
}

// newEnv prepares a data directory and a store; cfg has short test timings
// (settle 300 ms) that tests adjust before starting.
func newEnv(t *testing.T, e engine) *env {
	t.Helper()
	s, reopen := e.Open(t)
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	dir := t.TempDir()
	return &env{t: t, dir: dir, store: s, reopen: reopen, metrics: m, reg: reg, logs: logs, cfg: Config{
		DataDir:        dir,
		Store:          s,
		Replica:        "r1",
		SettleTime:     300 * time.Millisecond,
		RescanInterval: 500 * time.Millisecond,
		PollInterval:   50 * time.Millisecond,
		ClaimInterval:  100 * time.Millisecond,
		OrphanAfter:    time.Hour,
		Logger:         zerolog.New(logs),
		Metrics:        m,
	}}
}

// start runs a watcher with the env's config until the test ends.
func (e *env) start() *Watcher {
	e.t.Helper()
	return e.startWith(e.cfg)
}

func (e *env) startWith(cfg Config) *Watcher {
	e.t.Helper()
	started := make(chan struct{})
	hook := cfg.testHook
	cfg.testHook = func(p string) {
		if p == "started" {
			close(started)
		}
		if hook != nil {
			hook(p)
		}
	}
	w, err := New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			e.t.Error("Run did not return after cancel")
		}
	})
	// Wait until Run watches inbox/ and made its first full look.
	select {
	case <-started:
	case err := <-done:
		e.t.Fatalf("Run returned at start: %v", err)
	case <-time.After(30 * time.Second):
		e.t.Fatal("Run did not start")
	}
	return w
}

// eventually polls cond until it holds or timeout passes (generous: the
// machine is shared).
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

// drop writes a file into inbox/ the way well-behaved producers do: under
// a temporary name, then renamed.
func (e *env) drop(name string, data []byte) {
	e.t.Helper()
	tmp := filepath.Join(e.dir, dirInbox, "."+name+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(e.dir, dirInbox, name)); err != nil {
		e.t.Fatal(err)
	}
}

// ls lists the regular and other entries under a data subdirectory,
// relative to it, recursively (not following links).
func (e *env) ls(sub string) []string {
	e.t.Helper()
	var out []string
	base := filepath.Join(e.dir, sub)
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == base {
			return nil
		}
		rel, _ := filepath.Rel(base, p)
		if d.IsDir() {
			// Count a directory only when it is a rejected drop.
			if sub == dirRejected {
				out = append(out, rel+"/")
				return filepath.SkipDir
			}
			return nil
		}
		out = append(out, rel)
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		e.t.Fatal(err)
	}
	return out
}

// waitSettled waits until inbox/ and processing/ are empty and archive/
// plus rejected/ hold want entries (reports not counted).
func (e *env) waitSettled(want int) {
	e.t.Helper()
	eventually(e.t, 20*time.Second, func() (bool, string) {
		inbox, proc := e.ls(dirInbox), e.ls(dirProcessing)
		done := len(e.ls(dirArchive))
		for _, r := range e.ls(dirRejected) {
			if !strings.HasSuffix(r, errorSuffix) {
				done++
			}
		}
		return len(inbox) == 0 && len(proc) == 0 && done == want,
			"inbox " + strings.Join(inbox, ",") + "; processing " + strings.Join(proc, ",") + "; archived+rejected " + itoa(done)
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func fixture(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "fixtures", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readReport reads the report beside a rejected file.
func (e *env) readReport(rejected string) Report {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.dir, dirRejected, rejected+errorSuffix))
	if err != nil {
		e.t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		e.t.Fatalf("report of %s: %v\n%s", rejected, err, b)
	}
	return r
}

// events lists the outbox events of a type.
func (e *env) events(typ string) []ledger.OutboxEvent {
	e.t.Helper()
	evs, err := e.store.ListEvents(context.Background(), ledger.EventFilter{Type: typ})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// jobs lists every ingestion job.
func (e *env) jobs() []ledger.IngestJob {
	e.t.Helper()
	js, err := e.store.ListIngestJobs(context.Background(), ledger.IngestJobFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return js
}

// camtStatement renders a small camt.053.001.08 statement of account iban
// with an electronic sequence number and one credit per amount (minor
// units), booked on day.
func camtStatement(t *testing.T, iban, seq string, day ledger.Date, amounts ...int64) []byte {
	t.Helper()
	var entries []*ledger.Entry
	var total int64
	for i, a := range amounts {
		m := ledger.Money{Minor: a, Currency: "EUR"}
		tx := ledger.Transaction{Index: 1, Amount: m, Direction: ledger.Credit, AcctSvcrRef: iban[len(iban)-4:] + "-" + seq + "-" + itoa(i),
			EndToEndID: "E2E-" + seq + "-" + itoa(i), Debtor: ledger.Party{Name: "PAYER " + itoa(i)}, Remittance: []string{"PAYMENT " + itoa(i)}}
		entries = append(entries, &ledger.Entry{Index: i + 1, Amount: m, Direction: ledger.Credit, Status: ledger.StatusBooked,
			BookingDate: day, ValueDate: day, AcctSvcrRef: tx.AcctSvcrRef, Transactions: []ledger.Transaction{tx}})
		total += a
	}
	s := &ledger.Statement{StatementID: "STMT-" + seq, ElectronicSeq: seq, CreatedAt: day.Time().Add(20 * time.Hour),
		Account: ledger.Account{IBAN: iban, Currency: "EUR"}, From: day, To: day,
		Balances: []ledger.Balance{
			{Type: ledger.OpeningBooked, Amount: ledger.Money{Minor: 100000, Currency: "EUR"}, Date: day},
			{Type: ledger.ClosingBooked, Amount: ledger.Money{Minor: 100000 + total, Currency: "EUR"}, Date: day},
		}}
	var buf bytes.Buffer
	if err := render.WriteCAMT053(&buf, "001.08", s, entries); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// waitMetric waits until a counter or gauge reaches want (metrics are
// updated just after the file moves that tests wait for).
func waitMetric(t *testing.T, name string, m prometheus.Metric, want float64) {
	t.Helper()
	got := 0.0
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got = metricValue(t, m); got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s = %v, want %v", name, got, want)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
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
	}
	t.Fatalf("metric %v is neither a counter nor a gauge", m.Desc())
	return 0
}

// histogramCount reads how many observations a histogram has.
func histogramCount(t *testing.T, o prometheus.Observer) float64 {
	t.Helper()
	var d dto.Metric
	if err := o.(prometheus.Metric).Write(&d); err != nil {
		t.Fatal(err)
	}
	return float64(d.Histogram.GetSampleCount())
}

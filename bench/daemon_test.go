package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/pgtest"
	"github.com/lettrage/lettrage/internal/webhook"
)

// The daemon benchmarks run the real `lettrage serve` binary on a
// temporary data directory (SQLite, and PostgreSQL when
// LETTRAGE_TEST_PG_DSN is set) with a local webhook receiver that
// verifies every signature, and drop generated statements (PayCorpus:
// every credit pays an imported invoice) into its inbox. They take
// seconds per iteration, so give a count:
//
//	go test -run '^$' -bench 'BenchmarkDaemon' -benchtime 20x ./bench
//
// Allocations are not reported: they would be the harness's, not the
// daemon's. The daemon's own cost is reported from its /metrics:
// daemon-cpu-ms/op (user + system CPU of the daemon process) and
// daemon-rss-MB (resident memory at the end).

// Daemon benchmark sizes.
const (
	latencyCredits   = 1000 // credits of the statement of BenchmarkDaemonDropToWebhook
	sustainedCredits = 100  // credits of each statement of BenchmarkDaemonSustained
)

var (
	daemonBinOnce sync.Once
	daemonBin     string
	daemonBinErr  error
)

// lettrageBinary builds cmd/lettrage once per test process.
func lettrageBinary(tb testing.TB) string {
	tb.Helper()
	daemonBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lettrage-bench-")
		if err != nil {
			daemonBinErr = err
			return
		}
		daemonBin = filepath.Join(dir, "lettrage")
		out, err := exec.Command("go", "build", "-o", daemonBin, "github.com/lettrage/lettrage/cmd/lettrage").CombinedOutput()
		if err != nil {
			daemonBinErr = errors.New(string(out))
		}
	})
	if daemonBinErr != nil {
		tb.Fatalf("build lettrage: %v", daemonBinErr)
	}
	return daemonBin
}

// benchReceiver is the local webhook endpoint: it verifies each
// signature and records when each invoice's lettrage.applied and each
// file's statement.ingested arrived.
type benchReceiver struct {
	secret webhook.Secret
	// refuse, while set, answers 503 to every request (a receiver that is
	// down); refused requests are not recorded.
	refuse atomic.Bool

	mu       sync.Mutex
	applied  map[string]time.Time // invoice id → first lettrage.applied
	ingested map[string]time.Time // file name → statement.ingested
	total    int
	bad      int
}

func newBenchReceiver() *benchReceiver {
	return &benchReceiver{secret: webhook.NewSecret(), applied: map[string]time.Time{}, ingested: map[string]time.Time{}}
}

func (r *benchReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(req.Body)
	if err == nil {
		err = webhook.Verify([]webhook.Secret{r.secret}, req.Header, body, at, 5*time.Minute)
	}
	var env struct {
		Type      string `json:"type"`
		Aggregate *struct {
			ID string `json:"id"`
		} `json:"aggregate"`
		Data struct {
			File string `json:"file"`
		} `json:"data"`
	}
	if err == nil {
		err = json.Unmarshal(body, &env)
	}
	if err == nil && r.refuse.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.bad++
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.total++
	switch {
	case env.Type == "lettrage.applied" && env.Aggregate != nil:
		if _, seen := r.applied[env.Aggregate.ID]; !seen {
			r.applied[env.Aggregate.ID] = at
		}
	case env.Type == "statement.ingested":
		r.ingested[env.Data.File] = at
	}
	w.WriteHeader(http.StatusNoContent)
}

// waitFor polls cond (under the receiver's lock) until it holds.
func (r *benchReceiver) waitFor(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		r.mu.Lock()
		ok, bad := cond(), r.bad
		r.mu.Unlock()
		if bad > 0 {
			tb.Fatalf("%d webhooks failed verification", bad)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// benchDaemon is a running `lettrage serve`.
type benchDaemon struct {
	addr, dataDir string
	token         string
	cmd           *exec.Cmd
}

// startBenchDaemon starts the daemon on a new data directory with the
// default settings, except a local receiver for every event and, when
// retryDelays is not empty, webhooks.retry_delays (a YAML list).
func startBenchDaemon(b *testing.B, database string, rcv *benchReceiver, rcvURL, retryDelays string) *benchDaemon {
	b.Helper()
	return startReplica(b, database, rcv, rcvURL, retryDelays, "", "")
}

// startReplica is startBenchDaemon on the data directory dataDir (a new
// one when "") under the replica name replica ("" for the default).
func startReplica(b *testing.B, database string, rcv *benchReceiver, rcvURL, retryDelays, dataDir, replica string) *benchDaemon {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := b.TempDir()
	d := &benchDaemon{addr: addr, dataDir: filepath.Join(dir, "data"), token: "bench-token-0123456789abcdef"}
	if dataDir != "" {
		d.dataDir = dataDir
	}
	retryLine := ""
	if retryDelays != "" {
		retryLine = "  retry_delays: " + retryDelays + "\n"
	}
	replicaLine := ""
	if replica != "" {
		replicaLine = "replica: " + replica + "\n"
	}
	cfg := fmt.Sprintf(`data_dir: %s
listen: %s
database: %q
log_format: json
%swebhooks:
  allow_private_targets: true
%s  endpoints:
    - name: erp
      url: %s
      secrets: [%q]
      events: ["*"]
`, d.dataDir, addr, database, replicaLine, retryLine, rcvURL, rcv.secret.Text())
	cfgPath := filepath.Join(dir, "lettrage.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	logs, err := os.Create(filepath.Join(dir, "daemon.log"))
	if err != nil {
		b.Fatal(err)
	}
	d.cmd = exec.Command(lettrageBinary(b), "serve", "--config", cfgPath)
	d.cmd.Env = append(os.Environ(), "LETTRAGE_API_TOKEN="+d.token)
	d.cmd.Stdout, d.cmd.Stderr = logs, logs
	if err := d.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = d.cmd.Process.Kill()
		_ = d.cmd.Wait()
		logs.Close()
		if b.Failed() {
			out, _ := os.ReadFile(logs.Name())
			b.Logf("daemon logs:\n%s", out)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return d
			}
		}
		if time.Now().After(deadline) {
			b.Fatal("daemon not ready within 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *benchDaemon) importInvoices(b *testing.B, invs []PayInvoice) {
	b.Helper()
	for len(invs) > 0 {
		n := min(len(invs), 20_000)
		req, _ := http.NewRequest(http.MethodPost, "http://"+d.addr+"/v1/invoices", bytes.NewReader(InvoicesCSV(invs[:n])))
		req.Header.Set("Authorization", "Bearer "+d.token)
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
			b.Fatalf("import invoices: %d %s", resp.StatusCode, body)
		}
		invs = invs[n:]
	}
}

// stage writes a statement into the inbox under a temporary name; the
// returned function renames it in (the drop) and returns when it did.
func (d *benchDaemon) stage(b *testing.B, st PayStatement) func() time.Time {
	b.Helper()
	tmp := filepath.Join(d.dataDir, "inbox", "."+st.Name+".part")
	if err := os.WriteFile(tmp, st.Data, 0o600); err != nil {
		b.Fatal(err)
	}
	return func() time.Time {
		at := time.Now()
		if err := os.Rename(tmp, filepath.Join(d.dataDir, "inbox", st.Name)); err != nil {
			b.Fatal(err)
		}
		return at
	}
}

// metric scrapes one unlabelled sample of the daemon's /metrics.
func (d *benchDaemon) metric(b *testing.B, name string) float64 {
	b.Helper()
	resp, err := http.Get("http://" + d.addr + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatalf("metric %s: %v", name, err)
			}
			return f
		}
	}
	b.Fatalf("metric %s not exposed", name)
	return 0
}

// forEngines runs fn on SQLite and, when LETTRAGE_TEST_PG_DSN is set, on
// PostgreSQL.
func forEngines(b *testing.B, fn func(b *testing.B, database string)) {
	b.Run("engine=sqlite", func(b *testing.B) { fn(b, "") })
	b.Run("engine=postgres", func(b *testing.B) {
		fn(b, pgtest.NewSchema(b, "the daemon benchmarks", "lt_bench"))
	})
}

// percentile returns the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkDaemonDropToWebhook measures, per iteration, the time from the
// rename of a 1,000-credit camt.053.001.08 statement into the inbox to
// the receipt of the last lettrage.applied webhook of its credits (each
// credit pays one of 1,000 invoices imported beforehand). One statement
// is in flight at a time; between iterations the daemon finishes the
// statement's invoice.paid webhooks, untimed. Reported: p50-ms, p99-ms
// (nearest rank: with fewer than 100 iterations, the slowest), to-ingested-ms
// (median time to its statement.ingested webhook), daemon-cpu-ms/op.
func BenchmarkDaemonDropToWebhook(b *testing.B) {
	forEngines(b, func(b *testing.B, database string) {
		rcv := newBenchReceiver()
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		d := startBenchDaemon(b, database, rcv, srv.URL, "")
		var lat, ingest []time.Duration
		var cpu float64
		var size int64
		i := 0
		b.ResetTimer()
		for b.Loop() {
			b.StopTimer()
			c, err := NewPayCorpus(PayCorpusSpec{Seed: 1, Statements: 1, CreditsPerStatement: latencyCredits, FirstInvoice: 1 + i*latencyCredits})
			if err != nil {
				b.Fatal(err)
			}
			i++
			st := c.Statements[0]
			size = int64(len(st.Data))
			d.importInvoices(b, c.Invoices)
			drop := d.stage(b, st)
			cpu0 := d.metric(b, "process_cpu_seconds_total")
			b.StartTimer()
			t0 := drop()
			rcv.waitFor(b, 5*time.Minute, "the statement's lettrage.applied webhooks", func() bool {
				for _, id := range st.Invoices {
					if _, ok := rcv.applied[id]; !ok {
						return false
					}
				}
				return true
			})
			b.StopTimer()
			rcv.mu.Lock()
			var last time.Time
			for _, id := range st.Invoices {
				if at := rcv.applied[id]; at.After(last) {
					last = at
				}
			}
			lat = append(lat, last.Sub(t0))
			ingest = append(ingest, rcv.ingested[st.Name].Sub(t0))
			rcv.mu.Unlock()
			// Let the invoice.paid webhooks drain before the next drop.
			want := i * (2*latencyCredits + 1)
			rcv.waitFor(b, 5*time.Minute, "the statement's webhooks", func() bool { return rcv.total >= want })
			cpu += d.metric(b, "process_cpu_seconds_total") - cpu0
			b.StartTimer()
		}
		b.StopTimer()
		inOrder := make([]string, len(lat))
		for k, l := range lat {
			inOrder[k] = strconv.FormatFloat(ms(l), 'f', 0, 64)
		}
		b.Logf("drop-to-last-lettrage.applied latencies in drop order (ms): %s", strings.Join(inOrder, " "))
		slices.Sort(lat)
		slices.Sort(ingest)
		b.SetBytes(size)
		b.ReportMetric(ms(percentile(lat, 50)), "p50-ms")
		b.ReportMetric(ms(percentile(lat, 99)), "p99-ms")
		b.ReportMetric(ms(percentile(ingest, 50)), "to-ingested-ms")
		b.ReportMetric(cpu*1000/float64(len(lat)), "daemon-cpu-ms/op")
		b.ReportMetric(d.metric(b, "process_resident_memory_bytes")/(1<<20), "daemon-rss-MB")
	})
}

// BenchmarkDaemonSustained drops b.N statements of 100 credits each (every
// credit paying an imported invoice) into the inbox at once and measures
// until every webhook they cause (statement.ingested, and per credit
// lettrage.applied and invoice.paid: 201 per statement) reached the local
// receiver. Reported: statements/s, transactions/s, webhooks/s, and
// daemon-cpu-ms/op per statement.
func BenchmarkDaemonSustained(b *testing.B) {
	forEngines(b, func(b *testing.B, database string) {
		rcv := newBenchReceiver()
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		d := startBenchDaemon(b, database, rcv, srv.URL, "")
		n := b.N
		c, err := NewPayCorpus(PayCorpusSpec{Seed: 2, Statements: n, CreditsPerStatement: sustainedCredits})
		if err != nil {
			b.Fatal(err)
		}
		d.importInvoices(b, c.Invoices)
		drops := make([]func() time.Time, len(c.Statements))
		var size int64
		for i, st := range c.Statements {
			drops[i] = d.stage(b, st)
			size += int64(len(st.Data))
		}
		cpu0 := d.metric(b, "process_cpu_seconds_total")
		want := n * (2*sustainedCredits + 1)
		elapsed := dropAndDrain(b, drops, rcv, want)
		b.SetBytes(size / int64(n))
		b.ReportMetric(float64(n)/elapsed.Seconds(), "statements/s")
		b.ReportMetric(float64(n*sustainedCredits)/elapsed.Seconds(), "transactions/s")
		b.ReportMetric(float64(want)/elapsed.Seconds(), "webhooks/s")
		b.ReportMetric((d.metric(b, "process_cpu_seconds_total")-cpu0)*1000/float64(n), "daemon-cpu-ms/op")
		b.ReportMetric(d.metric(b, "process_resident_memory_bytes")/(1<<20), "daemon-rss-MB")
	})
}

// dropAndDrain times, with the benchmark timer running, the drop of every
// staged statement until the receiver got want webhooks.
func dropAndDrain(b *testing.B, drops []func() time.Time, rcv *benchReceiver, want int) time.Duration {
	b.Helper()
	b.ResetTimer()
	start := time.Now()
	for _, drop := range drops {
		drop()
	}
	rcv.waitFor(b, 30*time.Minute, fmt.Sprintf("%d webhooks", want), func() bool { return rcv.total >= want })
	elapsed := time.Since(start)
	b.StopTimer()
	return elapsed
}

// anyOpenInvoice reports whether some imported invoice is still open.
func (d *benchDaemon) anyOpenInvoice(b *testing.B) bool {
	b.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+d.addr+"/v1/invoices?status=open&limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET /v1/invoices?status=open: %d %v", resp.StatusCode, err)
	}
	return len(page.Items) > 0
}

// BenchmarkDaemonWebhookDrain measures the dispatcher alone: b.N
// statements of 100 credits are lettered while the receiver answers 503
// (retries every 1 s at most), so that 201 webhooks per statement wait in
// the outbox; then the receiver comes back and the time until every one
// of them arrived is measured. Reported: webhooks/s and the backlog.
func BenchmarkDaemonWebhookDrain(b *testing.B) {
	forEngines(b, func(b *testing.B, database string) {
		rcv := newBenchReceiver()
		rcv.refuse.Store(true)
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		d := startBenchDaemon(b, database, rcv, srv.URL, "[1s]")
		n := b.N
		c, err := NewPayCorpus(PayCorpusSpec{Seed: 3, Statements: n, CreditsPerStatement: sustainedCredits})
		if err != nil {
			b.Fatal(err)
		}
		d.importInvoices(b, c.Invoices)
		for _, st := range c.Statements {
			d.stage(b, st)()
		}
		deadline := time.Now().Add(30 * time.Minute)
		for d.anyOpenInvoice(b) {
			if time.Now().After(deadline) {
				b.Fatal("statements not lettered within 30 min")
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(1500 * time.Millisecond) // every delivery has failed once: all due within 1 s
		want := n * (2*sustainedCredits + 1)
		cpu0 := d.metric(b, "process_cpu_seconds_total")
		b.ResetTimer()
		start := time.Now()
		rcv.refuse.Store(false)
		rcv.waitFor(b, 30*time.Minute, fmt.Sprintf("%d webhooks", want), func() bool { return rcv.total >= want })
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(want), "backlog")
		b.ReportMetric(float64(want)/elapsed.Seconds(), "webhooks/s")
		b.ReportMetric((d.metric(b, "process_cpu_seconds_total")-cpu0)*1000/float64(want), "daemon-cpu-ms/webhook")
	})
}

// BenchmarkDaemonReplicas measures what several replicas on one PostgreSQL
// database and one data directory do together: b.N statements of 100
// credits dropped at once into the shared inbox, until every webhook
// arrived, with 1, 2 and 3 replicas. Reported: statements/s, webhooks/s and
// the CPU the replicas spent together per statement. On this 2-core
// machine the replicas and PostgreSQL share the same cores, so the figures
// show the coordination cost, not the gain of more machines.
func BenchmarkDaemonReplicas(b *testing.B) {
	for _, n := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			database := pgtest.NewSchema(b, "the replica benchmark", "lt_bench")
			rcv := newBenchReceiver()
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			shared := filepath.Join(b.TempDir(), "data")
			var ds []*benchDaemon
			for i := 1; i <= n; i++ {
				ds = append(ds, startReplica(b, database, rcv, srv.URL, "", shared, fmt.Sprintf("replica-%d", i)))
			}
			c, err := NewPayCorpus(PayCorpusSpec{Seed: 5, Statements: b.N, CreditsPerStatement: sustainedCredits})
			if err != nil {
				b.Fatal(err)
			}
			ds[0].importInvoices(b, c.Invoices)
			drops := make([]func() time.Time, len(c.Statements))
			for i, st := range c.Statements {
				drops[i] = ds[0].stage(b, st)
			}
			cpu := func() float64 {
				t := 0.0
				for _, d := range ds {
					t += d.metric(b, "process_cpu_seconds_total")
				}
				return t
			}
			cpu0 := cpu()
			want := b.N * (2*sustainedCredits + 1)
			elapsed := dropAndDrain(b, drops, rcv, want)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "statements/s")
			b.ReportMetric(float64(want)/elapsed.Seconds(), "webhooks/s")
			b.ReportMetric((cpu()-cpu0)*1000/float64(b.N), "replicas-cpu-ms/op")
		})
	}
}

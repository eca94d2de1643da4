package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/pgtest"
	"github.com/lettrage/lettrage/internal/webhook"
)

// receivedEvent is one webhook the local receiver accepted.
type receivedEvent struct {
	ID   string
	Type string
	Data map[string]any
}

// receiver is a local webhook endpoint that verifies every signature.
type receiver struct {
	t      *testing.T
	secret webhook.Secret
	mu     sync.Mutex
	events []receivedEvent
	bad    int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := webhook.Verify([]webhook.Secret{r.secret}, req.Header, body, time.Now(), 5*time.Minute); err != nil {
		r.mu.Lock()
		r.bad++
		r.mu.Unlock()
		http.Error(w, "bad signature: "+err.Error(), http.StatusUnauthorized)
		return
	}
	var env struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.events = append(r.events, receivedEvent{ID: req.Header.Get("webhook-id"), Type: env.Type, Data: env.Data})
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// ofType returns the received events of one type.
func (r *receiver) ofType(typ string) []receivedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []receivedEvent
	for _, e := range r.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// eventually polls cond every 50 ms until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const e2eToken = "e2e-token-0123456789abcdef"

// daemon is a running `lettrage serve`.
type daemon struct {
	cmd     *exec.Cmd
	addr    string
	dataDir string
	logs    *bytes.Buffer
	done    chan error
}

func startDaemon(t *testing.T, database string, rcv *receiver, rcvURL string) *daemon {
	t.Helper()
	dir := t.TempDir()
	d := &daemon{addr: freeAddr(t), dataDir: filepath.Join(dir, "data"), logs: &bytes.Buffer{}, done: make(chan error, 1)}
	cfg := fmt.Sprintf(`data_dir: %s
listen: %s
database: %q
log_format: json
webhooks:
  allow_private_targets: true
  retry_delays: [100ms, 200ms]
  endpoints:
    - name: erp
      url: %s
      secrets: [%q]
      events: ["*"]
ingest:
  settle_time: 200ms
  rescan_interval: 1s
`, d.dataDir, d.addr, database, rcvURL, rcv.secret.Text())
	cfgPath := filepath.Join(dir, "lettrage.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	d.cmd = exec.Command(lettrageBinary(t), "serve", "--config", cfgPath)
	d.cmd.Env = append(os.Environ(), "LETTRAGE_API_TOKEN="+e2eToken)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() {
		_ = d.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("daemon logs:\n%s", d.logs.String())
		}
	})
	eventually(t, 30*time.Second, "/readyz", func() bool {
		resp, err := http.Get("http://" + d.addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return d
}

// api calls the daemon's API with the test token.
func (d *daemon) api(t *testing.T, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+d.addr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// drop writes a statement into the inbox the way a bank connector should:
// under a temporary name, then renamed in.
func (d *daemon) drop(t *testing.T, src, name string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(d.dataDir, "inbox", "."+name+".part")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(d.dataDir, "inbox", name)); err != nil {
		t.Fatal(err)
	}
}

// e2eInvoices are open invoices that the credits of the viafintech 001.08
// sample pay: "INVOICE R77561" for 474.40 CHF from Jon Doe.
const e2eInvoices = `invoice_id,number,customer_id,customer_name,amount,currency,issue_date,due_date
INV-1,R77561,C1,Jon Doe,474.40,CHF,2023-06-01,2023-06-30
INV-9,Z99999,C9,Nobody SARL,1000.00,CHF,2023-06-01,2023-06-30
`

func testServeEndToEnd(t *testing.T, database string) {
	secret := webhook.NewSecret()
	rcv := &receiver{t: t, secret: secret}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	d := startDaemon(t, database, rcv, srv.URL)

	if code, body := d.api(t, http.MethodPost, "/v1/invoices", "text/csv", []byte(e2eInvoices)); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("import invoices: %d %s", code, body)
	}
	d.drop(t, "../../fixtures/camt053/viafintech_valid_example_v08.xml", "camt-2023-06-20.xml")

	eventually(t, 60*time.Second, "lettrage.applied and invoice.paid webhooks", func() bool {
		return len(rcv.ofType("lettrage.applied")) > 0 && len(rcv.ofType("invoice.paid")) > 0
	})
	if n := len(rcv.ofType("statement.ingested")); n != 1 {
		t.Errorf("statement.ingested delivered %d times, want 1", n)
	}
	applied := rcv.ofType("lettrage.applied")
	if !strings.Contains(fmt.Sprint(applied[0].Data), "INV-1") || !strings.Contains(fmt.Sprint(applied[0].Data), "474.40") {
		t.Errorf("lettrage.applied payload lacks the invoice or the amount: %v", applied[0].Data)
	}
	code, body := d.api(t, http.MethodGet, "/v1/invoices/INV-1", "", nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"paid"`) {
		t.Errorf("GET /v1/invoices/INV-1: %d %s, want the invoice paid", code, body)
	}
	if _, err := os.Stat(filepath.Join(d.dataDir, "inbox", "camt-2023-06-20.xml")); !os.IsNotExist(err) {
		t.Errorf("statement still in inbox/: %v", err)
	}
	archived, _ := filepath.Glob(filepath.Join(d.dataDir, "archive", "*", "*", "*camt-2023-06-20.xml"))
	if len(archived) != 1 {
		t.Errorf("archived copies: %v, want one", archived)
	}

	// The same content under another name changes nothing.
	d.drop(t, "../../fixtures/camt053/viafintech_valid_example_v08.xml", "again.xml")
	// Garbage is rejected with a reason and the daemon keeps running.
	if err := os.WriteFile(filepath.Join(d.dataDir, "inbox", "garbage.xml"), []byte("<Document><Oops"), 0o600); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "garbage.xml rejected with its error.json", func() bool {
		_, err := os.Stat(filepath.Join(d.dataDir, "rejected", "garbage.xml.error.json"))
		return err == nil
	})
	eventually(t, 30*time.Second, "the duplicate archived", func() bool {
		files, _ := filepath.Glob(filepath.Join(d.dataDir, "archive", "*", "*", "*again.xml"))
		return len(files) == 1
	})
	eventually(t, 30*time.Second, "statement.rejected webhook", func() bool { return len(rcv.ofType("statement.rejected")) == 1 })
	time.Sleep(500 * time.Millisecond) // let any wrongly emitted duplicate arrive
	if n := len(rcv.ofType("lettrage.applied")); n != 1 {
		t.Errorf("lettrage.applied delivered %d times after the duplicate file, want 1", n)
	}
	if n := len(rcv.ofType("statement.ingested")); n != 1 {
		t.Errorf("statement.ingested delivered %d times after the duplicate file, want 1", n)
	}
	if rcv.bad != 0 {
		t.Errorf("%d webhooks failed signature verification", rcv.bad)
	}

	resp, err := http.Get("http://" + d.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		metrics[sc.Text()] = true
	}
	resp.Body.Close()
	for _, want := range []string{
		`lettrage_lettering_decisions_total{decision="auto"} 1`,
	} {
		if !metrics[want] {
			t.Errorf("metric line %q not scraped", want)
		}
	}
	var sawFiles bool
	for line := range metrics {
		if strings.HasPrefix(line, "lettrage_ingest_files_total{") {
			sawFiles = true
		}
	}
	if !sawFiles {
		t.Error("no lettrage_ingest_files_total series scraped")
	}

	// Graceful shutdown on SIGTERM: exit status 0.
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("daemon exit after SIGTERM: %v", err)
		}
	case <-time.After(40 * time.Second):
		t.Error("daemon did not stop within 40 s of SIGTERM")
	}
}

func TestE2EServeSQLite(t *testing.T) {
	testServeEndToEnd(t, "")
}

func TestE2EServePostgres(t *testing.T) {
	testServeEndToEnd(t, pgtest.NewSchema(t, "the daemon end to end", "lt_e2e"))
}

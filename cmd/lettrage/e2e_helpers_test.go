package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/webhook"
)

// The helpers of the end-to-end tests that run `lettrage serve`: a local
// webhook receiver that verifies every signature, and a daemon started
// (and restarted, or killed) on a temporary data directory.

// receivedEvent is one webhook request the local receiver verified.
type receivedEvent struct {
	ID        string
	Type      string
	Aggregate *webhook.Aggregate
	Data      map[string]any
	// At is when the request arrived; Status is what the receiver answered.
	At     time.Time
	Status int
}

// receiver is a local webhook endpoint that verifies every signature. It
// answers 204, or refuseWith while that is set (a receiver that is down).
type receiver struct {
	t      *testing.T
	secret webhook.Secret
	// refuseWith, when not 0, is the status answered to every verified
	// request, which is then recorded as an attempt but not accepted.
	refuseWith atomic.Int32

	mu       sync.Mutex
	events   []receivedEvent // accepted (204), in arrival order
	attempts []receivedEvent // every verified request, refused ones included
	bad      int             // requests whose signature did not verify
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
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
		Type      string             `json:"type"`
		Aggregate *webhook.Aggregate `json:"aggregate"`
		Data      map[string]any     `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ev := receivedEvent{ID: req.Header.Get("webhook-id"), Type: env.Type, Aggregate: env.Aggregate, Data: env.Data, At: at, Status: http.StatusNoContent}
	if code := int(r.refuseWith.Load()); code != 0 {
		ev.Status = code
	}
	r.mu.Lock()
	r.attempts = append(r.attempts, ev)
	if ev.Status == http.StatusNoContent {
		r.events = append(r.events, ev)
	}
	r.mu.Unlock()
	w.WriteHeader(ev.Status)
}

// ofType returns the accepted events of one type.
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

// accepted returns a copy of the accepted events, in arrival order.
func (r *receiver) accepted() []receivedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedEvent(nil), r.events...)
}

// allAttempts returns a copy of every verified request, in arrival order.
func (r *receiver) allAttempts() []receivedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedEvent(nil), r.attempts...)
}

// badSignatures returns how many requests failed verification.
func (r *receiver) badSignatures() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bad
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

// daemonSettings are what a test chooses in the daemon's configuration;
// zero values take the defaults of startDaemon.
type daemonSettings struct {
	database    string // "" for SQLite in the data directory
	receiverURL string
	secret      webhook.Secret
	// retryDelays is the YAML list of webhooks.retry_delays.
	retryDelays    string
	webhookTimeout time.Duration
	settleTime     time.Duration
	rescan         time.Duration
	maxFileBytes   int64
	// dataDir, when set, is the data directory (shared by several
	// replicas); else a new one.
	dataDir string
	// extra is YAML appended after the generated configuration, whose
	// last section is ingest: indented lines continue it.
	extra string
}

// daemon is `lettrage serve` on a data directory of its own; it can be
// stopped, killed and started again on the same directory and database.
type daemon struct {
	addr    string
	dataDir string
	cfgPath string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan error    // receives the exit of the current run
	logs []*syncBuffer // one per run
	runs int
}

// syncBuffer is a bytes.Buffer safe for the process's writer and a reader.
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

// startDaemon starts the daemon on a new data directory with the e2e
// defaults, delivering every event to rcvURL signed with rcv's secret.
func startDaemon(t *testing.T, database string, rcv *receiver, rcvURL string) *daemon {
	t.Helper()
	d := newDaemon(t, daemonSettings{database: database, receiverURL: rcvURL, secret: rcv.secret})
	d.start(t)
	return d
}

// newDaemon writes the configuration of a daemon on a new data directory;
// start runs it.
func newDaemon(t *testing.T, s daemonSettings) *daemon {
	t.Helper()
	dir := t.TempDir()
	d := &daemon{addr: freeAddr(t), dataDir: filepath.Join(dir, "data"), cfgPath: filepath.Join(dir, "lettrage.yaml")}
	if s.dataDir != "" {
		d.dataDir = s.dataDir
	}
	if s.retryDelays == "" {
		s.retryDelays = "[100ms, 200ms]"
	}
	if s.webhookTimeout == 0 {
		s.webhookTimeout = 5 * time.Second
	}
	if s.settleTime == 0 {
		s.settleTime = 200 * time.Millisecond
	}
	if s.rescan == 0 {
		s.rescan = time.Second
	}
	cfg := fmt.Sprintf(`data_dir: %s
listen: %s
database: %q
log_format: json
webhooks:
  allow_private_targets: true
  timeout: %s
  retry_delays: %s
  endpoints:
    - name: erp
      url: %s
      secrets: [%q]
      events: ["*"]
ingest:
  settle_time: %s
  rescan_interval: %s
`, d.dataDir, d.addr, s.database, s.webhookTimeout, s.retryDelays, s.receiverURL, s.secret.Text(), s.settleTime, s.rescan)
	if s.maxFileBytes > 0 {
		cfg += fmt.Sprintf("  max_file_bytes: %d\n", s.maxFileBytes)
	}
	cfg += s.extra
	if err := os.WriteFile(d.cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.mu.Lock()
		cmd, done := d.cmd, d.done
		d.mu.Unlock()
		if cmd != nil {
			_ = cmd.Process.Kill()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
			}
		}
		if t.Failed() {
			// The full logs go to files that outlive the test; the end of
			// each is shown.
			keep, err := os.MkdirTemp("", "lettrage-e2e-logs-")
			for i, l := range d.logs {
				where := ""
				if err == nil {
					p := filepath.Join(keep, fmt.Sprintf("run-%d.log", i+1))
					if os.WriteFile(p, []byte(l.String()), 0o600) == nil {
						where = " (all of them in " + p + ")"
					}
				}
				t.Logf("daemon %s logs, run %d%s:\n%s", d.addr, i+1, where, tail(l.String(), 40))
			}
		}
	})
	return d
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) <= n {
		return s
	}
	return fmt.Sprintf("[%d lines cut]\n", len(lines)-n) + strings.Join(lines[len(lines)-n:], "")
}

// start runs the daemon (again, after a stop or a kill, on the same data
// directory and database) and waits until /readyz answers 200.
func (d *daemon) start(t *testing.T) {
	t.Helper()
	d.mu.Lock()
	if d.cmd != nil {
		d.mu.Unlock()
		t.Fatal("daemon started twice")
	}
	logs := &syncBuffer{}
	cmd := exec.Command(lettrageBinary(t), "serve", "--config", d.cfgPath)
	cmd.Env = append(os.Environ(), "LETTRAGE_API_TOKEN="+e2eToken)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		d.mu.Unlock()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	d.cmd, d.done, d.logs, d.runs = cmd, done, append(d.logs, logs), d.runs+1
	d.mu.Unlock()
	eventually(t, 30*time.Second, "/readyz", func() bool {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("daemon exited at start: %v\n%s", err, logs.String())
		default:
		}
		resp, err := http.Get("http://" + d.addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// kill sends SIGKILL and waits for the process to be gone. It fails the
// test if the daemon had already stopped on its own.
func (d *daemon) kill(t *testing.T) {
	t.Helper()
	err := d.signal(syscall.SIGKILL, 10*time.Second)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("daemon killed with SIGKILL: %v", err)
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("daemon had stopped on its own before the SIGKILL: %v", err)
	}
}

// stop sends SIGTERM and returns the exit error (nil for status 0); it
// fails the test if the daemon does not stop within 40 s.
func (d *daemon) stop(t *testing.T) error {
	t.Helper()
	return d.signal(syscall.SIGTERM, 40*time.Second)
}

func (d *daemon) signal(sig syscall.Signal, within time.Duration) error {
	d.mu.Lock()
	cmd, done := d.cmd, d.done
	d.cmd = nil
	d.mu.Unlock()
	if cmd == nil {
		panic("signal to a daemon that is not running")
	}
	if err := cmd.Process.Signal(sig); err != nil {
		// Already exited: report how.
		select {
		case err := <-done:
			return err
		case <-time.After(within):
			return err
		}
	}
	select {
	case err := <-done:
		return err
	case <-time.After(within):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("daemon did not stop within %s of %s", within, sig)
	}
}

// healthy reports whether /healthz answers 200.
func (d *daemon) healthy() bool {
	resp, err := http.Get("http://" + d.addr + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
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

// listAll pages through a listing of the API (GET path?query) and decodes
// every item into a T.
func listAll[T any](t *testing.T, d *daemon, path string, query url.Values) []T {
	t.Helper()
	var out []T
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("limit", "1000")
	for {
		code, body := d.api(t, http.MethodGet, path+"?"+q.Encode(), "", nil)
		if code != http.StatusOK {
			t.Fatalf("GET %s?%s: %d %s", path, q.Encode(), code, body)
		}
		var page struct {
			Items     []T    `json:"items"`
			NextAfter string `json:"next_after"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		out = append(out, page.Items...)
		if page.NextAfter == "" {
			return out
		}
		q.Set("after", page.NextAfter)
	}
}

// drop writes a statement into the inbox the way a bank connector should:
// under a temporary name, then renamed in.
func (d *daemon) drop(t *testing.T, src, name string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.dropBytes(data, name); err != nil {
		t.Fatal(err)
	}
}

// dropBytes is drop with the content in hand; safe from any goroutine.
func (d *daemon) dropBytes(data []byte, name string) error {
	tmp := filepath.Join(d.dataDir, "inbox", "."+name+".part")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(d.dataDir, "inbox", name))
}

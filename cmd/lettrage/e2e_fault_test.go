package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lettrage/lettrage/bench"
	"github.com/lettrage/lettrage/internal/pgtest"
	"github.com/lettrage/lettrage/internal/webhook"
)

// The kill test: statement files flow into the inbox while the daemon is
// killed with SIGKILL at random moments and started again on the same
// data directory and database; once everything is processed, the state
// must be the one a run without kills gives (and the one the input
// implies): no file lost, no transaction stored twice, every invoice
// paid once by its credit, every event delivered, in order per invoice,
// duplicates only as redeliveries under the same webhook-id.

// envFaultSeed, when set, replays the kill schedule of a failed run (the
// seed is logged by every run).
const envFaultSeed = "LETTRAGE_TEST_FAULT_SEED"

// faultCorpus is the input: 48 small statements in four formats, each
// paying three invoices and making one supplier payment.
func faultCorpus(t *testing.T) *bench.PayCorpus {
	t.Helper()
	c, err := bench.NewPayCorpus(bench.PayCorpusSpec{
		Seed: 20261103, Statements: 48, CreditsPerStatement: 3, DebitsPerStatement: 1,
		Formats: []string{"camt.053.001.08", "camt.053.001.02", "cfonb120", "camt.053.001.13"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// faultFinishBound is how long after the last drop a run may take to
// archive every file and deliver every event. A clean run needs a few
// seconds; the bound leaves room for a restarted daemon to take over what
// the killed one had in hand.
const faultFinishBound = 100 * time.Second

// faultSchedule is when files are dropped and when the daemon is killed.
type faultSchedule struct {
	dropGaps []time.Duration // before each file
	// killAfter are the waits before each kill: the first from the first
	// drop, the next ones from the restart before them.
	killAfter []time.Duration
}

func newFaultSchedule(seed uint64, files int) faultSchedule {
	rng := rand.New(rand.NewPCG(seed, 0x1e77a9e))
	var s faultSchedule
	for range files {
		s.dropGaps = append(s.dropGaps, time.Duration(5+rng.IntN(40))*time.Millisecond)
	}
	for range 3 + rng.IntN(3) {
		s.killAfter = append(s.killAfter, time.Duration(50+rng.IntN(1200))*time.Millisecond)
	}
	return s
}

// faultRunResult is what one run of the corpus gives.
type faultRunResult struct {
	state    runState
	attempts []receivedEvent
	took     time.Duration
	kills    int
}

// runFaultCorpus runs the daemon on a fresh data directory (and the given
// database), imports the corpus's invoices, drops its files on schedule
// while killing and restarting the daemon per kills (none for a clean
// run), then waits until everything is processed and delivered.
func runFaultCorpus(t *testing.T, database string, c *bench.PayCorpus, sched faultSchedule, kills []time.Duration) faultRunResult {
	t.Helper()
	rcv := &receiver{t: t, secret: webhook.NewSecret()}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	d := newDaemon(t, daemonSettings{database: database, receiverURL: srv.URL, secret: rcv.secret,
		webhookTimeout: 2 * time.Second, settleTime: 300 * time.Millisecond, rescan: 500 * time.Millisecond})
	d.start(t)
	if code, body := d.api(t, http.MethodPost, "/v1/invoices", "text/csv", bench.InvoicesCSV(c.Invoices)); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("import invoices: %d %s", code, body)
	}
	begin := time.Now()
	dropErr := make(chan error, 1)
	go func() {
		for i, st := range c.Statements {
			time.Sleep(sched.dropGaps[i])
			if err := d.dropBytes(st.Data, st.Name); err != nil {
				dropErr <- fmt.Errorf("drop %s: %w", st.Name, err)
				return
			}
		}
		dropErr <- nil
	}()
	for i, wait := range kills {
		time.Sleep(wait)
		d.kill(t)
		t.Logf("killed the daemon (kill %d of %d) %s after the first drop", i+1, len(kills), time.Since(begin).Round(time.Millisecond))
		d.start(t)
	}
	if err := <-dropErr; err != nil {
		t.Fatal(err)
	}

	want := expectedState(c)
	dropped := time.Now()
	deadline := dropped.Add(faultFinishBound)
	for {
		files := dataDirFiles(t, d.dataDir)
		keys := map[string]bool{}
		for _, e := range rcv.accepted() {
			keys[eventKey(e)] = true
		}
		var missing []string
		for _, k := range want.Events {
			if !keys[k] {
				missing = append(missing, k)
			}
		}
		pending := 0
		for _, f := range files {
			if strings.HasPrefix(f, "inbox ") || strings.HasPrefix(f, "processing ") {
				pending++
			}
		}
		if pending == 0 && len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			var waiting []string
			for _, f := range files {
				if !strings.HasPrefix(f, "archive ") {
					waiting = append(waiting, f)
				}
			}
			type deliveryJSON struct {
				ID string `json:"id"`
			}
			inflight := listAll[deliveryJSON](t, d, "/v1/webhooks/deliveries", url.Values{"status": {"inflight"}})
			t.Fatalf("run with %d kill(s) not finished %s after the last drop: files not archived: %s; events not delivered (%d): %s; deliveries in flight: %d",
				len(kills), faultFinishBound, firstFew(waiting), len(missing), firstFew(missing), len(inflight))
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(begin)
	// A redelivery (an ack lost with a killed process) or a wrongly
	// emitted event would arrive now.
	time.Sleep(1500 * time.Millisecond)
	if !d.healthy() {
		t.Error("/healthz not OK at the end of the run")
	}
	if n := rcv.badSignatures(); n != 0 {
		t.Errorf("%d webhooks failed signature verification", n)
	}
	return faultRunResult{state: collectState(t, d, rcv), attempts: rcv.allAttempts(), took: took, kills: d.runs - 1}
}

func testKillRestart(t *testing.T, newDatabase func() string) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envFaultSeed); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", envFaultSeed, s, err)
		}
	}
	t.Logf("kill schedule seed %d (replay with %s=%d)", seed, envFaultSeed, seed)
	c := faultCorpus(t)
	sched := newFaultSchedule(seed, len(c.Statements))
	want := expectedState(c)

	clean := runFaultCorpus(t, newDatabase(), c, sched, nil)
	diffState(t, "clean run vs. the input", clean.state, want)
	if dups := checkDelivery(t, "clean run", clean.attempts); dups != 0 {
		t.Errorf("clean run: %d duplicate deliveries without any failure", dups)
	}
	if t.Failed() {
		t.FailNow()
	}

	faulty := runFaultCorpus(t, newDatabase(), c, sched, sched.killAfter)
	diffState(t, fmt.Sprintf("run with %d SIGKILLs vs. the clean run", faulty.kills), faulty.state, clean.state)
	dups := checkDelivery(t, "run with kills", faulty.attempts)
	t.Logf("%d statements, %d invoices, %d events: clean run %s; with %d SIGKILLs %s, %d redelivered webhook(s)",
		len(c.Statements), len(c.Invoices), len(want.Events), clean.took.Round(time.Millisecond),
		faulty.kills, faulty.took.Round(time.Millisecond), dups)
}

func TestE2EKillRestartSQLite(t *testing.T) {
	t.Parallel()
	testKillRestart(t, func() string { return "" })
}

func TestE2EKillRestartPostgres(t *testing.T) {
	t.Parallel()
	pgtest.DSN(t, "the daemon killed and restarted")
	testKillRestart(t, func() string { return pgtest.NewSchema(t, "the daemon killed and restarted", "lt_kill") })
}

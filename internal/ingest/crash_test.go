package ingest

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// crashSignal is what a test hook panics with to stop processing dead at a
// point, as a killed process would.
type crashSignal struct{ point string }

// crashRun takes the inbox file name with a watcher whose processing stops
// dead at point, then closes the store as a dying process would.
func crashRun(t *testing.T, e *env, name, point string) {
	t.Helper()
	cfg := e.cfg
	cfg.testHook = func(p string) {
		if p == point {
			panic(crashSignal{p})
		}
	}
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.open(); err != nil {
		t.Fatal(err)
	}
	defer w.close()
	ctx := context.Background()
	w.take(ctx, name)
	jobs, err := e.store.ClaimIngestJobs(ctx, ledger.Claim{Worker: cfg.Replica, Limit: 1, Lease: time.Minute, Now: time.Now()})
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %v %+v", err, jobs)
	}
	crashed := func() (crashed bool) {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(crashSignal); !ok {
					panic(r)
				}
				crashed = true
			}
		}()
		w.process(ctx, jobs[0])
		return false
	}()
	if !crashed {
		t.Fatalf("processing did not reach %q\n%s", point, e.logs)
	}
	e.store.Close()
	e.store = nil
}

// restart runs a new watcher (replica) on a reopened store, with a clock an
// hour ahead so that the dead run's lease has expired.
func restart(t *testing.T, e *env, replica string) {
	t.Helper()
	if e.store == nil {
		e.store = e.reopen()
	}
	cfg := e.cfg
	cfg.Store, cfg.Replica = e.store, replica
	cfg.Now = func() time.Time { return time.Now().Add(time.Hour) }
	e.startWith(cfg)
}

// checkOnce verifies the end state of one statement file processed
// exactly once.
func checkOnce(t *testing.T, e *env, data []byte, name string) {
	t.Helper()
	statements, transactions, _ := parseStatements(t, data)
	sts, err := e.store.ListStatements(t.Context(), ledger.StatementFilter{})
	if err != nil {
		t.Fatal(err)
	}
	txs, _ := e.store.ListTransactions(t.Context(), ledger.TransactionFilter{})
	evs := e.events(ledger.EventStatementIngested)
	if len(sts) != statements || len(txs) != transactions || len(evs) != statements {
		t.Errorf("%d statements, %d transactions, %d statement.ingested; want %d, %d, %d",
			len(sts), len(txs), len(evs), statements, transactions, statements)
	}
	js := e.jobs()
	if len(js) != 1 || js[0].Status != ledger.JobDone || js[0].Outcome != OutcomeArchived {
		t.Errorf("jobs %+v", js)
	}
	archived := e.ls(dirArchive)
	if len(archived) != 1 || filepath.Base(archived[0]) != archiveName(sha(data), name) {
		t.Errorf("archive %v, want one %s", archived, archiveName(sha(data), name))
	}
	if r := e.ls(dirRejected); len(r) != 0 {
		t.Errorf("rejected %v", r)
	}
}

func TestCrashRecovery(t *testing.T) {
	data := func(t *testing.T) []byte {
		return fixture(t, "camt053/svapnil_goldman_sachs_camt_053_uk_v02_multistmt.xml")
	}
	for _, tc := range []struct {
		name    string
		point   string
		replica string // that recovers
		between func(t *testing.T, e *env)
	}{
		{name: "after storing, before completing the job", point: "saved", replica: "r1"},
		{name: "after completing the job, before moving the file", point: "completed", replica: "r1"},
		{name: "after storing, recovered by another replica", point: "saved", replica: "r2"},
		{name: "after completing, recovered by another replica", point: "completed", replica: "r2"},
		{name: "in the middle of the move (linked, not unlinked)", point: "completed", replica: "r1", between: func(t *testing.T, e *env) {
			js := e.jobs()
			if len(js) != 1 {
				t.Fatalf("jobs %+v", js)
			}
			dest := filepath.Join(e.dir, filepath.FromSlash(js[0].Detail))
			if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(filepath.Join(e.dir, filepath.FromSlash(js[0].Path)), dest); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEngines(t, func(t *testing.T, eng engine) {
				e := newEnv(t, eng)
				if tc.replica != "r1" {
					// The other replica adopts r1's leftovers quickly.
					e.cfg.OrphanAfter = 2 * e.cfg.SettleTime
				}
				b := data(t)
				if err := os.MkdirAll(filepath.Join(e.dir, dirInbox), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(e.dir, dirInbox, "gs.xml"), b, 0o644); err != nil {
					t.Fatal(err)
				}
				crashRun(t, e, "gs.xml", tc.point)
				if tc.between != nil {
					e.store = e.reopen()
					tc.between(t, e)
				}
				restart(t, e, tc.replica)
				e.waitSettled(1)
				checkOnce(t, e, b, "gs.xml")
			})
		})
	}
}

func TestCrashAfterRejectingBeforeMoving(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		if err := os.MkdirAll(filepath.Join(e.dir, dirInbox), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(e.dir, dirInbox, "junk.xml"), []byte("<junk/>"), 0o644); err != nil {
			t.Fatal(err)
		}
		crashRun(t, e, "junk.xml", "rejected")
		restart(t, e, "r1")
		e.waitSettled(1)
		r := e.readReport("junk.xml")
		if r.File != "junk.xml" || r.Error == "" {
			t.Errorf("report %+v", r)
		}
		if evs := e.events(ledger.EventStatementRejected); len(evs) != 1 {
			t.Errorf("%d statement.rejected events, want 1", len(evs))
		}
		if rej := e.ls(dirRejected); len(rej) != 2 {
			t.Errorf("rejected/ holds %v, want the file and its report", rej)
		}
	})
}

func TestFilesLeftInProcessingAreRecoveredAtStart(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		// A run died after taking files, before recording them: one
		// statement, one duplicate of it, one garbage file.
		proc := filepath.Join(e.dir, dirProcessing, e.cfg.Replica)
		if err := os.MkdirAll(proc, 0o755); err != nil {
			t.Fatal(err)
		}
		b := fixture(t, "cfonb120/lettrage_multi_account.cfo")
		now := time.Now()
		for i, f := range []struct {
			name string
			data []byte
		}{{"a.cfo", b}, {"b.cfo", b}, {"c.cfo", []byte("garbage")}} {
			n := processingName(ledger.NewID(now.Add(time.Duration(i)*time.Millisecond)), f.name)
			if err := os.WriteFile(filepath.Join(proc, n), f.data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		e.start()
		e.waitSettled(3)
		archived := e.ls(dirArchive)
		if len(archived) != 2 {
			t.Fatalf("archive %v", archived)
		}
		if _, err := os.Stat(filepath.Join(e.dir, dirRejected, "c.cfo")); err != nil {
			t.Fatal(err)
		}
		sts, _ := e.store.ListStatements(t.Context(), ledger.StatementFilter{})
		want, _, _ := parseStatements(t, b)
		if len(sts) != want {
			t.Errorf("%d statements, want %d", len(sts), want)
		}
	})
}

func TestInterruptedJobIsReleasedOnShutdown(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	if err := os.MkdirAll(filepath.Join(e.dir, dirInbox), 0o755); err != nil {
		t.Fatal(err)
	}
	b := fixture(t, "camt053/moov_FI_camt_053_sample_v02.xml")
	if err := os.WriteFile(filepath.Join(e.dir, dirInbox, "a.xml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := New(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.open(); err != nil {
		t.Fatal(err)
	}
	defer w.close()
	w.take(context.Background(), "a.xml")
	jobs, err := e.store.ClaimIngestJobs(t.Context(), ledger.Claim{Worker: "r1", Limit: 1, Lease: time.Hour, Now: time.Now()})
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim %v %+v", err, jobs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // shutdown while the job is in hand
	w.process(ctx, jobs[0])
	j, err := e.store.FindIngestJob(t.Context(), sha(b))
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != ledger.JobQueued || j.NextAt.After(time.Now().Add(time.Second)) {
		t.Fatalf("job after shutdown %+v, want queued and due", j)
	}
	if !strings.HasPrefix(path.Clean(j.Path), dirProcessing+"/r1/") {
		t.Fatalf("job path %q", j.Path)
	}
	// The next run processes it at once, without waiting for a lease.
	w.close()
	e.start()
	e.waitSettled(1)
	checkOnce(t, e, b, "a.xml")
}

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lettrage/lettrage/bench"
	"github.com/lettrage/lettrage/internal/pgtest"
	"github.com/lettrage/lettrage/internal/webhook"
)

// TestE2EThreeReplicasPostgres runs three `lettrage serve` processes on one
// PostgreSQL database and one data directory (one inbox), drops a few
// hundred statements while one replica is killed with SIGKILL and never
// comes back (as a pod of a Deployment is replaced under a new name), and
// shows that each file is processed exactly once, each transaction
// lettered once, each event delivered under one stable id (at least once),
// and each dunning slot run by exactly one replica.
func TestE2EThreeReplicasPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("three daemons and a few hundred statements: not in -short")
	}
	dsn := pgtest.NewSchema(t, "three replicas on one database", "lt_replicas")
	corpus, err := bench.NewPayCorpus(bench.PayCorpusSpec{
		Seed: 11, Statements: 240, CreditsPerStatement: 2, DebitsPerStatement: 1,
		Formats: []string{"camt.053.001.02", "camt.053.001.04", "camt.053.001.08", "camt.053.001.13", "cfonb120"},
	})
	if err != nil {
		t.Fatal(err)
	}

	secret := webhook.NewSecret()
	rcv := &receiver{t: t, secret: secret}
	srv := httptest.NewServer(rcv)
	defer srv.Close()

	shared := filepath.Join(t.TempDir(), "data")
	// Short leases so that the work of the replica that dies is taken over
	// within the test (the first two lines continue the ingest section);
	// dunning ticks every two seconds, one run per minute slot across the
	// replicas.
	var ds []*daemon
	for i := 1; i <= 3; i++ {
		ds = append(ds, newDaemon(t, daemonSettings{
			database: dsn, receiverURL: srv.URL, secret: secret, dataDir: shared,
			retryDelays: "[200ms, 500ms]",
			extra: fmt.Sprintf(`  lease: 4s
  orphan_after: 4s
replica: replica-%d
dunning:
  schedule: "@every 2s"
  timezone: Europe/Paris
`, i),
		}))
	}
	for _, d := range ds {
		d.start(t)
	}
	if code, body := ds[0].api(t, http.MethodPost, "/v1/invoices", "text/csv", bench.InvoicesCSV(corpus.Invoices)); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("import invoices: %d %s", code, body)
	}

	// Drop the statements at a steady pace; kill replica 2 a third of the
	// way through, while files are being processed.
	var wg sync.WaitGroup
	wg.Add(1)
	dropErr := make(chan error, 1)
	killAt := len(corpus.Statements) / 3
	killed := make(chan struct{})
	go func() {
		defer wg.Done()
		for i, st := range corpus.Statements {
			if i == killAt {
				close(killed)
			}
			if err := ds[0].dropBytes(st.Data, st.Name); err != nil {
				dropErr <- err
				return
			}
			time.Sleep(15 * time.Millisecond)
		}
	}()
	<-killed
	ds[1].kill(t)
	wg.Wait()
	select {
	case err := <-dropErr:
		t.Fatal(err)
	default:
	}
	live := []*daemon{ds[0], ds[2]}

	credits := 0
	for _, st := range corpus.Statements {
		credits += len(st.Invoices)
	}
	within := 4 * time.Minute
	eventually(t, within, "every statement archived", func() bool {
		return countFiles(t, shared, "archive") == len(corpus.Statements)
	})
	eventually(t, within, "a lettrage.applied and an invoice.paid per credit", func() bool {
		return len(distinctIDs(rcv.ofType("lettrage.applied"))) >= credits && len(distinctIDs(rcv.ofType("invoice.paid"))) >= credits
	})
	eventually(t, within, "a statement.ingested per statement", func() bool {
		return len(distinctIDs(rcv.ofType("statement.ingested"))) >= len(corpus.Statements)
	})
	time.Sleep(2 * time.Second) // let a wrongly doubled event arrive

	// Files: each once in archive/, nothing rejected, nothing left behind.
	if n := countFiles(t, shared, "archive"); n != len(corpus.Statements) {
		t.Errorf("%d files archived, want %d", n, len(corpus.Statements))
	}
	for _, dir := range []string{"inbox", "rejected", "processing"} {
		if n := countFiles(t, shared, dir); n != 0 {
			t.Errorf("%d files left in %s/, want none", n, dir)
		}
	}

	// Events: one id per statement, per credit's lettrage, per paid
	// invoice; a redelivery (the killed replica's attempt in flight) keeps
	// its id.
	for typ, want := range map[string]int{"statement.ingested": len(corpus.Statements), "lettrage.applied": credits, "invoice.paid": credits} {
		if got := len(distinctIDs(rcv.ofType(typ))); got != want {
			t.Errorf("%s: %d distinct webhook ids, want %d", typ, got, want)
		}
	}
	paidBy := map[string]string{} // invoice id → webhook id of its invoice.paid
	for _, ev := range rcv.ofType("invoice.paid") {
		inv := ev.Aggregate.ID
		if prev, ok := paidBy[inv]; ok && prev != ev.ID {
			t.Errorf("invoice %s paid by two events %s and %s", inv, prev, ev.ID)
		}
		paidBy[inv] = ev.ID
	}
	redelivered := len(rcv.accepted()) - len(distinctIDs(rcv.accepted()))
	t.Logf("%d events accepted, %d of them redeliveries of an id already accepted", len(rcv.accepted()), redelivered)
	if n := rcv.badSignatures(); n != 0 {
		t.Errorf("%d webhooks failed signature verification", n)
	}

	// Store: each transaction lettered once, every invoice paid.
	type matchRow struct {
		ID            string `json:"id"`
		TransactionID string `json:"transaction_id"`
		Status        string `json:"status"`
	}
	matches := listAll[matchRow](t, live[0], "/v1/matches", nil)
	byTx := map[string]int{}
	for _, m := range matches {
		if m.Status == "applied" || m.Status == "confirmed" {
			byTx[m.TransactionID]++
		}
	}
	if len(byTx) != credits {
		t.Errorf("%d transactions lettered, want %d", len(byTx), credits)
	}
	for tx, n := range byTx {
		if n != 1 {
			t.Errorf("transaction %s lettered %d times", tx, n)
		}
	}
	type invoiceRow struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	for _, inv := range listAll[invoiceRow](t, live[1], "/v1/invoices", nil) {
		if inv.Status != "paid" {
			t.Errorf("invoice %s is %s, want paid", inv.ID, inv.Status)
		}
	}

	// Dunning: every minute slot run by one replica. job_runs has one row
	// per slot run; the live replicas' counters of runs must add up to the
	// slots they ran (the killed one's counts died with it, so only slots
	// after the kill are compared).
	eventually(t, 90*time.Second, "a dunning slot run after the kill", func() bool {
		return len(dunningSlots(t, dsn)) > 0 && dunningRuns(t, live) >= 1
	})
	slots := dunningSlots(t, dsn)
	for slot, n := range slots {
		if n != 1 {
			t.Errorf("dunning slot %s run %d times", slot, n)
		}
	}
	ran := dunningRuns(t, live)
	skipped := sumMetric(t, live, `lettrage_dunning_runs_total{outcome="skipped"}`)
	if ran > float64(len(slots)) {
		t.Errorf("the live replicas ran dunning %v times for %d slots", ran, len(slots))
	}
	if skipped == 0 {
		t.Errorf("no replica skipped a dunning tick: the lock was never contended (ran %v)", ran)
	}
	t.Logf("dunning: %d slots, live replicas ran %v and skipped %v ticks", len(slots), ran, skipped)

	for _, d := range live {
		if err := d.stop(t); err != nil {
			t.Errorf("replica exit after SIGTERM: %v", err)
		}
	}
}

// countFiles counts the files dataDirFiles lists in one directory of the
// data directory (inbox, processing, archive or rejected; reports aside).
func countFiles(t *testing.T, dataDir, dir string) int {
	t.Helper()
	n := 0
	for _, f := range dataDirFiles(t, dataDir) {
		if strings.HasPrefix(f, dir+" ") {
			n++
		}
	}
	return n
}

// distinctIDs returns the set of webhook ids of evs.
func distinctIDs(evs []receivedEvent) map[string]bool {
	ids := make(map[string]bool, len(evs))
	for _, e := range evs {
		ids[e.ID] = true
	}
	return ids
}

// dunningSlots returns how many times each dunning slot was recorded as run.
func dunningSlots(t *testing.T, dsn string) map[string]int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT slot, count(*) FROM job_runs WHERE name = 'dunning' GROUP BY slot`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for rows.Next() {
		var slot string
		var n int
		if err := rows.Scan(&slot, &n); err != nil {
			t.Fatal(err)
		}
		out[slot] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dunningRuns is how many scheduled dunning runs the daemons made (every
// outcome but skipped).
func dunningRuns(t *testing.T, ds []*daemon) float64 {
	t.Helper()
	var n float64
	for _, outcome := range []string{"ok", "partial", "failed"} {
		n += sumMetric(t, ds, `lettrage_dunning_runs_total{outcome="`+outcome+`"}`)
	}
	return n
}

// sumMetric adds the value of one exact series line over the daemons'
// /metrics (0 where it is absent).
func sumMetric(t *testing.T, ds []*daemon, series string) float64 {
	t.Helper()
	var sum float64
	for _, d := range ds {
		resp, err := http.Get("http://" + d.addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, series+" "); ok {
				var f float64
				if _, err := fmt.Sscan(v, &f); err == nil {
					sum += f
				}
			}
		}
	}
	return sum
}

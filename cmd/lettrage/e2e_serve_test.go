package main

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/pgtest"
	"github.com/lettrage/lettrage/internal/webhook"
)

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
	if n := rcv.badSignatures(); n != 0 {
		t.Errorf("%d webhooks failed signature verification", n)
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
	if err := d.stop(t); err != nil {
		t.Errorf("daemon exit after SIGTERM: %v", err)
	}
}

func TestE2EServeSQLite(t *testing.T) {
	testServeEndToEnd(t, "")
}

func TestE2EServePostgres(t *testing.T) {
	testServeEndToEnd(t, pgtest.NewSchema(t, "the daemon end to end", "lt_e2e"))
}

package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lettrage/lettrage/bench"
	"github.com/lettrage/lettrage/internal/pgtest"
	"github.com/lettrage/lettrage/internal/webhook"
)

// The bad-input test: what producers get wrong, dropped into the inbox of
// a running daemon. A file still being written (under its final name) is
// waited for and taken whole; content, not the extension, decides the
// format; a directory, a symbolic link, an empty file, noise, a truncated
// statement, a file above ingest.max_file_bytes and a 2 GiB one each end in rejected/
// with a report saying why; temporary names are left alone. The daemon
// keeps running and keeps processing.

// rejectionReport is the part of a <name>.error.json the test reads.
type rejectionReport struct {
	File     string `json:"file"`
	Reason   string `json:"reason"`
	Parser   string `json:"parser"`
	Position string `json:"position"`
	Error    string `json:"error"`
}

func testBadInput(t *testing.T, database string) {
	const maxFileBytes = 64 << 10
	good, err := bench.NewPayCorpus(bench.PayCorpusSpec{Seed: 400, Statements: 4, CreditsPerStatement: 8,
		Formats: []string{"camt.053.001.08", "camt.053.001.04", "cfonb120", "camt.053.001.02"}})
	if err != nil {
		t.Fatal(err)
	}
	big, err := bench.NewPayCorpus(bench.PayCorpusSpec{Seed: 401, Statements: 1, CreditsPerStatement: 60, FirstInvoice: 9000})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(big.Statements[0].Data); n <= maxFileBytes {
		t.Fatalf("the oversized statement has %d bytes, not more than %d", n, maxFileBytes)
	}
	slow, pdf, cfonb, after := good.Statements[0], good.Statements[1], good.Statements[2], good.Statements[3]

	rcv := &receiver{t: t, secret: webhook.NewSecret()}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	const settle = 1500 * time.Millisecond
	d := newDaemon(t, daemonSettings{database: database, receiverURL: srv.URL, secret: rcv.secret,
		settleTime: settle, rescan: 500 * time.Millisecond, maxFileBytes: maxFileBytes})
	d.start(t)
	if code, body := d.api(t, http.MethodPost, "/v1/invoices", "text/csv", bench.InvoicesCSV(good.Invoices)); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("import invoices: %d %s", code, body)
	}
	inbox := filepath.Join(d.dataDir, "inbox")
	in := func(name string) string { return filepath.Join(inbox, name) }

	// A statement written under its final name in 40 chunks, one every
	// 100 ms: 4 s of writing, well over the settle time, with fifteen
	// chunks per settle time. It must not be taken before its last byte.
	slowDone := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(in("slow.xml"), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
		if err != nil {
			slowDone <- err
			return
		}
		defer f.Close()
		data := slow.Data
		const chunks = 40
		for i := range chunks {
			part := data[i*len(data)/chunks : (i+1)*len(data)/chunks]
			if _, err := f.Write(part); err != nil {
				slowDone <- err
				return
			}
			time.Sleep(100 * time.Millisecond)
			if _, err := os.Lstat(in("slow.xml")); err != nil {
				slowDone <- fmt.Errorf("slow.xml left inbox/ after %d of %d chunks: %v", i+1, chunks, err)
				return
			}
		}
		slowDone <- nil
	}()

	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(in(name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Content decides: a camt.053 named .pdf, a CFONB file named .xml.
	if err := d.dropBytes(pdf.Data, "statement.pdf"); err != nil {
		t.Fatal(err)
	}
	if err := d.dropBytes(cfonb.Data, "releve.xml"); err != nil {
		t.Fatal(err)
	}
	// Refused with a reason.
	if err := os.Mkdir(in("a-folder"), 0o750); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join("a-folder", "inside.xml"), pdf.Data)
	if err := d.dropBytes(big.Statements[0].Data, "big.xml"); err != nil {
		t.Fatal(err)
	}
	// A 2 GiB file (sparse: no disk is spent), renamed in: refused by its
	// size without being read.
	huge, err := os.Create(in(".huge.xml.part"))
	if err != nil {
		t.Fatal(err)
	}
	if err := huge.Truncate(2 << 30); err != nil {
		t.Fatal(err)
	}
	huge.Close()
	if err := os.Rename(in(".huge.xml.part"), in("huge.xml")); err != nil {
		t.Fatal(err)
	}
	noise := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	write("noise.xml", noise)
	write("empty.xml", nil)
	truncated := after.Data[:len(after.Data)/2]
	write("truncated.xml", truncated)
	outside := filepath.Join(t.TempDir(), "outside.xml")
	if err := os.WriteFile(outside, pdf.Data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, in("link.xml")); err != nil {
		t.Fatal(err)
	}
	// Temporary names: never taken.
	temps := []string{".hidden.xml", "upload.xml.part", "export.tmp", "~$lock.xml"}
	for _, name := range temps {
		write(name, pdf.Data)
	}

	if err := <-slowDone; err != nil {
		t.Fatal(err)
	}
	rejected := []string{"a-folder", "big.xml", "empty.xml", "huge.xml", "link.xml", "noise.xml", "truncated.xml"}
	archived := []string{"releve.xml", "slow.xml", "statement.pdf"}
	eventually(t, 30*time.Second, "every file archived or rejected", func() bool {
		var a, r []string
		for _, f := range dataDirFiles(t, d.dataDir) {
			if name, ok := strings.CutPrefix(f, "archive "); ok {
				a = append(a, name)
			}
			if name, ok := strings.CutPrefix(f, "rejected "); ok {
				r = append(r, name)
			}
		}
		return slices.Equal(a, archived) && slices.Equal(r, rejected)
	})
	if !d.healthy() {
		t.Fatal("/healthz not OK after the bad input")
	}
	for _, name := range rejected {
		var rep rejectionReport
		b, err := os.ReadFile(filepath.Join(d.dataDir, "rejected", name+".error.json"))
		if err == nil {
			err = json.Unmarshal(b, &rep)
		}
		if err != nil {
			t.Errorf("%s: report: %v", name, err)
			continue
		}
		t.Logf("%s rejected by %s: %s %s", name, rep.Parser, rep.Position, rep.Error)
		if rep.File != name || rep.Parser == "" || rep.Error == "" {
			t.Errorf("%s: incomplete report %+v", name, rep)
		}
	}
	reasons := map[string]string{"a-folder": "directory", "link.xml": "symbolic link", "big.xml": "max_file_bytes", "huge.xml": "max_file_bytes"}
	for name, word := range reasons {
		b, _ := os.ReadFile(filepath.Join(d.dataDir, "rejected", name+".error.json"))
		if !strings.Contains(string(b), word) {
			t.Errorf("%s: the report does not say %q: %s", name, word, b)
		}
	}
	// Each report names its kind of refusal, and the metric counts them.
	kinds := map[string]string{"a-folder": "not_a_file", "link.xml": "not_a_file", "big.xml": "too_large", "huge.xml": "too_large",
		"empty.xml": "unknown_format", "noise.xml": "unknown_format", "truncated.xml": "parse_error"}
	perKind := map[string]int{}
	for name, kind := range kinds {
		var r rejectionReport
		b, _ := os.ReadFile(filepath.Join(d.dataDir, "rejected", name+".error.json"))
		if json.Unmarshal(b, &r) != nil || r.Reason != kind {
			t.Errorf("%s: reason %q, want %q (%s)", name, r.Reason, kind, b)
		}
		perKind[kind]++
	}
	for kind, n := range perKind {
		series := `lettrage_ingest_rejections_total{reason="` + kind + `"}`
		if got := sumMetric(t, []*daemon{d}, series); got != float64(n) {
			t.Errorf("%s = %v, want %d", series, got, n)
		}
	}
	var rep rejectionReport
	b, _ := os.ReadFile(filepath.Join(d.dataDir, "rejected", "truncated.xml.error.json"))
	if json.Unmarshal(b, &rep) != nil || rep.Parser != "camt.053" || rep.Position == "" {
		t.Errorf("truncated.xml: want the camt.053 parser's refusal with a position, got %s", b)
	}
	if got, _ := os.ReadFile(filepath.Join(d.dataDir, "rejected", "truncated.xml")); string(got) != string(truncated) {
		t.Error("rejected/truncated.xml is not the file dropped")
	}
	for _, name := range temps {
		if _, err := os.Stat(in(name)); err != nil {
			t.Errorf("temporary file %s: %v, want it left in inbox/", name, err)
		}
	}
	// Taken whole: slow.xml was ingested with all its entries and paid
	// its invoices.
	ingested := map[string]string{}
	for _, e := range rcv.ofType("statement.ingested") {
		ingested[fmt.Sprint(e.Data["file"])] = fmt.Sprint(e.Data["entries"])
	}
	for _, st := range []bench.PayStatement{slow, pdf, cfonb} {
		name := map[string]string{slow.Name: "slow.xml", pdf.Name: "statement.pdf", cfonb.Name: "releve.xml"}[st.Name]
		if ingested[name] != fmt.Sprint(len(st.Entries)) {
			t.Errorf("%s: statement.ingested with %q entries, want %d", name, ingested[name], len(st.Entries))
		}
	}
	eventually(t, 30*time.Second, "statement.rejected per rejected file", func() bool {
		return len(rcv.ofType("statement.rejected")) >= len(rejected)
	})
	if n := len(rcv.ofType("statement.rejected")); n != len(rejected) {
		t.Errorf("%d statement.rejected events, want %d", n, len(rejected))
	}

	// Still working: a good file after all that is processed.
	if err := d.dropBytes(after.Data, "after.xml"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "after.xml paid its invoices", func() bool {
		for _, id := range after.Invoices {
			if invoiceStatus(t, d, id) != "paid" {
				return false
			}
		}
		return true
	})
	for _, id := range slices.Concat(slow.Invoices, pdf.Invoices, cfonb.Invoices) {
		if s := invoiceStatus(t, d, id); s != "paid" {
			t.Errorf("%s: %s, want paid", id, s)
		}
	}
	if err := d.stop(t); err != nil {
		t.Errorf("daemon exit after SIGTERM: %v", err)
	}
}

func TestE2EBadInputSQLite(t *testing.T) {
	t.Parallel()
	testBadInput(t, "")
}

func TestE2EBadInputPostgres(t *testing.T) {
	t.Parallel()
	testBadInput(t, pgtest.NewSchema(t, "bad input through the daemon", "lt_bad"))
}

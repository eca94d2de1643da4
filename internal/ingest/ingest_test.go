package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/detect"
)

// parseStatements counts the statements and transactions of a file as the
// parsers see them.
func parseStatements(t *testing.T, b []byte) (statements, transactions int, format string) {
	t.Helper()
	var c statement.Collector
	if err := detect.Parse(context.Background(), bytes.NewReader(b), &c); err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Statements {
		transactions += len(ledger.KeyTransactions(s.Statement.Account.ID(), s.Entries))
	}
	return len(c.Statements), transactions, string(c.Statements[0].Statement.Format)
}

func TestFixturesAreArchived(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.start()
		var names []string
		for _, dir := range []string{"camt053", "cfonb120"} {
			entries, err := os.ReadDir(filepath.Join("..", "..", "fixtures", dir))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range entries {
				names = append(names, path.Join(dir, d.Name()))
			}
		}
		wantStatements := 0
		formats := map[string]int{}
		for _, n := range names {
			b := fixture(t, n)
			st, _, f := parseStatements(t, b)
			wantStatements += st
			formats[f]++
			e.drop(path.Base(n), b)
		}
		e.waitSettled(len(names))
		if r := e.ls(dirRejected); len(r) != 0 {
			t.Fatalf("rejected: %v\n%s", r, e.logs)
		}
		archived := e.ls(dirArchive)
		for _, n := range names {
			want := archiveName(sha(fixture(t, n)), path.Base(n))
			if !slices.ContainsFunc(archived, func(a string) bool { return path.Base(filepath.ToSlash(a)) == want }) {
				t.Errorf("%s not archived as %s; archive: %v", n, want, archived)
			}
		}
		for _, j := range e.jobs() {
			if j.Status != ledger.JobDone || j.Outcome != OutcomeArchived || !strings.HasPrefix(j.Detail, "archive/") {
				t.Errorf("job %+v", j)
			}
		}
		sts, err := e.store.ListStatements(t.Context(), ledger.StatementFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(sts) != wantStatements {
			t.Errorf("%d statements stored, want %d", len(sts), wantStatements)
		}
		if got := len(e.events(ledger.EventStatementIngested)); got != wantStatements {
			t.Errorf("%d statement.ingested events, want %d", got, wantStatements)
		}
		for f, n := range formats {
			waitMetric(t, "files_total{archived,"+f+"}", e.metrics.files.WithLabelValues(OutcomeArchived, f), float64(n))
		}
		// The classic CFONB day comes in five encodings: five files, five
		// statements, one set of transactions.
		var classic []ledger.StoredStatement
		for _, s := range sts {
			if s.AccountID == "300040082500051234567" {
				classic = append(classic, s)
			}
		}
		txs, err := e.store.ListTransactions(t.Context(), ledger.TransactionFilter{AccountID: "300040082500051234567"})
		if err != nil {
			t.Fatal(err)
		}
		if len(classic) != 5 || len(txs) != 8 {
			t.Fatalf("classic account: %d statements, %d transactions; want 5 and 8 (stored once)", len(classic), len(txs))
		}
		inserted, dups := 0, 0
		for _, s := range classic {
			inserted += s.Inserted
			dups += s.Duplicates
		}
		if inserted != 8 || dups != 32 {
			t.Errorf("classic account: inserted %d, duplicates %d; want 8 and 32", inserted, dups)
		}
		if got := metricValue(t, e.metrics.transactions.WithLabelValues("duplicate")); got < 32 {
			t.Errorf("transactions_total{duplicate} = %v, want ≥ 32", got)
		}
		if n := histogramCount(t, e.metrics.parse.WithLabelValues("cfonb120")); n != float64(formats["cfonb120"]) {
			t.Errorf("parse_duration_seconds{cfonb120} count = %v, want %d", n, formats["cfonb120"])
		}
	})
}

func TestStatementIngestedEvent(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	e.start()
	b := fixture(t, "cfonb120/lettrage_classic_lf.cfo")
	e.drop("releve.cfo", b)
	e.waitSettled(1)
	evs := e.events(ledger.EventStatementIngested)
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	var d map[string]any
	if err := json.Unmarshal(evs[0].Data, &d); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"file": "releve.cfo", "sha256": sha(b), "format": "cfonb120", "account": "300040082500051234567",
		"opening_balance": "15234.56", "closing_balance": "19342.91", "balanced": true, "credits": "4650.75", "debits": "542.40",
		"currency": "EUR", "entries": float64(8), "transactions_inserted": float64(8), "transactions_duplicate": float64(0)}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("event data %s = %v, want %v", k, d[k], v)
		}
	}
	if evs[0].AggregateType != "statement" || evs[0].AggregateID != d["statement_id"] {
		t.Errorf("aggregate %s/%s, statement_id %v", evs[0].AggregateType, evs[0].AggregateID, d["statement_id"])
	}
}

func TestDuplicatesAreArchivedWithoutSideEffects(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.start()
		b := fixture(t, "camt053/moov_FI_camt_053_sample_v02.xml")
		e.drop("a.xml", b)
		e.waitSettled(1)
		txsBefore, _ := e.store.ListTransactions(t.Context(), ledger.TransactionFilter{})
		e.drop("copy of a.xml", b) // another name
		e.waitSettled(2)
		e.drop("a.xml", b) // the same name again
		e.waitSettled(3)
		sum := sha(b)
		archived := e.ls(dirArchive)
		for _, want := range []string{sum + "-a.xml", sum + "-copy of a.xml", sum + "-a-2.xml"} {
			if !slices.ContainsFunc(archived, func(a string) bool { return filepath.Base(a) == want }) {
				t.Errorf("%s not in archive %v", want, archived)
			}
		}
		if js := e.jobs(); len(js) != 1 {
			t.Errorf("%d jobs, want 1", len(js))
		}
		if evs := e.events(ledger.EventStatementIngested); len(evs) != 1 {
			t.Errorf("%d statement.ingested events, want 1", len(evs))
		}
		sts, _ := e.store.ListStatements(t.Context(), ledger.StatementFilter{})
		txs, _ := e.store.ListTransactions(t.Context(), ledger.TransactionFilter{})
		if len(sts) != 1 || len(txs) != len(txsBefore) {
			t.Errorf("%d statements, %d transactions after duplicates; want 1 and %d", len(sts), len(txs), len(txsBefore))
		}
		waitMetric(t, "files_total{duplicate}", e.metrics.files.WithLabelValues(outcomeDuplicate, "camt.053.001.02"), 2)
	})
}

func TestSameTransactionInTwoStatementsIsStoredOnce(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	e.start()
	day := ledger.NewDate(2026, 11, 3)
	// Two different files (another statement id and sequence) listing the
	// same payments of the same account.
	a := camtStatement(t, "FR7630006000011234567890189", "7", day, 12000, 34550)
	b := bytes.Replace(a, []byte("STMT-7"), []byte("STMT-7-BIS"), -1)
	e.drop("day.xml", a)
	e.drop("day-again.xml", b)
	e.waitSettled(2)
	txs, err := e.store.ListTransactions(t.Context(), ledger.TransactionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 2 {
		t.Fatalf("%d transactions stored, want 2", len(txs))
	}
	sts, _ := e.store.ListStatements(t.Context(), ledger.StatementFilter{})
	if len(sts) != 2 || sts[0].Inserted+sts[1].Inserted != 2 || sts[0].Duplicates+sts[1].Duplicates != 2 {
		t.Fatalf("statements %+v", sts)
	}
}

func TestGrowingFileIsTakenOnceSettled(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	e.cfg.SettleTime = time.Second
	e.cfg.PollInterval = 50 * time.Millisecond
	e.start()
	b := fixture(t, "camt053/svapnil_abn_amro_example_camt_v02.xml")
	p := filepath.Join(e.dir, dirInbox, "growing.xml")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	// Write it slowly, in 20 pieces 50 ms apart (far below the settle
	// time): it must stay in inbox/ the whole time.
	chunk := len(b)/20 + 1
	for off := 0; off < len(b); off += chunk {
		if _, err := f.Write(b[off:min(off+chunk, len(b))]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("taken while being written (at byte %d): %v\n%s", off, err, e.logs)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	e.waitSettled(1)
	if r := e.ls(dirRejected); len(r) != 0 {
		t.Fatalf("rejected %v:\n%s", r, e.logs)
	}
	if a := e.ls(dirArchive); len(a) != 1 || !strings.HasSuffix(a[0], sha(b)+"-growing.xml") {
		t.Fatalf("archive %v", a)
	}
}

func TestTemporaryNamesAreIgnoredAndRenamesTakenAtOnce(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	// A settle time far beyond the test: only the rename rule can take a
	// file here.
	e.cfg.SettleTime = time.Hour
	e.cfg.OrphanAfter = 2 * time.Hour
	e.start()
	b := fixture(t, "cfonb120/lettrage_classic_lf.cfo")
	inbox := filepath.Join(e.dir, dirInbox)
	temps := []string{"releve.cfo.part", ".hidden.cfo", "releve.cfo.tmp", "releve.cfo~", "releve.cfo.crdownload", "~$lock.cfo"}
	for _, n := range temps {
		if err := os.WriteFile(filepath.Join(inbox, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A plain file written in place waits for the (hour-long) settle time.
	if err := os.WriteFile(filepath.Join(inbox, "in-place.cfo"), fixture(t, "cfonb120/lettrage_classic_crlf.cfo"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Renamed from a temporary file of inbox/: taken at once.
	if err := os.Rename(filepath.Join(inbox, "releve.cfo.part"), filepath.Join(inbox, "releve.cfo")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() (bool, string) {
		return len(e.ls(dirArchive)) == 1, "renamed file not archived"
	})
	// Moved in from elsewhere with an old modification time: taken at once.
	outside := filepath.Join(t.TempDir(), "old.cfo")
	if err := os.WriteFile(outside, fixture(t, "cfonb120/lettrage_multi_account.cfo"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(outside, old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(outside, filepath.Join(inbox, "old.cfo")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() (bool, string) {
		return len(e.ls(dirArchive)) == 2, "moved-in file not archived"
	})
	time.Sleep(3 * e.cfg.RescanInterval) // rescans must not take the rest either
	left := e.ls(dirInbox)
	slices.Sort(left)
	want := append(slices.DeleteFunc(slices.Clone(temps), func(n string) bool { return n == "releve.cfo.part" }), "in-place.cfo")
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Fatalf("inbox %v, want %v", left, want)
	}
	if js := e.jobs(); len(js) != 2 {
		t.Fatalf("%d jobs, want 2", len(js))
	}
	if got := metricValue(t, e.metrics.inbox); got != 1 {
		t.Errorf("inbox_files = %v, want 1 (temporary names not counted)", got)
	}
}

func TestDirectoriesAndSymlinksAreRejectedUnread(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.start()
		inbox := filepath.Join(e.dir, dirInbox)
		secret := filepath.Join(t.TempDir(), "secret.txt") // outside the data directory
		if err := os.WriteFile(secret, []byte("do not read"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(inbox, "folder.xml"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(inbox, "folder.xml", "inside.xml"), fixture(t, "camt053/moov_FI_camt_053_sample_v02.xml"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(secret, filepath.Join(inbox, "escape.xml")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../archive", filepath.Join(inbox, "inside-link.xml")); err != nil {
			t.Fatal(err)
		}
		e.waitSettled(3)
		for _, n := range []string{"folder.xml", "escape.xml", "inside-link.xml"} {
			info, err := os.Lstat(filepath.Join(e.dir, dirRejected, n))
			if err != nil {
				t.Fatalf("%s not in rejected/: %v", n, err)
			}
			r := e.readReport(n)
			if r.File != n || r.SHA256 != "" || r.Parser != "ingest" || r.RejectedAt.IsZero() || r.IntakeID == "" {
				t.Errorf("%s: report %+v", n, r)
			}
			switch n {
			case "folder.xml":
				if !info.IsDir() || !strings.Contains(r.Error, "a directory is not a statement file") {
					t.Errorf("%s: %v, %q", n, info.Mode(), r.Error)
				}
				if _, err := os.Stat(filepath.Join(e.dir, dirRejected, n, "inside.xml")); err != nil {
					t.Errorf("directory content lost: %v", err)
				}
			default:
				if info.Mode()&os.ModeSymlink == 0 || !strings.Contains(r.Error, "symbolic link") {
					t.Errorf("%s: %v, %q", n, info.Mode(), r.Error)
				}
			}
		}
		if b, _ := os.ReadFile(secret); string(b) != "do not read" {
			t.Error("link target changed")
		}
		if js := e.jobs(); len(js) != 0 {
			t.Errorf("jobs recorded for unread entries: %+v", js)
		}
		if evs := e.events(ledger.EventStatementRejected); len(evs) != 3 {
			t.Errorf("%d statement.rejected events, want 3", len(evs))
		}
	})
}

func TestBadFilesAreRejectedWithAReport(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.cfg.MaxFileBytes = 64 << 10
		e.start()
		camt := fixture(t, "camt053/viafintech_valid_example_v08.xml")
		truncated := camt[:len(camt)/2]
		badAmount := bytes.Replace(camt, []byte(">474.4<"), []byte(">47x.4<"), 1)
		if bytes.Equal(badAmount, camt) {
			t.Fatal("fixture changed: amount 474.4 not found")
		}
		cfonb := fixture(t, "cfonb120/lettrage_classic_lf.cfo")
		badRecord := bytes.Replace(cfonb, []byte("\n04"), []byte("\n09"), 1)
		huge := bytes.Repeat([]byte("0"), 70<<10)
		files := []struct {
			name     string
			data     []byte
			parser   string
			format   string
			position bool
			error    string
		}{
			{"garbage.xml", []byte("this is not a bank statement\n"), "detect", "", true, "unrecognised format"},
			{"empty.xml", nil, "detect", "", true, "empty file"},
			{"invoices.csv", []byte("invoice_id,number\nA,1\n"), "detect", "", true, "unrecognised format"},
			{"truncated.xml", truncated, "camt.053", "camt.053.001.08", true, ""},
			{"bad-amount.xml", badAmount, "camt.053", "camt.053.001.08", true, "47x.4"},
			{"bad-record.cfo", badRecord, "cfonb120", "cfonb120", true, ""},
			{"huge.cfo", huge, "ingest", "", false, "larger than the 65536 bytes allowed"},
		}
		for _, f := range files {
			e.drop(f.name, f.data)
		}
		// A statement with the wrong extension is still a statement.
		e.drop("statement.pdf", cfonb)
		e.waitSettled(len(files) + 1)
		if a := e.ls(dirArchive); len(a) != 1 || !strings.HasSuffix(a[0], "-statement.pdf") {
			t.Errorf("archive %v, want the .pdf statement", a)
		}
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(e.dir, dirRejected, f.name)); err != nil {
				t.Errorf("%s not rejected: %v", f.name, err)
				continue
			}
			r := e.readReport(f.name)
			wantSHA := sha(f.data)
			if f.name == "huge.cfo" {
				wantSHA = "" // not read
			}
			if r.File != f.name || r.SHA256 != wantSHA || r.Parser != f.parser || r.Format != f.format ||
				(r.Position != "") != f.position || !strings.Contains(r.Error, f.error) || r.Error == "" || r.RejectedAt.IsZero() {
				t.Errorf("%s: report %+v", f.name, r)
			}
			if f.name != "huge.cfo" && r.JobID == "" {
				t.Errorf("%s: report without job id", f.name)
			}
		}
		evs := e.events(ledger.EventStatementRejected)
		if len(evs) != len(files) {
			t.Errorf("%d statement.rejected events, want %d", len(evs), len(files))
		}
		for _, ev := range evs {
			var d rejectedData
			if err := json.Unmarshal(ev.Data, &d); err != nil || d.File == "" || d.Error == "" || !strings.HasPrefix(d.RejectedTo, "rejected/") {
				t.Errorf("event data %s: %v", ev.Data, err)
			}
		}
		for _, j := range e.jobs() {
			if j.Status != ledger.JobDone {
				t.Errorf("job %+v not done", j)
			}
		}
		if sts, _ := e.store.ListStatements(t.Context(), ledger.StatementFilter{}); len(sts) != 1 {
			t.Errorf("%d statements stored, want 1 (the .pdf one)", len(sts))
		}
		waitMetric(t, "files_total{rejected,unknown}", e.metrics.files.WithLabelValues(OutcomeRejected, "unknown"), 4)

		// Dropped again, a rejected content is rejected again as a
		// duplicate, beside its own report, with no new event.
		e.drop("garbage.xml", []byte("this is not a bank statement\n"))
		e.waitSettled(len(files) + 2)
		r := e.readReport("garbage-2.xml")
		if r.DuplicateOf != "garbage.xml" || !strings.Contains(r.Error, "unrecognised format") {
			t.Errorf("duplicate report %+v", r)
		}
		if evs := e.events(ledger.EventStatementRejected); len(evs) != len(files) {
			t.Errorf("%d statement.rejected events after a duplicate, want %d", len(evs), len(files))
		}
	})
}

func TestSequenceGapIsCounted(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	e.start()
	iban := "FR7630006000011234567890189"
	day := ledger.NewDate(2026, 11, 2)
	for i, seq := range []string{"41", "42", "45", "44"} {
		e.drop("day"+seq+".xml", camtStatement(t, iban, seq, day.AddDays(i), 1000+int64(i)))
		e.waitSettled(i + 1)
	}
	if got := metricValue(t, e.metrics.gaps); got != 1 {
		t.Fatalf("sequence gaps = %v, want 1 (42 → 45; 44 arriving late is no gap)\n%s", got, e.logs)
	}
	if !strings.Contains(e.logs.String(), `"previous_seq":42,"seq":45,"missing":2`) {
		t.Errorf("no gap log line:\n%s", e.logs)
	}
	if strings.Contains(e.logs.String(), iban) {
		t.Error("an IBAN appears unmasked in the logs")
	}
}

func TestReplicasShareOneInbox(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		// Two replicas on one data directory; on PostgreSQL each has its
		// own connection pool, as separate processes would.
		second := e.store
		if eng.Name == "postgres" {
			second = e.reopen()
		}
		e.start()
		cfg := e.cfg
		cfg.Replica, cfg.Store = "r2", second
		e.startWith(cfg)
		const n = 20
		for i := range n {
			e.drop("day"+itoa(i)+".xml", camtStatement(t, "FR7630006000011234567890189", itoa(100+i), ledger.NewDate(2026, 10, 1).AddDays(i), 5000+int64(i)))
		}
		e.waitSettled(n)
		if r := e.ls(dirRejected); len(r) != 0 {
			t.Fatalf("rejected %v\n%s", r, e.logs)
		}
		js := e.jobs()
		if len(js) != n {
			t.Fatalf("%d jobs, want %d", len(js), n)
		}
		for _, j := range js {
			if j.Status != ledger.JobDone || j.Outcome != OutcomeArchived {
				t.Errorf("job %+v", j)
			}
		}
		if evs := e.events(ledger.EventStatementIngested); len(evs) != n {
			t.Errorf("%d statement.ingested, want %d", len(evs), n)
		}
		if txs, _ := e.store.ListTransactions(t.Context(), ledger.TransactionFilter{}); len(txs) != n {
			t.Errorf("%d transactions, want %d", len(txs), n)
		}
	})
}

func TestOrphanOfAnotherReplicaIsAdopted(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	e.cfg.OrphanAfter = 2 * e.cfg.SettleTime
	// A replica that died after taking a file, before recording it.
	dead := filepath.Join(e.dir, dirProcessing, "dead-replica")
	if err := os.MkdirAll(dead, 0o755); err != nil {
		t.Fatal(err)
	}
	b := fixture(t, "camt053/viafintech_valid_example_with_batch_v02.xml")
	if err := os.WriteFile(filepath.Join(dead, processingName(ledger.NewID(time.Now()), "left.xml")), b, 0o644); err != nil {
		t.Fatal(err)
	}
	e.start()
	e.waitSettled(1)
	if a := e.ls(dirArchive); len(a) != 1 || !strings.HasSuffix(a[0], sha(b)+"-left.xml") {
		t.Fatalf("archive %v", a)
	}
}

func TestRunRefusesSymlinkedSubdirectory(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	elsewhere := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(e.dir, dirArchive)); err != nil {
		t.Fatal(err)
	}
	w, err := New(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = w.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "archive must be a directory, not a symbolic link") {
		t.Fatalf("Run: %v", err)
	}
}

func TestFilesDroppedTogetherAreStoredInTheOrderWritten(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	inbox := filepath.Join(e.dir, dirInbox)
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	iban := "FR7630006000011234567890189"
	base := time.Now().Add(-3 * time.Hour)
	// Names in another order than the statements'.
	for i, name := range []string{"zz.xml", "aa.xml", "mm.xml", "bb.xml"} {
		p := filepath.Join(inbox, name)
		if err := os.WriteFile(p, camtStatement(t, iban, itoa(10+i), ledger.NewDate(2026, 11, 2+i), 100+int64(i)), 0o644); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(i) * time.Minute)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	e.start()
	e.waitSettled(4)
	sts, err := e.store.ListStatements(t.Context(), ledger.StatementFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var seqs []string
	for _, s := range sts {
		seqs = append(seqs, s.Header.ElectronicSeq)
	}
	if strings.Join(seqs, ",") != "10,11,12,13" {
		t.Fatalf("statements stored in the order %v", seqs)
	}
	if got := metricValue(t, e.metrics.gaps); got != 0 {
		t.Errorf("sequence gaps = %v", got)
	}
}

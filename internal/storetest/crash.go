package storetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Crash tests kill a writer process with SIGKILL in the middle of a
// transaction and check the database afterwards. From inside some of its
// transactions the writer writes a marker ("INTX <kind> <key>") and waits
// for a line on its input before going on; the test answers every marker
// but the one it chose, and kills the writer there, while that transaction
// is open and uncommitted.

const (
	crashInvoices = 200
	crashPerStmt  = 20
	crashFiles    = 60 // the writer stops there, so a test never waits forever
)

// CrashWriter is the body of the writer process: it imports invoices, then
// stores statement files and letters their credits until it is killed, ctx
// ends or in is closed. From inside some transactions it writes a marker
// line to out and waits for a line from in. run names the files and
// payments of this writer, so that a writer can follow a killed one on the
// same database.
func CrashWriter(ctx context.Context, s ledger.Store, run string, in io.Reader, out io.Writer) error {
	invs := make([]ledger.Invoice, crashInvoices)
	for i := range invs {
		invs[i] = invoice(fmt.Sprintf("INV%04d", i), 5000) // room for ten payments
	}
	if _, err := s.UpsertInvoices(ctx, ledger.InvoiceImport{Source: "crash", Invoices: invs}, ledger.Write[ledger.ImportResult]{Actor: "crash"}); err != nil {
		return err
	}
	answers := bufio.NewReader(in)
	hold := func(marker string) error {
		fmt.Fprintln(out, "INTX "+marker)
		_, err := answers.ReadString('\n')
		return err
	}
	for i := 0; i < crashFiles; i++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f := crashFile(fmt.Sprintf("%s-%d", run, i), day(1+i%28))
		res, err := s.SaveStatementFile(ctx, f, ledger.Write[ledger.StatementFileResult]{Actor: "crash",
			Events: func(r ledger.StatementFileResult) ([]ledger.EventDraft, error) {
				if i%3 == 0 {
					if err := hold("file " + f.Hash); err != nil {
						return nil, err
					}
				}
				return ingestedEvent(r)
			}})
		if err != nil {
			return err
		}
		for k, st := range res.Statements {
			txs, err := s.ListTransactions(ctx, ledger.TransactionFilter{StatementID: st.ID})
			if err != nil {
				return err
			}
			for j, tx := range txs {
				inv := fmt.Sprintf("INV%04d", (i*2*crashPerStmt+k*crashPerStmt+j)%crashInvoices)
				m := autoMatch(tx.ID, 500, alloc(inv, 500))
				_, err := s.SaveMatch(ctx, m, ledger.Write[ledger.MatchOutcome]{Actor: "crash", Events: func(o ledger.MatchOutcome) ([]ledger.EventDraft, error) {
					if j%7 == 3 {
						if err := hold("match " + tx.ID); err != nil {
							return nil, err
						}
					}
					return lettrageEvents(o)
				}})
				if errors.Is(err, ledger.ErrConflict) { // the invoice is paid: keep the credit for review
					m = ledger.Match{TransactionID: tx.ID, Decision: ledger.DecisionUnmatched, Status: ledger.MatchProposed, Unapplied: eurs(500)}
					_, err = s.SaveMatch(ctx, m, ledger.Write[ledger.MatchOutcome]{Actor: "crash", Events: lettrageEvents})
				}
				if err != nil {
					return err
				}
			}
		}
	}
	return errors.New("crash writer: done without being killed")
}

// crashFile is a file of two statements of crashPerStmt credits of 5.00.
func crashFile(name string, d ledger.Date) ledger.StatementFile {
	var sts []ledger.ParsedStatement
	for k := range 2 {
		var es []*ledger.Entry
		for j := range crashPerStmt {
			es = append(es, credit(fmt.Sprintf("%s-%d-%d", name, k, j), 500, d))
		}
		sts = append(sts, statementOf(fmt.Sprintf("%s-%d", name, k), es...))
	}
	return fileOf(name+".xml", sts...)
}

// KillWriterMidTransaction starts cmd (a process running CrashWriter on
// its standard input and output), SIGKILLs it while it holds open a
// transaction of the given kind ("file" while storing a statement file,
// "match" while lettering), picked at random among the first ones, waits
// for it to die and returns the marker of that transaction. whileRunning,
// when not nil, is called once while the writer holds its first
// transaction open, with the writer's pid.
func KillWriterMidTransaction(t *testing.T, cmd *exec.Cmd, kind string, whileRunning func(pid int)) string {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The first file marker comes before anything is committed: skip it.
	kill := 2 + rand.IntN(2)
	if kind == "match" {
		kill = 1 + rand.IntN(15)
	}
	sc := bufio.NewScanner(stdout)
	n, seen := 0, 0
	var marker string
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "INTX ") {
			continue
		}
		if n++; n == 1 && whileRunning != nil {
			whileRunning(cmd.Process.Pid)
		}
		if strings.HasPrefix(line, "INTX "+kind+" ") {
			seen++
		}
		if seen == kill {
			marker = strings.TrimPrefix(line, "INTX ")
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			break
		}
		if _, err := io.WriteString(stdin, "go\n"); err != nil {
			t.Fatalf("answer the writer: %v", err)
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	if marker == "" {
		t.Fatalf("writer ended before its transaction %d (%v)", kill, err)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("writer did not die of SIGKILL: %v", err)
	}
	t.Logf("killed the writer inside its transaction %d (number %d of kind %s: %s)", n, kill, kind, marker)
	return marker
}

// CheckConsistent checks, after a crash, that every transaction of the
// database is whole: files with all their statements and transactions,
// invoices whose open amounts equal their amounts less their lettrage,
// matches with their journal rows and events; that the transaction killed
// (marker from KillWriterMidTransaction) left nothing; and that the store
// takes new writes.
func CheckConsistent(t *testing.T, s ledger.Store, marker string) {
	t.Helper()
	ctx := t.Context()
	sts, err := s.ListStatements(ctx, ledger.StatementFilter{})
	ok(t, err)
	if len(sts) == 0 {
		t.Fatal("no statement survived: the writer did not commit anything before the kill")
	}
	perFile := map[string]int{}
	for _, st := range sts {
		perFile[st.FileHash]++
		txs, err := s.ListTransactions(ctx, ledger.TransactionFilter{StatementID: st.ID})
		ok(t, err)
		if len(txs) != st.Inserted || st.Inserted+st.Duplicates != crashPerStmt {
			t.Fatalf("statement %s: %d transactions stored, %d recorded, want %d", st.ID, len(txs), st.Inserted, crashPerStmt)
		}
	}
	for hash, n := range perFile {
		if n != 2 {
			t.Fatalf("file %s has %d statements, want 2", hash, n)
		}
		journal, err := s.ListAudit(ctx, ledger.AuditFilter{EntityType: "statement_file", EntityID: hash})
		ok(t, err)
		if len(journal) != 1 {
			t.Fatalf("file %s has %d journal rows, want 1", hash, len(journal))
		}
	}
	evs, err := s.ListEvents(ctx, ledger.EventFilter{Type: "statement.ingested"})
	ok(t, err)
	if len(evs) != len(sts) {
		t.Fatalf("%d statement.ingested events for %d statements", len(evs), len(sts))
	}
	ms, err := s.ListMatches(ctx, ledger.MatchFilter{})
	ok(t, err)
	lettered := map[string]int64{}
	for _, m := range ms {
		if m.Status.Lettered() {
			for _, a := range m.Allocations {
				lettered[a.InvoiceID] += a.Amount.Minor
			}
		}
		evs, err := s.ListEvents(ctx, ledger.EventFilter{AggregateType: "match", AggregateID: m.ID})
		ok(t, err)
		journal, err := s.ListAudit(ctx, ledger.AuditFilter{EntityType: "match", EntityID: m.ID})
		ok(t, err)
		if len(evs) != 1 || len(journal) == 0 {
			t.Fatalf("match %s: %d events and %d journal rows, want 1 and some", m.ID, len(evs), len(journal))
		}
	}
	invs, err := s.ListInvoices(ctx, ledger.InvoiceFilter{})
	ok(t, err)
	if len(invs) != crashInvoices {
		t.Fatalf("%d invoices, want %d", len(invs), crashInvoices)
	}
	for _, inv := range invs {
		if inv.Open.Minor != inv.Amount.Minor-lettered[inv.ID] || inv.Open.Minor < 0 || inv.Status != inv.DeriveStatus() {
			t.Fatalf("invoice %s: open %s, amount %s, lettered %d, status %s: inconsistent", inv.ID, inv.Open, inv.Amount, lettered[inv.ID], inv.Status)
		}
	}
	kind, key, _ := strings.Cut(marker, " ")
	switch kind {
	case "file":
		if sts, err := s.ListStatements(ctx, ledger.StatementFilter{FileHash: key}); err != nil || len(sts) != 0 {
			t.Fatalf("the file being stored when the writer was killed is there: %d statements, %v", len(sts), err)
		}
	case "match":
		if ms, err := s.ListMatches(ctx, ledger.MatchFilter{TransactionID: key}); err != nil || len(ms) != 0 {
			t.Fatalf("the match being stored when the writer was killed is there: %+v, %v", ms, err)
		}
	default:
		t.Fatalf("unknown marker %q", marker)
	}
	// The database takes writes again.
	res, err := s.SaveStatementFile(ctx, crashFile("after-"+key, day(2)), ledger.Write[ledger.StatementFileResult]{Actor: "test", Events: ingestedEvent})
	ok(t, err)
	if res.Inserted() != 2*crashPerStmt {
		t.Fatalf("write after the crash: %+v", res)
	}
	t.Logf("consistent after the crash: %d files, %d statements, %d matches", len(perFile), len(sts), len(ms))
}

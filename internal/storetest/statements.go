package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// ingestedEvent builds a statement.ingested event per stored statement.
func ingestedEvent(r ledger.StatementFileResult) ([]ledger.EventDraft, error) {
	var out []ledger.EventDraft
	for _, st := range r.Statements {
		data, err := json.Marshal(map[string]any{"statement_id": st.ID, "inserted": st.Inserted, "duplicates": st.Duplicates})
		if err != nil {
			return nil, err
		}
		out = append(out, ledger.EventDraft{Type: "statement.ingested", AggregateType: "statement", AggregateID: st.ID, Data: data})
	}
	return out, nil
}

var statementTests = []test{
	{"Statements/AccountActivity", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		acts, err := s.AccountActivity(ctx)
		ok(t, err)
		if len(acts) != 0 {
			t.Fatalf("activity of an empty store: %+v", acts)
		}
		before := time.Now().Add(-time.Minute)
		other := statementOf("O1", credit("OREF", 100, day(12)))
		other.Statement.Account.IBAN = "FR7630004000031234567890143"
		other.Statement.To = day(12)
		early := statementOf("S0", credit("EREF", 100, day(14)))
		early.Statement.To = day(15)
		for _, f := range []ledger.StatementFile{fileOf("a.xml", statementOf("S1", credit("REF1", 12000, day(3)))), fileOf("b.xml", other, early)} {
			_, err := s.SaveStatementFile(ctx, f, ledger.Write[ledger.StatementFileResult]{Actor: "ingest"})
			ok(t, err)
		}
		acts, err = s.AccountActivity(ctx)
		ok(t, err)
		if len(acts) != 2 {
			t.Fatalf("activity %+v: want two accounts", acts)
		}
		want := map[string]struct {
			n    int
			last ledger.Date
		}{testIBAN: {2, day(30)}, "FR7630004000031234567890143": {1, day(12)}}
		for _, a := range acts {
			w, found := want[a.AccountID]
			if !found || a.Statements != w.n || a.LastDate != w.last || a.LastStored.Before(before) || a.LastStored.After(time.Now().Add(time.Minute)) {
				t.Errorf("activity %+v, want %d statements, last date %s, stored just now", a, w.n, w.last)
			}
		}
		if acts[0].AccountID > acts[1].AccountID {
			t.Errorf("activity not in account order: %s, %s", acts[0].AccountID, acts[1].AccountID)
		}
	}},
	{"Statements/SaveAndRead", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		f := fileOf("a.xml",
			statementOf("S1", credit("REF1", 12000, day(3)), batch("BATCH", day(3), 500, 700),
				&ledger.Entry{Amount: eurs(999), Direction: ledger.Debit, Status: ledger.StatusBooked, BookingDate: day(4), AcctSvcrRef: "FEE"}),
			statementOf("S2", credit("REF2", 3000, day(5))))
		res, err := s.SaveStatementFile(ctx, f, ledger.Write[ledger.StatementFileResult]{Actor: "ingest", Events: ingestedEvent})
		ok(t, err)
		if res.Duplicate || len(res.Statements) != 2 || res.Inserted() != 5 || res.Duplicates() != 0 {
			t.Fatalf("result %+v: want 2 statements, 5 transactions inserted", res)
		}
		st1 := res.Statements[0]
		if st1.Position != 1 || st1.AccountID != testIBAN || st1.Inserted != 4 || st1.FileHash != f.Hash {
			t.Fatalf("statement 1 %+v", st1)
		}
		got, err := s.GetStatement(ctx, st1.ID)
		ok(t, err)
		if got.Header.StatementID != "S1" || got.Header.Totals != f.Statements[0].Statement.Totals || got.Inserted != 4 ||
			!reflect.DeepEqual(got.Header.Balances, f.Statements[0].Statement.Balances) || !got.Header.CreatedAt.Equal(f.Statements[0].Statement.CreatedAt) {
			t.Fatalf("stored statement %+v", got)
		}
		sts, err := s.ListStatements(ctx, ledger.StatementFilter{AccountID: testIBAN})
		ok(t, err)
		if len(sts) != 2 || sts[0].ID != st1.ID {
			t.Fatalf("ListStatements: %d statements, first %v", len(sts), sts)
		}
		txs, err := s.ListTransactions(ctx, ledger.TransactionFilter{StatementID: st1.ID})
		ok(t, err)
		if len(txs) != 4 {
			t.Fatalf("statement 1 has %d transactions, want 4", len(txs))
		}
		want := f.Statements[0].Entries[0].Transactions[0]
		if tx := txs[0]; !reflect.DeepEqual(tx.Transaction, want) || tx.BankRef != "REF1" || tx.StatementID != st1.ID ||
			tx.AccountID != testIBAN || tx.BookingDate != day(3) || tx.Status != ledger.StatusBooked || tx.EntryIndex != 1 ||
			tx.BankTxCode.Family != "RCDT" || tx.DedupKey == "" {
			t.Fatalf("stored transaction %+v\nwant transaction %+v", tx, want)
		}
		if txs[1].Transaction.EndToEndID != "BATCH-1" || txs[2].Transaction.EndToEndID != "BATCH-2" || txs[1].EntryAmount != eurs(1200) {
			t.Fatalf("batch transactions out of order or wrong: %+v %+v", txs[1], txs[2])
		}
		// An entry without transaction details stands as one transaction.
		if fee := txs[3]; fee.Transaction.Amount != eurs(999) || fee.Transaction.Direction != ledger.Debit || fee.BankRef != "FEE" {
			t.Fatalf("entry without details stored as %+v", fee)
		}
		one, err := s.GetTransaction(ctx, txs[0].ID)
		ok(t, err)
		if !reflect.DeepEqual(one, txs[0]) {
			t.Fatalf("GetTransaction %+v\nListTransactions %+v", one, txs[0])
		}
		credits, err := s.ListTransactions(ctx, ledger.TransactionFilter{AccountID: testIBAN, Direction: ledger.Credit, Limit: 2})
		ok(t, err)
		if len(credits) != 2 {
			t.Fatalf("limit 2 credits: got %d", len(credits))
		}
		rest, err := s.ListTransactions(ctx, ledger.TransactionFilter{Direction: ledger.Credit, After: credits[1].ID})
		ok(t, err)
		if len(rest) != 2 {
			t.Fatalf("credits after cursor: got %d, want 2", len(rest))
		}
		booked, err := s.ListTransactions(ctx, ledger.TransactionFilter{AccountID: testIBAN, BookedOn: day(5)})
		ok(t, err)
		if len(booked) != 1 || booked[0].BookingDate != day(5) || booked[0].StatementID == st1.ID {
			t.Fatalf("booked on day 5: %+v", booked)
		}
		evs, err := s.ListEvents(ctx, ledger.EventFilter{Type: "statement.ingested"})
		ok(t, err)
		if len(evs) != 2 || evs[0].AggregateID != st1.ID || evs[0].Sequence != 1 {
			t.Fatalf("statement events %+v", evs)
		}
		journal, err := s.ListAudit(ctx, ledger.AuditFilter{EntityType: "statement_file", EntityID: f.Hash})
		ok(t, err)
		if len(journal) != 1 || journal[0].Actor != "ingest" {
			t.Fatalf("journal of the file: %+v", journal)
		}
	}},
	{"Statements/SameFileTwiceIsANoOp", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		f := fileOf("a.xml", statementOf("S1", credit("REF1", 12000, day(3)), credit("REF2", 100, day(3))))
		first, err := s.SaveStatementFile(ctx, f, ledger.Write[ledger.StatementFileResult]{Actor: "ingest", Events: ingestedEvent})
		ok(t, err)
		called := false
		again, err := s.SaveStatementFile(ctx, f, ledger.Write[ledger.StatementFileResult]{Actor: "ingest",
			Events: func(ledger.StatementFileResult) ([]ledger.EventDraft, error) { called = true; return nil, nil }})
		ok(t, err)
		if !again.Duplicate || called || len(again.Statements) != 1 || again.Statements[0].ID != first.Statements[0].ID || again.Statements[0].Inserted != 2 {
			t.Fatalf("second save %+v (events called %v): want the first result marked duplicate", again, called)
		}
		txs, err := s.ListTransactions(ctx, ledger.TransactionFilter{})
		ok(t, err)
		sts, err := s.ListStatements(ctx, ledger.StatementFilter{})
		ok(t, err)
		evs, err := s.ListEvents(ctx, ledger.EventFilter{})
		ok(t, err)
		if len(txs) != 2 || len(sts) != 1 || len(evs) != 1 {
			t.Fatalf("after the same file twice: %d transactions, %d statements, %d events; want 2, 1, 1", len(txs), len(sts), len(evs))
		}
	}},
	{"Statements/SameTransactionInTwoStatements", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		_, err := s.SaveStatementFile(ctx, fileOf("day3.xml", statementOf("S1", credit("REF1", 12000, day(3)), credit("REF2", 500, day(3)))), anyWrite[ledger.StatementFileResult]("ingest"))
		ok(t, err)
		// An overlapping statement: REF1 again, plus a new one.
		res, err := s.SaveStatementFile(ctx, fileOf("day3-4.xml", statementOf("S2", credit("REF1", 12000, day(3)), credit("REF3", 700, day(4)))), anyWrite[ledger.StatementFileResult]("ingest"))
		ok(t, err)
		if res.Duplicate || res.Inserted() != 1 || res.Duplicates() != 1 {
			t.Fatalf("overlapping statement: %+v; want 1 inserted, 1 duplicate", res)
		}
		all, err := s.ListTransactions(ctx, ledger.TransactionFilter{AccountID: testIBAN})
		ok(t, err)
		if len(all) != 3 {
			t.Fatalf("%d transactions stored, want 3", len(all))
		}
		// The same reference on another day is another payment (banks reuse
		// AcctSvcrRef across days).
		res, err = s.SaveStatementFile(ctx, fileOf("day9.xml", statementOf("S3", credit("REF1", 12000, day(9)))), anyWrite[ledger.StatementFileResult]("ingest"))
		ok(t, err)
		if res.Inserted() != 1 {
			t.Fatalf("same reference on another day: %+v, want inserted", res)
		}
	}},
	{"Statements/IdenticalPaymentsWithoutReference", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		twin := func() *ledger.Entry {
			e := credit("", 5000, day(3))
			e.Transactions[0].EndToEndID = ""
			return e
		}
		f := fileOf("twins.xml", statementOf("S1", twin(), twin()))
		res, err := s.SaveStatementFile(ctx, f, anyWrite[ledger.StatementFileResult]("ingest"))
		ok(t, err)
		if res.Inserted() != 2 {
			t.Fatalf("two identical payments without reference: %+v, want both stored", res)
		}
		// The same statement delivered again in another file adds nothing.
		res, err = s.SaveStatementFile(ctx, fileOf("twins-again.xml", statementOf("S1", twin(), twin())), anyWrite[ledger.StatementFileResult]("ingest"))
		ok(t, err)
		if res.Inserted() != 0 || res.Duplicates() != 2 {
			t.Fatalf("identical payments resent: %+v, want 2 duplicates", res)
		}
	}},
	{"Statements/InvalidAndNotFound", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		f := fileOf("a.xml", statementOf("S1", credit("R", 1, day(1))))
		noHash := f
		noHash.Hash = ""
		_, err := s.SaveStatementFile(ctx, noHash, anyWrite[ledger.StatementFileResult]("ingest"))
		wantErr(t, err, ledger.ErrInvalid, "file without hash")
		_, err = s.SaveStatementFile(ctx, fileOf("empty.xml"), anyWrite[ledger.StatementFileResult]("ingest"))
		wantErr(t, err, ledger.ErrInvalid, "file without statements")
		_, err = s.GetStatement(ctx, "nope")
		wantErr(t, err, ledger.ErrNotFound, "unknown statement")
		_, err = s.GetTransaction(ctx, "nope")
		wantErr(t, err, ledger.ErrNotFound, "unknown transaction")
	}},
	{"Statements/EventErrorRollsBack", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		f := fileOf("a.xml", statementOf("S1", credit("REF1", 12000, day(3))))
		boom := errors.New("boom")
		_, err := s.SaveStatementFile(ctx, f, ledger.Write[ledger.StatementFileResult]{Actor: "ingest",
			Events: func(ledger.StatementFileResult) ([]ledger.EventDraft, error) { return nil, boom }})
		wantErr(t, err, boom, "failing event builder")
		txs, err := s.ListTransactions(ctx, ledger.TransactionFilter{})
		ok(t, err)
		sts, err := s.ListStatements(ctx, ledger.StatementFilter{})
		ok(t, err)
		journal, err := s.ListAudit(ctx, ledger.AuditFilter{})
		ok(t, err)
		if len(txs)+len(sts)+len(journal) != 0 {
			t.Fatalf("after rollback: %d transactions, %d statements, %d journal rows; want none", len(txs), len(sts), len(journal))
		}
		// An event that is not JSON also rolls back.
		_, err = s.SaveStatementFile(ctx, f, ledger.Write[ledger.StatementFileResult]{Actor: "ingest",
			Events: func(ledger.StatementFileResult) ([]ledger.EventDraft, error) {
				return []ledger.EventDraft{{Type: "statement.ingested", Data: []byte("{not json")}}, nil
			}})
		wantErr(t, err, ledger.ErrInvalid, "event data not JSON")
		// The file can then be stored for real.
		res, err := s.SaveStatementFile(ctx, f, anyWrite[ledger.StatementFileResult]("ingest"))
		ok(t, err)
		if res.Duplicate || res.Inserted() != 1 {
			t.Fatalf("save after rollback: %+v", res)
		}
	}},
}

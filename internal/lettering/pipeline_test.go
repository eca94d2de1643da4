package lettering

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/fixtures/render"
	"github.com/lettrage/lettrage/internal/ingest"
	"github.com/lettrage/lettrage/internal/ledger"
)

// TestDroppedStatementIsLettered runs the pipeline as `lettrage serve`
// wires it: the watcher stores a dropped statement and notifies the
// runner, which letters its credits. The runner's tick is an hour: only
// the notification can make it run in time.
func TestDroppedStatementIsLettered(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.importLedger()
		var notified atomic.Int32
		e.cfg.Interval = time.Hour
		e.cfg.OnEvents = func() { notified.Add(1) }
		r := e.runner()
		dir := t.TempDir()
		w, err := ingest.New(ingest.Config{
			DataDir: dir, Store: e.store, Replica: "r1", SettleTime: 200 * time.Millisecond, RescanInterval: time.Second,
			PollInterval: 50 * time.Millisecond, ClaimInterval: 100 * time.Millisecond, Logger: zerolog.New(e.logs),
			OnStored: func(context.Context, ledger.StatementFileResult) { r.Notify() },
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 2)
		go func() { done <- r.Run(ctx) }()
		go func() { done <- w.Run(ctx) }()
		defer func() {
			cancel()
			for range 2 {
				if err := <-done; err != nil {
					t.Error(err)
				}
			}
		}()

		d := day("2026-11-03")
		credits := []struct{ amount, payer, remittance string }{
			{"1200.00", "BOULANGERIE MARTINEAU", "REGLEMENT FACT FA-2026-0012"},
			{"1234.56", "FROMAGERIE VASSEUR", "FACTURE FA-2026-0300"},
			{"3150.75", "", "VIREMENT"},
		}
		var entries []*ledger.Entry
		var total int64
		for i, c := range credits {
			m := eur(c.amount)
			tx := ledger.Transaction{Index: 1, Amount: m, Direction: ledger.Credit, AcctSvcrRef: "R" + string(rune('1'+i)),
				Debtor: ledger.Party{Name: c.payer}, Remittance: []string{c.remittance}}
			entries = append(entries, &ledger.Entry{Index: i + 1, Amount: m, Direction: ledger.Credit, Status: ledger.StatusBooked,
				BookingDate: d, ValueDate: d, AcctSvcrRef: tx.AcctSvcrRef, Transactions: []ledger.Transaction{tx}})
			total += m.Minor
		}
		st := &ledger.Statement{StatementID: "STMT-1", CreatedAt: d.Time().Add(20 * time.Hour), Account: ledger.Account{IBAN: account, Currency: "EUR"},
			From: d, To: d, Balances: []ledger.Balance{
				{Type: ledger.OpeningBooked, Amount: eur("0.00"), Date: d},
				{Type: ledger.ClosingBooked, Amount: ledger.Money{Minor: total, Currency: "EUR"}, Date: d}}}
		var buf bytes.Buffer
		if err := render.WriteCAMT053(&buf, "001.08", st, entries); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "inbox"), 0o755); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, "inbox", ".releve.xml.tmp")
		if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "inbox", "releve.xml")); err != nil {
			t.Fatal(err)
		}

		eventually(t, 20*time.Second, func() (bool, string) {
			ms, err := e.store.ListMatches(context.Background(), ledger.MatchFilter{})
			return err == nil && len(ms) == 3, "credits not all decided"
		})
		for inv, status := range map[string]ledger.InvoiceStatus{"I01": ledger.InvoicePaid, "I15": ledger.InvoicePaid, "I06": ledger.InvoiceOpen} {
			if got := e.invoice(inv); got.Status != status {
				t.Errorf("%s: %s, want %s", inv, got.Status, status)
			}
		}
		if n := len(e.events(ledger.EventFilter{Type: ledger.EventInvoicePaid})); n != 2 {
			t.Errorf("%d invoice.paid events, want 2", n)
		}
		if n := len(e.events(ledger.EventFilter{Type: ledger.EventStatementIngested})); n != 1 {
			t.Errorf("%d statement.ingested events, want 1", n)
		}
		eventually(t, 10*time.Second, func() (bool, string) { return notified.Load() > 0, "OnEvents never called" })
	})
}

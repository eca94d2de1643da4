package dunningrun

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/storetest/engines"
)

// TestCloseSettled: a payment that pays an invoice in full closes its case
// at once (not at the next scheduled run), a partial payment changes
// nothing, and no other case moves — not even one whose next stage is due.
func TestCloseSettled(t *testing.T) {
	engines.ForEach(t, "closing the cases of paid invoices", func(t *testing.T, e engines.Engine) {
		s, _ := e.Open(t)
		importInvoices(t, s, inv("A", "C1", "1200.00", "2026-03-31"), inv("B", "C2", "300.00", "2026-03-31"), inv("P", "C3", "500.00", "2026-03-31"))
		r := newRunner(t, s, "2026-04-01")
		runDays(t, r, "2026-03-25", "2026-04-01", nil) // every case at reminder_1
		letter(t, s, "PAY-A", "A", "1200.00", day("2026-04-09"))
		letter(t, s, "PAY-P", "P", "200.00", day("2026-04-09"))

		// On 2026-04-09 B's next stage (the call, due 2026-04-08) is due:
		// CloseSettled must not move it.
		rep, err := r.CloseSettled(t.Context(), day("2026-04-09"))
		if err != nil || len(rep.Failed) != 0 {
			t.Fatalf("CloseSettled: %+v %v", rep, err)
		}
		if g, want := gotOf(rep.Steps), []got{{"2026-04-09", "A", "close", "closed"}}; !reflect.DeepEqual(g, want) {
			t.Fatalf("steps\n got %v\nwant %v", g, want)
		}
		for id, want := range map[string]struct {
			status ledger.DunningStatus
			stage  string
		}{"A": {ledger.DunningClosed, ""}, "B": {ledger.DunningActive, "reminder_1"}, "P": {ledger.DunningActive, "reminder_1"}} {
			c, err := s.GetDunningCase(t.Context(), id)
			if err != nil || c.Status != want.status || (want.stage != "" && c.Stage != want.stage) {
				t.Errorf("case %s = %s/%s %v, want %s/%s", id, c.Status, c.Stage, err, want.status, want.stage)
			}
		}
		hist, err := s.DunningHistory(t.Context(), "A")
		if err != nil || hist[len(hist)-1].Actor != SettledActor {
			t.Fatalf("history of A: %+v %v", hist, err)
		}
		// A second pass finds nothing to do.
		if rep, err := r.CloseSettled(t.Context(), day("2026-04-09")); err != nil || len(rep.Steps) != 0 {
			t.Fatalf("second pass: %+v %v", rep, err)
		}
	})
}

// TestSettlerRunsOnNotify: the Settler closes the case after a Notify.
func TestSettlerRunsOnNotify(t *testing.T) {
	s, _ := engines.SQLite(t)
	importInvoices(t, s, inv("A", "C1", "1200.00", "2026-03-31"))
	r := newRunner(t, s, "2026-04-02")
	runDays(t, r, "2026-03-25", "2026-04-02", nil)
	letter(t, s, "PAY-A", "A", "1200.00", day("2026-04-02"))
	st := NewSettler(r, 10*time.Millisecond)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { st.Run(ctx); close(done) }()
	st.Notify()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := s.GetDunningCase(t.Context(), "A")
		if err == nil && c.Status == ledger.DunningClosed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("case not closed after Notify: %+v %v", c, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
}

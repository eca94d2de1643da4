package dunningrun

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/storetest/engines"
)

// TestRunThroughput measures daily runs over 2 000 overdue invoices of 200
// customers (every invoice enters a stage at each run: a transition and its
// event each), and the second run of a day (nothing to store). It runs
// with LETTRAGE_DUNNING_THROUGHPUT=1 and logs the figures:
//
//	LETTRAGE_DUNNING_THROUGHPUT=1 go test -run TestRunThroughput -v ./internal/dunningrun/
func TestRunThroughput(t *testing.T) {
	if os.Getenv("LETTRAGE_DUNNING_THROUGHPUT") == "" {
		t.Skip("set LETTRAGE_DUNNING_THROUGHPUT=1 to measure")
	}
	engines.ForEach(t, "the dunning run throughput", func(t *testing.T, e engines.Engine) {
		s, _ := e.Open(t)
		const n = 2000
		var invs []ledger.Invoice
		for i := 0; i < n; i++ {
			invs = append(invs, inv(fmt.Sprintf("B%05d", i), fmt.Sprintf("C%03d", i%200), "250.00", "2026-03-31"))
		}
		importInvoices(t, s, invs...)
		r := newRunner(t, s, "2026-03-28")
		for _, d := range []string{"2026-03-28", "2026-04-01", "2026-04-08"} {
			start := time.Now()
			rep, err := r.Run(t.Context(), day(d), Options{})
			took := time.Since(start)
			if err != nil || len(rep.Failed) > 0 || len(rep.Steps) != n {
				t.Fatalf("run %s: %v, %d failed, %d steps", d, err, len(rep.Failed), len(rep.Steps))
			}
			start = time.Now()
			again, err := r.Run(t.Context(), day(d), Options{})
			idle := time.Since(start)
			if err != nil || len(again.Steps) != 0 {
				t.Fatalf("second run %s: %v %d", d, err, len(again.Steps))
			}
			t.Logf("%s %s: %d transitions in %s (%.0f/s); second run %s (%.0f invoices/s)", e.Name, d, n, took.Round(time.Millisecond),
				float64(n)/took.Seconds(), idle.Round(time.Millisecond), float64(n)/idle.Seconds())
		}
	})
}
